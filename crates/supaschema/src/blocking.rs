//! The operations of the generated types on a blocking `postgres` client or transaction. Bring
//! the traits into scope (`use supaschema::blocking::*;`) to call `Patient::find(client, &id)`,
//! `new_patient.insert(client)` and `patch.update(client, &id)`; [`tokio`](crate::tokio) has
//! the same operations for `tokio-postgres`, with the same SQL and row reading.

use crate::record::{Changes, NewRecord, Record};
use crate::{DbError, sql};
use postgres::GenericClient;

/// Reading a row by its primary key.
pub trait Find: Record {
    /// Fetches the row with this primary key; `Ok(None)` when none exists or RLS hides it.
    fn find(client: &mut impl GenericClient, key: &Self::Key) -> Result<Option<Self>, DbError> {
        let row = client.query_opt(&sql::find::<Self>(), &Self::key_params(key))?;
        row.as_ref().map(Self::try_from).transpose()
    }
}

impl<R: Record> Find for R {}

/// Inserting a new row.
pub trait Insert: NewRecord {
    /// Inserts the row and returns it as stored, defaults filled in.
    fn insert(&self, client: &mut impl GenericClient) -> Result<Self::Record, DbError> {
        let values = self.values();
        let row = client.query_one(&sql::insert::<Self::Record>(&values), &values.params)?;
        stored(client, &row)?.ok_or_else(DbError::hidden_row)
    }
}

impl<N: NewRecord> Insert for N {}

/// Changing a row.
pub trait Update: Changes {
    /// Writes the set fields to the row with this primary key and returns the row as stored;
    /// `Ok(None)` when no row matched (or RLS hides it). An empty change only reads the row.
    fn update(
        &self,
        client: &mut impl GenericClient,
        key: &<Self::Record as Record>::Key,
    ) -> Result<Option<Self::Record>, DbError> {
        let values = self.values();
        if values.is_empty() {
            return Self::Record::find(client, key);
        }
        let params = sql::update_params::<Self::Record>(&values, key);
        match client.query_opt(&sql::update::<Self::Record>(&values), &params)? {
            Some(row) => stored(client, &row),
            None => Ok(None),
        }
    }
}

impl<C: Changes> Update for C {}

/// The row a write returned; for a table with audited reads, which returns the key only, the
/// row read back through its read function.
fn stored<R: Record>(client: &mut impl GenericClient, row: &postgres::Row) -> Result<Option<R>, DbError> {
    if R::AUDITED_READ.is_none() {
        return R::try_from(row).map(Some);
    }
    let key: uuid::Uuid = row.try_get(0).map_err(DbError::decode)?;
    let read = client.query_opt(&sql::find::<R>(), &[&key])?;
    read.as_ref().map(R::try_from).transpose()
}
