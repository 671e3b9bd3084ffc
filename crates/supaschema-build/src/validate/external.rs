//! What the schema uses but does not own: extensions, and external tables (`auth.users`) that
//! foreign keys may reference.

use super::{Result, Validator};
use crate::error::Problem;
use crate::ident::is_safe_identifier;
use crate::model::ExternalTable;
use crate::read::{Name, RawExternal, RawSchema};
use crate::sql_type::SqlType;
use toml::Spanned;

impl Validator<'_> {
    /// `extensions = [...]`, each once.
    pub(super) fn extensions(&self, raw: &RawSchema) -> Result<Vec<String>> {
        let mut extensions = Vec::new();
        for name in &raw.extensions {
            let ext = self.identifier(name, "extension")?;
            if extensions.contains(&ext) {
                return Err(self.error(
                    name.span(),
                    Problem::Duplicate {
                        what: "extension",
                        name: ext,
                    },
                ));
            }
            extensions.push(ext);
        }
        Ok(extensions)
    }

    /// A `citext` column or function argument needs the extension that provides the type,
    /// created before the table or function.
    pub(super) fn citext_needs_extension(&self, raw: &RawSchema, extensions: &[String]) -> Result<()> {
        if extensions.iter().any(|e| e == "citext") {
            return Ok(());
        }
        let columns = raw.tables.values().flat_map(|table| {
            table
                .get_ref()
                .columns
                .get_ref()
                .iter()
                .map(|(name, column)| (name, &column.get_ref().sql_type))
        });
        let args = raw.functions.values().flat_map(|function| {
            function
                .get_ref()
                .args
                .iter()
                .map(|arg| (&arg.get_ref().name, &arg.get_ref().sql_type))
        });
        for (name, sql_type) in columns.chain(args) {
            let mut parsed = SqlType::parse(sql_type.get_ref());
            while let Ok(SqlType::Array(inner)) = parsed {
                parsed = Ok(*inner);
            }
            if parsed == Ok(SqlType::Citext) {
                return Err(self.error(
                    sql_type.span(),
                    Problem::CitextWithoutExtension {
                        name: name.get_ref().clone(),
                    },
                ));
            }
        }
        Ok(())
    }

    /// `[external."schema.table"]`: its columns and the keys a foreign key may reference.
    pub(super) fn external(&self, name: &Name, raw: &Spanned<RawExternal>) -> Result<ExternalTable> {
        let Some((schema, table)) = name.get_ref().split_once('.') else {
            return Err(self.error(
                name.span(),
                Problem::ExternalName {
                    name: name.get_ref().clone(),
                },
            ));
        };
        for part in [schema, table] {
            if !is_safe_identifier(part) {
                return Err(self.error(
                    name.span(),
                    Problem::UnsafeIdentifier {
                        what: "external table",
                        name: part.to_owned(),
                    },
                ));
            }
        }
        let raw = raw.get_ref();
        let mut columns = Vec::new();
        for (column, sql_type) in &raw.columns {
            let column = self.identifier(column, "column")?;
            columns.push((column, self.sql_type(sql_type)?));
        }
        let known: Vec<String> = columns.iter().map(|(c, _)| c.clone()).collect();
        let mut keys = Vec::new();
        for key in std::iter::once(&raw.primary_key).chain(&raw.unique) {
            keys.push(self.column_list(key.get_ref(), table, &known)?);
        }
        Ok(ExternalTable {
            schema: schema.to_owned(),
            name: table.to_owned(),
            columns,
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, rejects};
    use crate::error::Problem;
    use crate::sql_type::SqlType;

    /// Two extensions, and `notes.user_id` (line 13) referencing the external `auth.users`.
    const EXTERNAL: &str = r#"extensions = ["btree_gist", "pg_trgm"]

[external."auth.users"]
columns = { id = "uuid", email = "text" }
primary_key = ["id"]
unique = [["email"]]

[tables.notes]
indexes = [{ columns = ["user_id"] }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
user_id = { type = "uuid", class = "public", references = { table = "auth.users", column = "id" } }
"#;

    /// [`EXTERNAL`] with one piece of text replaced; `from` must occur exactly once.
    fn external_with(from: &str, to: &str) -> String {
        assert_eq!(EXTERNAL.matches(from).count(), 1, "`{from}`");
        EXTERNAL.replacen(from, to, 1)
    }

    #[test]
    fn accepts_extensions_and_a_reference_to_an_external_table() {
        let schema = accepts(EXTERNAL);
        assert_eq!(schema.extensions, ["btree_gist", "pg_trgm"]);
        let users = &schema.external_tables[0];
        assert_eq!((users.schema.as_str(), users.name.as_str()), ("auth", "users"));
        assert_eq!(users.columns[0], ("id".to_owned(), SqlType::Uuid));
        assert_eq!(users.keys, [vec!["id".to_owned()], vec!["email".to_owned()]]);
        let fk = &schema.table("notes").expect("table notes").foreign_keys[0];
        assert_eq!((fk.target_schema.as_str(), fk.target_table.as_str()), ("auth", "users"));
    }

    /// Supabase's `fkey_to_auth_unique` lint: a foreign key into `auth` references the primary
    /// key, never one of Auth's unique constraints; other external schemas may use either.
    #[test]
    fn refuses_a_reference_to_a_unique_key_of_an_auth_table() {
        let by_email = external_with(
            r#"user_id = { type = "uuid", class = "public", references = { table = "auth.users", column = "id" } }"#,
            r#"user_id = { type = "text", class = "public", references = { table = "auth.users", column = "email" } }"#,
        );
        rejects(
            &by_email,
            13,
            Problem::ReferenceAuthUnique {
                target: "auth.users".into(),
                columns: "email".into(),
                primary_key: "id".into(),
            },
        );
        let elsewhere = by_email
            .replace(r#"[external."auth.users"]"#, r#"[external."crm.users"]"#)
            .replace(r#"table = "auth.users""#, r#"table = "crm.users""#);
        let schema = accepts(&elsewhere);
        let fk = &schema.table("notes").expect("table notes").foreign_keys[0];
        assert_eq!(fk.target_columns, ["email"]);
    }

    #[test]
    fn refuses_an_extension_twice_or_of_an_unsafe_name() {
        rejects(
            &external_with(r#""pg_trgm""#, r#""btree_gist""#),
            1,
            Problem::Duplicate {
                what: "extension",
                name: "btree_gist".into(),
            },
        );
        rejects(
            &external_with(r#""pg_trgm""#, r#""pg-trgm""#),
            1,
            Problem::UnsafeIdentifier {
                what: "extension",
                name: "pg-trgm".into(),
            },
        );
    }

    #[test]
    fn refuses_an_external_table_without_a_schema_or_of_an_unsafe_name() {
        rejects(
            &external_with(r#"[external."auth.users"]"#, "[external.users]"),
            3,
            Problem::ExternalName { name: "users".into() },
        );
        rejects(
            &external_with(r#"[external."auth.users"]"#, r#"[external."auth.Users"]"#),
            3,
            Problem::UnsafeIdentifier {
                what: "external table",
                name: "Users".into(),
            },
        );
    }

    #[test]
    fn refuses_an_external_key_of_an_unknown_column_or_an_unknown_type() {
        rejects(
            &external_with(r#"unique = [["email"]]"#, r#"unique = [["mail"]]"#),
            6,
            Problem::UnknownColumn {
                table: "users".into(),
                column: "mail".into(),
                known: vec!["id".into(), "email".into()],
            },
        );
        rejects(
            &external_with(r#"email = "text""#, r#"email = "ltree""#),
            4,
            Problem::UnknownType { found: "ltree".into() },
        );
    }
}
