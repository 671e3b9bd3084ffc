//! Acting as a Data API caller: a transaction in which `auth.uid()`, `auth.role()` and
//! `auth.jwt()` answer as they do for a request through PostgREST, so that application code and
//! tests go through row level security instead of around it.
//!
//! PostgREST runs every request in a transaction that switches to the role named by the JWT
//! (`set local role authenticated`) and puts the JWT's claims into the `request.jwt.claims`
//! setting for that transaction only; Supabase's `auth.*` functions read them from there. A
//! connection as `postgres` or as a superuser bypasses RLS; inside [`begin_as`] it does not.

use crate::DbError;
use postgres::{GenericClient, Transaction};
use serde_json::{Map, Value};
use uuid::Uuid;

/// Who a transaction acts as: a Data API role and the JWT claims of its request.
#[derive(Clone, Debug, PartialEq)]
pub struct Actor {
    role: &'static str,
    claims: Map<String, Value>,
    /// Custom settings for the transaction: (name, value).
    settings: Vec<(String, String)>,
}

impl Actor {
    /// Not signed in: role `anon`, as a request with only the project's anon key.
    pub fn anon() -> Actor {
        Actor::with_role("anon")
    }

    /// A signed-in user: role `authenticated`, `sub` = `id`, `aud` = `authenticated`,
    /// `is_anonymous` = false, as in the access token Supabase Auth issues. Add what the backend
    /// stored in the user's `app_metadata` with [`Actor::app_metadata`], other claims with
    /// [`Actor::claim`].
    pub fn user(id: Uuid) -> Actor {
        Actor::with_role("authenticated")
            .claim("sub", Value::String(id.to_string()))
            .claim("aud", Value::String("authenticated".to_owned()))
            .claim("is_anonymous", Value::Bool(false))
    }

    /// An anonymous sign-in (`supabase.auth.signInAnonymously()`): role `authenticated` like any
    /// signed-in user, with `is_anonymous` = true. Anyone can get one.
    pub fn anonymous(id: Uuid) -> Actor {
        Actor::user(id).claim("is_anonymous", Value::Bool(true))
    }

    /// The same actor with `key` set in the `app_metadata` claim, keeping its other keys. Supabase
    /// Auth copies `auth.users.raw_app_meta_data` into it; only the backend can write that (the
    /// auth admin API's `app_metadata`), so it is where a role such as "doctor" belongs.
    pub fn app_metadata(self, key: &str, value: Value) -> Actor {
        self.metadata("app_metadata", key, value)
    }

    /// The same actor with `key` set in the `user_metadata` claim, keeping its other keys. The
    /// user can write it themselves (`supabase.auth.updateUser({ data })`): never a proof of
    /// anything, but worth testing that no policy trusts it.
    pub fn user_metadata(self, key: &str, value: Value) -> Actor {
        self.metadata("user_metadata", key, value)
    }

    fn metadata(mut self, claim: &str, key: &str, value: Value) -> Actor {
        let entry = self
            .claims
            .entry(claim.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        if let Value::Object(map) = entry {
            map.insert(key.to_owned(), value);
        }
        self
    }

    /// The backend with the service key: role `service_role`, which bypasses RLS.
    pub fn service_role() -> Actor {
        Actor::with_role("service_role")
    }

    /// The backend's routine work: role `backend`, which a schema.toml that grants to it has
    /// its migrations create, `NOLOGIN NOBYPASSRLS` and granted to `service_role`. Connected as
    /// `postgres` (a member of `service_role`), the backend switches to it for one transaction;
    /// row level security and the policies written for `backend` apply.
    ///
    /// Why: PostgreSQL quotes the whole failing row ("Failing row contains (…)", PHI included)
    /// in a CHECK or NOT NULL violation, to the client and into the server's log, unless row
    /// level security applies to the caller; `service_role` bypasses it, so its errors disclose
    /// rows. As `backend` they carry none, and a foreign key violation names only its key.
    /// Keep `service_role` for the exceptional paths that must reach every row.
    ///
    /// The policies decide which rows `backend` reaches; set what they read (such as the
    /// practice the backend acts for) with [`Actor::setting`].
    pub fn backend() -> Actor {
        Actor::with_role("backend")
    }

    /// The same actor with the custom setting `name` (such as `app.doctor_id`) set to `value`
    /// for the transaction only (`set_config(name, value, true)`), for policies that read it
    /// with `current_setting(name, true)`.
    pub fn setting(mut self, name: &str, value: &str) -> Actor {
        self.settings.retain(|(n, _)| n != name);
        self.settings.push((name.to_owned(), value.to_owned()));
        self
    }

    fn with_role(role: &'static str) -> Actor {
        let mut claims = Map::new();
        claims.insert("role".to_owned(), Value::String(role.to_owned()));
        Actor {
            role,
            claims,
            settings: Vec::new(),
        }
    }

    /// The same actor with one more JWT claim (or a claim replaced), such as
    /// `app_metadata` or `is_anonymous`. The `role` claim follows the actor's role and is not
    /// replaced.
    pub fn claim(mut self, name: &str, value: Value) -> Actor {
        if name != "role" {
            self.claims.insert(name.to_owned(), value);
        }
        self
    }

    /// The database role the transaction switches to.
    pub fn role(&self) -> &str {
        self.role
    }

    /// The JWT claims as the `request.jwt.claims` setting holds them.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The custom settings the transaction gets: (name, value).
    pub fn settings(&self) -> &[(String, String)] {
        &self.settings
    }
}

/// Begins a transaction acting as `actor`: `set local role`, `request.jwt.claims` and the
/// actor's settings, all undone when the transaction ends. Commit it, or drop it to roll back.
pub fn begin_as<'a>(client: &'a mut postgres::Client, actor: &Actor) -> Result<Transaction<'a>, DbError> {
    let mut transaction = client.transaction()?;
    enter(&mut transaction, actor)?;
    Ok(transaction)
}

/// Runs `f` in a transaction acting as `actor`; commits when `f` returns `Ok`, rolls back when it
/// returns `Err`.
pub fn act_as<T, E: From<DbError>>(
    client: &mut postgres::Client,
    actor: &Actor,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<T, E>,
) -> Result<T, E> {
    let mut transaction = begin_as(client, actor)?;
    let value = f(&mut transaction)?;
    transaction.commit().map_err(DbError::from)?;
    Ok(value)
}

/// Switches an open transaction to `actor`, as PostgREST does at the start of a request.
fn enter(transaction: &mut impl GenericClient, actor: &Actor) -> Result<(), DbError> {
    transaction.batch_execute(&actor.set_role_statement())?;
    transaction.execute(SET_CLAIMS, &[&actor.claims_json()])?;
    for (name, value) in actor.settings() {
        transaction.execute(SET_SETTING, &[&name.as_str(), &value.as_str()])?;
    }
    Ok(())
}

/// Puts the claims (`$1`, JSON) into `request.jwt.claims` for the transaction only.
pub(crate) const SET_CLAIMS: &str = "select set_config('request.jwt.claims', $1, true)";
/// Sets the custom setting `$1` to `$2` for the transaction only.
pub(crate) const SET_SETTING: &str = "select set_config($1, $2, true)";

impl Actor {
    /// `set local role …`: the role is one of four fixed names, never user input, so it is
    /// written into the statement; `set role` takes no parameters.
    pub(crate) fn set_role_statement(&self) -> String {
        format!("set local role {}", self.role)
    }

    /// The claims as the JSON text `request.jwt.claims` holds.
    pub(crate) fn claims_json(&self) -> String {
        Value::Object(self.claims.clone()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_carries_the_claims_supabase_auth_issues() {
        let id = Uuid::nil();
        let actor = Actor::user(id).claim("role", Value::String("service_role".into()));
        assert_eq!(actor.role(), "authenticated");
        assert_eq!(actor.claims()["role"], "authenticated");
        assert_eq!(actor.claims()["sub"], id.to_string());
        assert_eq!(actor.claims()["aud"], "authenticated");
        assert_eq!(actor.claims()["is_anonymous"], false);
    }

    #[test]
    fn metadata_keys_add_up_and_anonymous_sign_ins_say_so() {
        let actor = Actor::anonymous(Uuid::nil())
            .app_metadata("role", Value::String("doctor".into()))
            .app_metadata("practice", Value::String("north".into()))
            .user_metadata("role", Value::String("admin".into()));
        assert_eq!(actor.claims()["is_anonymous"], true);
        assert_eq!(
            actor.claims()["app_metadata"],
            serde_json::json!({ "role": "doctor", "practice": "north" })
        );
        assert_eq!(actor.claims()["user_metadata"], serde_json::json!({ "role": "admin" }));
    }
}
