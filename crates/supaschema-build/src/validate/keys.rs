//! Keys: a table's primary key (from its columns or its own list; not nullable, `uuid` unless
//! allowed otherwise) and its unique constraints, none of which may repeat another key.

use super::{Result, Validator};
use crate::error::Problem;
use crate::model::{Column, Constraint};
use crate::read::{Name, RawTable};
use crate::sql_type::SqlType;
use std::ops::Range;

impl Validator<'_> {
    /// The primary key, from the columns marked `primary_key = true` (`key_from_columns`) or the
    /// table's `primary_key = [...]`. Its columns become NOT NULL.
    pub(super) fn primary_key(
        &self,
        name: &Name,
        table_name: &str,
        raw: &RawTable,
        key_from_columns: Vec<String>,
        columns: &mut [Column],
    ) -> Result<Constraint> {
        let known: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let key_columns = match (&raw.primary_key, key_from_columns.is_empty()) {
            (Some(key), true) if key.get_ref().is_empty() => {
                return Err(self.error(key.span(), Problem::EmptyColumnList { what: "a primary key" }));
            }
            (Some(key), true) => self.column_list(key.get_ref(), table_name, &known)?,
            (Some(key), false) => {
                return Err(self.error(
                    key.span(),
                    Problem::TwoPrimaryKeys {
                        table: table_name.to_owned(),
                    },
                ));
            }
            (None, false) => key_from_columns,
            (None, true) => {
                return Err(self.error(
                    name.span(),
                    Problem::NoPrimaryKey {
                        table: table_name.to_owned(),
                    },
                ));
            }
        };
        for column in columns.iter_mut() {
            if key_columns.contains(&column.name) {
                let raw_column = raw.columns.get_ref()[column.name.as_str()].get_ref();
                if let Some(nullable) = raw_column.nullable.as_ref().filter(|n| *n.get_ref()) {
                    return Err(self.error(nullable.span(), Problem::NullableKey));
                }
                column.nullable = false;
            }
        }
        if let [single] = key_columns.as_slice() {
            let column = columns
                .iter()
                .find(|c| &c.name == single)
                .map(|c| (c.sql_type.clone(), c.identity));
            let raw_column = raw.columns.get_ref()[single.as_str()].get_ref();
            let allowed = raw_column.allow.iter().any(|a| a.get_ref() == "non_uuid_key");
            if let Some((sql_type, _)) = column.filter(|(t, _)| *t != SqlType::Uuid)
                && !allowed
            {
                return Err(self.error(
                    raw_column.sql_type.span(),
                    Problem::NonUuidKey {
                        column: single.clone(),
                        found: sql_type.to_string(),
                    },
                ));
            }
        }
        Ok(Constraint {
            name: self.generated_name(format!("{table_name}_pkey"), name.span())?,
            columns: key_columns,
        })
    }

    /// The unique constraints: those of columns marked `unique = true` (`uniques`, declared at
    /// `unique_spans`) and then the table's `unique = [[...]]`.
    pub(super) fn unique_keys(
        &self,
        table_name: &str,
        raw: &RawTable,
        known: &[String],
        primary_key: &Constraint,
        mut uniques: Vec<Constraint>,
        mut unique_spans: Vec<Range<usize>>,
    ) -> Result<Vec<Constraint>> {
        for unique in &raw.unique {
            let cols = self.column_list(unique.get_ref(), table_name, known)?;
            let constraint = self.generated_name(format!("{table_name}_{}_key", cols.join("_")), unique.span())?;
            uniques.push(Constraint {
                name: constraint,
                columns: cols,
            });
            unique_spans.push(unique.span());
        }
        // A unique constraint on the key's columns gets an index identical to the key's
        // (Supabase's `duplicate_index` lint); in CREATE TABLE PostgreSQL silently drops it, so
        // the database would not even hold what the schema says.
        for (i, (unique, span)) in uniques.iter().zip(&unique_spans).enumerate() {
            let key = if unique.columns == primary_key.columns {
                Some("primary key")
            } else if uniques[..i].iter().any(|u| u.columns == unique.columns) {
                Some("unique key")
            } else {
                None
            };
            if let Some(key) = key {
                return Err(self.error(
                    span.clone(),
                    Problem::DuplicateKey {
                        table: table_name.to_owned(),
                        columns: unique.columns.join(", "),
                        key,
                    },
                ));
            }
        }
        Ok(uniques)
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, rejects};
    use crate::error::Problem;

    #[test]
    fn accepts_a_composite_key_and_unique_constraints() {
        let text = r#"[tables.members]
primary_key = ["team_id", "user_id"]
unique = [["user_id", "team_id"]]

[tables.members.columns]
team_id = { type = "uuid", nullable = false, class = "public" }
user_id = { type = "uuid", class = "public" }
email = { type = "text", unique = true, class = "public" }
"#;
        let schema = accepts(text);
        let members = schema.table("members").expect("table members");
        assert_eq!(members.primary_key.name, "members_pkey");
        assert_eq!(members.primary_key.columns, ["team_id", "user_id"]);
        let uniques: Vec<&str> = members.uniques.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(uniques, ["members_email_key", "members_user_id_team_id_key"]);
        assert!(
            members
                .columns
                .iter()
                .filter(|c| c.name != "email")
                .all(|c| !c.nullable)
        );
    }

    #[test]
    fn refuses_a_missing_empty_or_doubled_primary_key() {
        let text = r#"[tables.notes.columns]
id = { type = "uuid", class = "public" }
"#;
        rejects(text, 1, Problem::NoPrimaryKey { table: "notes".into() });
        let text = r#"[tables.notes]
primary_key = []
[tables.notes.columns]
id = { type = "uuid", class = "public" }
"#;
        rejects(text, 2, Problem::EmptyColumnList { what: "a primary key" });
        let text = r#"[tables.notes]
primary_key = ["id"]
[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
"#;
        rejects(text, 2, Problem::TwoPrimaryKeys { table: "notes".into() });
    }

    #[test]
    fn refuses_a_nullable_key_column() {
        let text = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public",  nullable = true }
"#;
        rejects(text, 2, Problem::NullableKey);
    }

    #[test]
    fn refuses_a_single_key_that_is_not_uuid_unless_allowed() {
        let text = r#"[tables.notes.columns]
id = { type = "bigint", primary_key = true, class = "public" }
"#;
        rejects(
            text,
            2,
            Problem::NonUuidKey {
                column: "id".into(),
                found: "bigint".into(),
            },
        );
        let allowed = text.replace("class = \"public\"", "class = \"public\", allow = [\"non_uuid_key\"]");
        assert_eq!(accepts(&allowed).tables[0].primary_key.columns, ["id"]);
    }

    #[test]
    fn refuses_a_unique_constraint_that_repeats_a_key() {
        let text = r#"[tables.notes]
unique = [
  ["id"],
]
[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
body = { type = "text", class = "public", unique = true }
"#;
        rejects(
            text,
            3,
            Problem::DuplicateKey {
                table: "notes".into(),
                columns: "id".into(),
                key: "primary key",
            },
        );
        rejects(
            &text.replace("[\"id\"]", "[\"body\"]"),
            3,
            Problem::DuplicateKey {
                table: "notes".into(),
                columns: "body".into(),
                key: "unique key",
            },
        );
    }
}
