//! Database errors as something a caller can match on, without the server's message or detail,
//! which can quote a failing row (PHI included).

use postgres::error::SqlState;
use std::error::Error as StdError;
use std::fmt;

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

    /// A written row that its writer may not read back (42501), as PostgreSQL reports a
    /// `returning` of a row the select policies hide.
    pub fn hidden_row() -> DbError {
        DbError {
            kind: DbErrorKind::PermissionDenied,
            code: Some("42501".to_owned()),
            constraint: None,
        }
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
