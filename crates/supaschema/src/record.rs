//! What the generated types tell the generic operations: which table a row type reads, how a key
//! and a row's values become statement parameters. The generated code implements these traits
//! and nothing more, so that the SQL, the parameter lists and the row reading are compiled once
//! here rather than once per table; [`blocking`](crate::blocking) and `tokio` run them.

use crate::DbError;
use postgres::Row;
use postgres::types::ToSql;

/// A statement parameter, as `postgres` and `tokio-postgres` take them.
pub type Param<'a> = &'a (dyn ToSql + Sync);

/// A generated row type: a table's name, the columns a SELECT reads and its primary key.
pub trait Record: Sized + for<'r> TryFrom<&'r Row, Error = DbError> {
    /// The primary key's value: the column's type, or a tuple for a key of several columns.
    type Key;
    /// The table, qualified and quoted for SQL.
    const SQL_TABLE: &'static str;
    /// The column list of a SELECT that `TryFrom<&Row>` reads.
    const SELECT_LIST: &'static str;
    /// The primary key's columns, quoted for SQL.
    const KEY_COLUMNS: &'static [&'static str];
    /// For a table with `audit_reads`, whose PHI the API roles may not select: the call of its
    /// read function with the (uuid) key as `$1`. The operations read rows through it, each
    /// read recorded in the audit table, and writes return the key only and read the row back.
    const AUDITED_READ: Option<&'static str> = None;

    /// The key's values in [`Record::KEY_COLUMNS`] order.
    fn key_params(key: &Self::Key) -> Vec<Param<'_>>;
}

/// A generated insert value (`New…`) of the row type `Record`.
pub trait NewRecord {
    type Record: Record;

    /// The columns to write and their values; columns left out take their defaults.
    fn values(&self) -> Values<'_>;
}

/// A generated change to a row (`…Patch`) of the row type `Record`.
pub trait Changes {
    type Record: Record;

    /// The columns to change and their new values.
    fn values(&self) -> Values<'_>;
}

/// Columns, quoted for SQL, with the values to write to them.
#[derive(Default)]
pub struct Values<'a> {
    pub(crate) columns: Vec<&'static str>,
    pub(crate) params: Vec<Param<'a>>,
}

impl<'a> Values<'a> {
    pub fn new() -> Values<'a> {
        Values::default()
    }

    /// Writes `value` to `column`.
    pub fn set(&mut self, column: &'static str, value: Param<'a>) {
        self.columns.push(column);
        self.params.push(value);
    }

    /// Writes the value to `column` when there is one; leaves the column out otherwise.
    pub fn set_some<T: ToSql + Sync>(&mut self, column: &'static str, value: &'a Option<T>) {
        if let Some(value) = value {
            self.set(column, value);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}
