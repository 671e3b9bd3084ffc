//! `[migration]`: what the next migration is called, which tables and columns it may drop
//! or narrow, and how long its statements wait for a lock.

use super::{Result, Validator};
use crate::error::Problem;
use crate::ident::is_safe_identifier;
use crate::model::{DEFAULT_LOCK_TIMEOUT, MigrationSettings};
use crate::read::{Name, RawMigration};

impl Validator<'_> {
    /// Entries of `allow_drop` name tables, columns, buckets (`bucket:<name>`), enum types
    /// (`enum:<name>`) or values of one (`enum:<name>.<value>`); those of `allow_narrowing` columns.
    pub(super) fn migration_settings(&self, raw: &RawMigration) -> Result<MigrationSettings> {
        let name = self.optional_identifier(&raw.name, "migration name")?;
        let path = |entry: &Name, columns_only: bool| -> Result<String> {
            let text = entry.get_ref();
            let bucket = text.strip_prefix("bucket:").filter(|_| !columns_only);
            // `enum:<name>` or `enum:<name>.<value>`, whose value is any label.
            let enum_type = text.strip_prefix("enum:").filter(|_| !columns_only);
            let parts: Vec<&str> = match (bucket, enum_type) {
                (Some(name), _) => vec![name],
                (None, Some(rest)) => match rest.split_once('.') {
                    Some((name, value)) if !value.is_empty() => vec![name],
                    Some(_) => vec![""],
                    None => vec![rest],
                },
                (None, None) => text.split('.').collect(),
            };
            let shape_ok = if columns_only {
                parts.len() == 2
            } else {
                (1..=2).contains(&parts.len())
            };
            if shape_ok && parts.iter().all(|p| is_safe_identifier(p)) {
                Ok(entry.get_ref().clone())
            } else {
                Err(self.error(
                    entry.span(),
                    Problem::BadMigrationEntry {
                        entry: entry.get_ref().clone(),
                    },
                ))
            }
        };
        let lock_timeout = match &raw.lock_timeout {
            Some(value) if is_lock_timeout(value.get_ref()) => value.get_ref().clone(),
            Some(value) => {
                return Err(self.error(
                    value.span(),
                    Problem::BadLockTimeout {
                        value: value.get_ref().clone(),
                    },
                ));
            }
            None => DEFAULT_LOCK_TIMEOUT.to_owned(),
        };
        Ok(MigrationSettings {
            name,
            lock_timeout,
            allow_drop: raw.allow_drop.iter().map(|e| path(e, false)).collect::<Result<_>>()?,
            allow_narrowing: raw
                .allow_narrowing
                .iter()
                .map(|e| path(e, true))
                .collect::<Result<_>>()?,
        })
    }
}

/// A whole number above zero with a unit PostgreSQL reads (`ms`, `s`, `min`): zero would
/// wait forever, and a value without a unit is easily misread.
fn is_lock_timeout(value: &str) -> bool {
    let digits = value.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = value.split_at(digits);
    (1..=6).contains(&number.len()) && !number.starts_with('0') && matches!(unit, "ms" | "s" | "min")
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, accepts, rejects};
    use crate::error::Problem;
    use crate::model::MigrationSettings;

    /// [`MINIMAL`] with a `[migration]` section of the given keys (from line 5).
    fn migration(keys: &str) -> String {
        format!("{MINIMAL}\n[migration]\n{keys}\n")
    }

    #[test]
    fn reads_the_migration_settings() {
        let schema = accepts(&migration(
            "name = \"drop_old_notes\"\nallow_drop = [\"old_notes\", \"notes.body\", \"bucket:photos\"]\nallow_narrowing = [\"notes.id\"]",
        ));
        assert_eq!(
            schema.migration,
            MigrationSettings {
                name: Some("drop_old_notes".into()),
                allow_drop: vec!["old_notes".into(), "notes.body".into(), "bucket:photos".into()],
                allow_narrowing: vec!["notes.id".into()],
                ..MigrationSettings::default()
            }
        );
        assert_eq!(accepts(MINIMAL).migration, MigrationSettings::default());
    }

    #[test]
    fn refuses_an_unsafe_migration_name() {
        rejects(
            &migration("name = \"Drop Notes\""),
            5,
            Problem::UnsafeIdentifier {
                what: "migration name",
                name: "Drop Notes".into(),
            },
        );
    }

    #[test]
    fn refuses_entries_that_name_no_table_or_column() {
        rejects(
            &migration("allow_drop = [\"notes\",\n  \"a.b.c\"]"),
            6,
            Problem::BadMigrationEntry { entry: "a.b.c".into() },
        );
        rejects(
            &migration("allow_drop = [\"Notes\"]"),
            5,
            Problem::BadMigrationEntry { entry: "Notes".into() },
        );
        // Narrowing concerns a column's type, so a table alone is no entry.
        rejects(
            &migration("allow_narrowing = [\"notes\"]"),
            5,
            Problem::BadMigrationEntry { entry: "notes".into() },
        );
    }

    #[test]
    fn reads_the_lock_timeout_with_a_default_of_a_few_seconds() {
        assert_eq!(accepts(MINIMAL).migration.lock_timeout, "5s");
        for value in ["500ms", "2s", "1min"] {
            let schema = accepts(&migration(&format!("lock_timeout = \"{value}\"")));
            assert_eq!(schema.migration.lock_timeout, value);
        }
    }

    #[test]
    fn refuses_a_lock_timeout_postgres_would_misread_or_that_waits_forever() {
        for value in ["5", "0s", "05s", "5 s", "5sec", "1h", "-1s", "s", "1234567ms", "5s'"] {
            rejects(
                &migration(&format!("name = \"x\"\nlock_timeout = \"{value}\"")),
                6,
                Problem::BadLockTimeout { value: value.into() },
            );
        }
    }
}
