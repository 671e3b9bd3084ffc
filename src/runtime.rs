//! What the generated types use at run time: a database error that never carries row values,
//! the PHI placeholder for `Debug`, text-backed enums, `interval`, and small SQL builders.

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use std::error::Error as StdError;
use std::fmt;

/// Shown by `Debug` in place of every PHI value.
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[PHI]")
    }
}

/// What went wrong in the database, as something a caller can match on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbErrorKind {
    /// A unique constraint (23505): the row exists already.
    UniqueViolation,
    /// An exclusion constraint (23P01): for example an overlapping appointment.
    ExclusionViolation,
    /// A foreign key (23503): the referenced row does not exist, or is not yours.
    ForeignKeyViolation,
    /// A CHECK constraint (23514).
    CheckViolation,
    /// A NOT NULL column left empty (23502).
    NotNullViolation,
    /// Missing privilege or a row level security `with check` (42501).
    PermissionDenied,
    /// A serialization failure or deadlock (40001, 40P01): retry the transaction.
    RetryTransaction,
    /// Any other error the server reported.
    Other,
    /// The connection failed or closed.
    Connection,
    /// A column's value could not be read into its Rust type.
    Decode,
}

/// A database error without its message or detail. PostgreSQL puts the failing row into some
/// messages ("Failing row contains (…)"), PHI included, so neither `Display` nor `Debug` shows
/// them: only the kind, the SQLSTATE and the constraint's name.
#[derive(Clone, PartialEq, Eq)]
pub struct DbError {
    kind: DbErrorKind,
    code: Option<String>,
    constraint: Option<String>,
}

impl DbError {
    pub fn kind(&self) -> DbErrorKind {
        self.kind
    }

    /// The SQLSTATE, such as `23P01`.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// The violated constraint's name, when the server named one.
    pub fn constraint(&self) -> Option<&str> {
        self.constraint.as_deref()
    }

    /// A value that did not fit its Rust type. The underlying error is dropped: it may quote
    /// the value.
    pub fn decode(_: postgres::Error) -> DbError {
        DbError {
            kind: DbErrorKind::Decode,
            code: None,
            constraint: None,
        }
    }
}

impl From<postgres::Error> for DbError {
    fn from(error: postgres::Error) -> DbError {
        let Some(db) = error.as_db_error() else {
            let kind = if error.is_closed() || error.source().is_some_and(|s| s.is::<std::io::Error>()) {
                DbErrorKind::Connection
            } else {
                DbErrorKind::Other
            };
            return DbError {
                kind,
                code: error.code().map(|c| c.code().to_owned()),
                constraint: None,
            };
        };
        let code = db.code();
        let kind = if *code == SqlState::UNIQUE_VIOLATION {
            DbErrorKind::UniqueViolation
        } else if *code == SqlState::EXCLUSION_VIOLATION {
            DbErrorKind::ExclusionViolation
        } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
            DbErrorKind::ForeignKeyViolation
        } else if *code == SqlState::CHECK_VIOLATION {
            DbErrorKind::CheckViolation
        } else if *code == SqlState::NOT_NULL_VIOLATION {
            DbErrorKind::NotNullViolation
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            DbErrorKind::PermissionDenied
        } else if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
            DbErrorKind::RetryTransaction
        } else {
            DbErrorKind::Other
        };
        DbError {
            kind,
            code: Some(code.code().to_owned()),
            constraint: db.constraint().map(str::to_owned),
        }
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "database error: {:?}", self.kind)?;
        if let Some(code) = &self.code {
            write!(f, " (SQLSTATE {code})")?;
        }
        if let Some(constraint) = &self.constraint {
            write!(f, " on constraint {constraint}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl StdError for DbError {}

/// A text that is not one of an enum's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownValue {
    pub type_name: &'static str,
}

impl fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a value of {}", self.type_name)
    }
}

impl StdError for UnknownValue {}

/// Makes a generated enum with `as_str` and `FromStr` readable from and writable to a `text`
/// column, and printable.
#[macro_export]
macro_rules! text_enum {
    ($name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                ty: &::postgres::types::Type,
                out: &mut ::bytes::BytesMut,
            ) -> Result<::postgres::types::IsNull, Box<dyn ::std::error::Error + Sync + Send>> {
                self.as_str().to_sql(ty, out)
            }

            fn accepts(ty: &::postgres::types::Type) -> bool {
                <&str as ::postgres::types::ToSql>::accepts(ty)
            }

            ::postgres::types::to_sql_checked!();
        }

        impl<'a> ::postgres::types::FromSql<'a> for $name {
            fn from_sql(
                ty: &::postgres::types::Type,
                raw: &'a [u8],
            ) -> Result<Self, Box<dyn ::std::error::Error + Sync + Send>> {
                let text = <&str as ::postgres::types::FromSql>::from_sql(ty, raw)?;
                Ok(text.parse::<$name>()?)
            }

            fn accepts(ty: &::postgres::types::Type) -> bool {
                <&str as ::postgres::types::FromSql>::accepts(ty)
            }
        }
    };
}

/// A PostgreSQL `interval`: months, days and microseconds are kept apart, as the server does,
/// because a month has no fixed length.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub microseconds: i64,
}

impl<'a> FromSql<'a> for Interval {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        let bytes: [u8; 16] = raw.try_into().map_err(|_| "an interval is 16 bytes")?;
        let [m0, m1, m2, m3, d0, d1, d2, d3, rest @ ..] = bytes;
        Ok(Interval {
            microseconds: i64::from_be_bytes([m0, m1, m2, m3, d0, d1, d2, d3]),
            days: i32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]),
            months: i32::from_be_bytes([rest[4], rest[5], rest[6], rest[7]]),
        })
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }
}

impl ToSql for Interval {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        out.extend_from_slice(&self.microseconds.to_be_bytes());
        out.extend_from_slice(&self.days.to_be_bytes());
        out.extend_from_slice(&self.months.to_be_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::INTERVAL
    }

    to_sql_checked!();
}

/// Serde for `Option<Option<T>>` patch fields: absent → `None`, `null` → `Some(None)`.
pub mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// `insert into <table> (<columns>) values ($1, …) returning <select list>`; with no columns,
/// `default values`.
pub fn insert_sql(table: &str, columns: &[&str], select_list: &str) -> String {
    if columns.is_empty() {
        return format!("insert into {table} default values returning {select_list}");
    }
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("${i}")).collect();
    format!(
        "insert into {table} ({}) values ({}) returning {select_list}",
        columns.join(", "),
        placeholders.join(", ")
    )
}

/// `update <table> set a = $1, … where <key> = $n … returning <select list>`: the key values
/// follow the set values in the parameters.
pub fn update_sql(table: &str, columns: &[&str], keys: &[&str], select_list: &str) -> String {
    let sets: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let filter: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = ${}", columns.len() + i + 1))
        .collect();
    format!(
        "update {table} set {} where {} returning {select_list}",
        sets.join(", "),
        filter.join(" and ")
    )
}

/// `select <select list> from <table> where <key> = $1 …`.
pub fn select_by_key_sql(table: &str, select_list: &str, keys: &[&str]) -> String {
    let filter: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!("{k} = ${}", i + 1))
        .collect();
    format!("select {select_list} from {table} where {}", filter.join(" and "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_parameterised_statements() {
        assert_eq!(
            insert_sql("public.t", &["a", "b"], "a, b"),
            "insert into public.t (a, b) values ($1, $2) returning a, b"
        );
        assert_eq!(
            insert_sql("public.t", &[], "a"),
            "insert into public.t default values returning a"
        );
        assert_eq!(
            update_sql("public.t", &["a"], &["id"], "id, a"),
            "update public.t set a = $1 where id = $2 returning id, a"
        );
        assert_eq!(
            select_by_key_sql("public.t", "id", &["x", "y"]),
            "select id from public.t where x = $1 and y = $2"
        );
    }
}
