//! The operations of the generated types on `tokio-postgres` (feature `tokio`), with the SQL and
//! row reading of [`blocking`](crate::blocking): bring the traits into scope
//! (`use supaschema::tokio::*;`) and `.await` `Patient::find(&client, &id)`,
//! `new_patient.insert(&client)` and `patch.update(&client, &id)`. [`act_as`] and [`begin_as`]
//! act as a Data API caller, as their blocking namesakes do.
//!
//! A pooled `deadpool-postgres` client is a `tokio_postgres::Client` behind two `Deref`s:
//! pass `&**client` (or `&mut **client` to [`act_as`]).

use crate::act::{Actor, SET_CLAIMS, SET_SETTING};
use crate::record::{Changes, NewRecord, Record};
use crate::{DbError, sql};
use std::future::Future;
use tokio_postgres::{Client, GenericClient, Transaction};

/// Reading a row by its primary key.
pub trait Find: Record {
    /// Fetches the row with this primary key; `Ok(None)` when none exists or RLS hides it.
    fn find(
        client: &(impl GenericClient + Sync),
        key: &Self::Key,
    ) -> impl Future<Output = Result<Option<Self>, DbError>> + Send
    where
        Self::Key: Sync,
    {
        async move {
            let row = client.query_opt(&sql::find::<Self>(), &Self::key_params(key)).await?;
            row.as_ref().map(Self::try_from).transpose()
        }
    }
}

impl<R: Record> Find for R {}

/// Inserting a new row.
pub trait Insert: NewRecord + Sync {
    /// Inserts the row and returns it as stored, defaults filled in.
    fn insert(
        &self,
        client: &(impl GenericClient + Sync),
    ) -> impl Future<Output = Result<Self::Record, DbError>> + Send {
        async move {
            let values = self.values();
            let statement = sql::insert::<Self::Record>(&values);
            let row = client.query_one(&statement, &values.params).await?;
            stored(client, &row).await?.ok_or_else(DbError::hidden_row)
        }
    }
}

impl<N: NewRecord + Sync> Insert for N {}

/// Changing a row.
pub trait Update: Changes + Sync {
    /// Writes the set fields to the row with this primary key and returns the row as stored;
    /// `Ok(None)` when no row matched (or RLS hides it). An empty change only reads the row.
    fn update(
        &self,
        client: &(impl GenericClient + Sync),
        key: &<Self::Record as Record>::Key,
    ) -> impl Future<Output = Result<Option<Self::Record>, DbError>> + Send
    where
        <Self::Record as Record>::Key: Sync,
    {
        async move {
            let values = self.values();
            if values.is_empty() {
                return Self::Record::find(client, key).await;
            }
            let statement = sql::update::<Self::Record>(&values);
            let params = sql::update_params::<Self::Record>(&values, key);
            match client.query_opt(&statement, &params).await? {
                Some(row) => stored(client, &row).await,
                None => Ok(None),
            }
        }
    }
}

impl<C: Changes + Sync> Update for C {}

/// The row a write returned; for a table with audited reads, which returns the key only, the
/// row read back through its read function.
async fn stored<R: Record>(
    client: &(impl GenericClient + Sync),
    row: &tokio_postgres::Row,
) -> Result<Option<R>, DbError> {
    if R::AUDITED_READ.is_none() {
        return R::try_from(row).map(Some);
    }
    let key: uuid::Uuid = row.try_get(0).map_err(DbError::decode)?;
    let read = client.query_opt(&sql::find::<R>(), &[&key]).await?;
    read.as_ref().map(R::try_from).transpose()
}

/// Begins a transaction acting as `actor`, as [`crate::begin_as`] does: `set local role`,
/// `request.jwt.claims` and the actor's settings, all undone when the transaction ends. Commit it, or drop it to roll
/// back.
pub async fn begin_as<'a>(client: &'a mut Client, actor: &Actor) -> Result<Transaction<'a>, DbError> {
    let transaction = client.transaction().await?;
    transaction.batch_execute(&actor.set_role_statement()).await?;
    transaction.execute(SET_CLAIMS, &[&actor.claims_json()]).await?;
    for (name, value) in actor.settings() {
        transaction
            .execute(SET_SETTING, &[&name.as_str(), &value.as_str()])
            .await?;
    }
    Ok(transaction)
}

/// Runs `f` in a transaction acting as `actor`; commits when `f` returns `Ok`, rolls back when it
/// returns `Err`.
pub async fn act_as<T, E: From<DbError>>(
    client: &mut Client,
    actor: &Actor,
    f: impl AsyncFnOnce(&mut Transaction<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let mut transaction = begin_as(client, actor).await?;
    let value = f(&mut transaction).await?;
    transaction.commit().await.map_err(DbError::from)?;
    Ok(value)
}
