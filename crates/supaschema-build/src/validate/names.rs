//! Names: the Rust names of generated types and fields, the names the generator makes up, and
//! the namespaces that must not hold a name twice.

use super::{Result, Validator};
use crate::error::Problem;
use crate::ident::{MAX_IDENTIFIER_BYTES, is_rust_type_name, is_safe_identifier, rust_field_name, rust_struct_name};
use crate::model::Table;
use crate::read::{Name, RawColumn, RawSchema, RawTable};
use std::collections::HashSet;
use std::ops::Range;

/// The type and trait names of Rust's prelude. The generated code names `Result`, `Option`, `Vec`,
/// `String`, `Box`, `Send` and `Sync` unqualified, so a generated struct of such a name (a table
/// `results`, `boxes`) would shadow them and break the build.
pub(super) const RUST_PRELUDE: &[&str] = &[
    "AsMut",
    "AsRef",
    "AsyncFn",
    "AsyncFnMut",
    "AsyncFnOnce",
    "Box",
    "Clone",
    "Copy",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Future",
    "Into",
    "IntoFuture",
    "IntoIterator",
    "Iterator",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

impl Validator<'_> {
    /// A name the generator makes up (`patients_doctor_id_idx`): it must fit PostgreSQL's limit.
    pub(super) fn generated_name(&self, name: String, span: Range<usize>) -> Result<String> {
        if name.len() > MAX_IDENTIFIER_BYTES {
            Err(self.error(span, Problem::NameTooLong { name }))
        } else {
            Ok(name)
        }
    }

    /// The name of a table's row struct: its `rust_name`, or one made from the table's name. It
    /// must be a Rust type name and not shadow a name of the prelude.
    pub(super) fn struct_name(&self, table_name: &str, name: &Name, raw: &RawTable) -> Result<String> {
        let (struct_name, struct_span) = match &raw.rust_name {
            Some(rust) => (rust.get_ref().clone(), rust.span()),
            None => (rust_struct_name(table_name), name.span()),
        };
        if !is_rust_type_name(&struct_name) || RUST_PRELUDE.contains(&struct_name.as_str()) {
            return Err(self.error(struct_span, Problem::RustTypeName { name: struct_name }));
        }
        Ok(struct_name)
    }

    /// The name of a column's field: its `rust_name`, or one made from the column's name.
    pub(super) fn field_name(&self, column_name: &str, name: &Name, raw: &RawColumn) -> Result<String> {
        match &raw.rust_name {
            Some(rust) => match rust_field_name(rust.get_ref()).filter(|_| is_safe_identifier(rust.get_ref())) {
                Some(field) => Ok(field),
                None => Err(self.error(
                    rust.span(),
                    Problem::RustFieldName {
                        column: rust.get_ref().clone(),
                    },
                )),
            },
            None => match rust_field_name(column_name) {
                Some(field) => Ok(field),
                None => Err(self.error(
                    name.span(),
                    Problem::RustFieldName {
                        column: column_name.to_owned(),
                    },
                )),
            },
        }
    }

    /// Tables, indexes and the indexes behind keys and exclusions share one namespace per
    /// schema; constraints are unique per table.
    pub(super) fn unique_relation_names(&self, tables: &[Table], raw: &RawSchema) -> Result<()> {
        let mut relations: HashSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        for (table, (name, _)) in tables.iter().zip(&raw.tables) {
            let mut constraints: HashSet<&str> = HashSet::new();
            let keyed = std::iter::once(&table.primary_key.name)
                .chain(table.uniques.iter().map(|u| &u.name))
                .chain(table.exclusions.iter().map(|e| &e.name));
            for relation in keyed.clone().chain(table.indexes.iter().map(|i| &i.name)) {
                if !relations.insert(relation) {
                    return Err(self.error(
                        name.span(),
                        Problem::Duplicate {
                            what: "table, index or constraint name",
                            name: relation.clone(),
                        },
                    ));
                }
            }
            let named = keyed
                .chain(table.foreign_keys.iter().map(|f| &f.name))
                .chain(table.checks.iter().map(|c| &c.name));
            for constraint in named {
                if !constraints.insert(constraint) {
                    return Err(self.error(
                        name.span(),
                        Problem::Duplicate {
                            what: "constraint",
                            name: constraint.clone(),
                        },
                    ));
                }
            }
        }
        Ok(())
    }

    /// Generated Rust type names (row, insert and patch structs, enums) must not collide.
    pub(super) fn unique_rust_names(&self, tables: &[Table], raw: &RawSchema) -> Result<()> {
        let mut seen: HashSet<String> = HashSet::new();
        for (known, (name, _)) in self.enums.iter().zip(&raw.enums) {
            if !seen.insert(known.rust_name.clone()) {
                return Err(self.error(
                    name.span(),
                    Problem::DuplicateRustName {
                        name: known.rust_name.clone(),
                    },
                ));
            }
        }
        for (table, (name, raw_table)) in tables.iter().zip(&raw.tables) {
            let span = raw_table.get_ref().rust_name.as_ref().map_or(name.span(), |r| r.span());
            let enums = table
                .columns
                .iter()
                .filter_map(|c| c.values.as_ref().map(|v| v.rust_name.clone()));
            let structs = [
                table.rust_name.clone(),
                format!("New{}", table.rust_name),
                format!("{}Patch", table.rust_name),
            ];
            for type_name in structs.into_iter().chain(enums) {
                if !seen.insert(type_name.clone()) {
                    return Err(self.error(span.clone(), Problem::DuplicateRustName { name: type_name }));
                }
            }
            let mut fields = HashSet::new();
            for (column, (column_name, raw_column)) in table.columns.iter().zip(raw_table.get_ref().columns.get_ref()) {
                if !fields.insert(column.rust_name.trim_start_matches("r#")) {
                    let span = raw_column
                        .get_ref()
                        .rust_name
                        .as_ref()
                        .map_or(column_name.span(), |r| r.span());
                    return Err(self.error(
                        span,
                        Problem::DuplicateRustName {
                            name: column.rust_name.clone(),
                        },
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, accepts, rejects};
    use crate::error::Problem;

    #[test]
    fn derives_rust_names_and_accepts_an_explicit_rust_name() {
        let text = r#"[tables.people]
rust_name = "Human"

[tables.people.columns]
id = { type = "uuid", primary_key = true, class = "public" }
type = { type = "text", class = "public" }
full_name = { type = "text", class = "public", rust_name = "name" }
"#;
        let schema = accepts(text);
        let people = schema.table("people").expect("table people");
        assert_eq!(people.rust_name, "Human");
        let fields: Vec<&str> = people.columns.iter().map(|c| c.rust_name.as_str()).collect();
        assert_eq!(fields, ["id", "r#type", "name"]);
        assert_eq!(accepts(MINIMAL).tables[0].rust_name, "Note");
    }

    #[test]
    fn refuses_an_unsafe_table_name() {
        let text = r#"[tables.Notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
"#;
        rejects(
            text,
            1,
            Problem::UnsafeIdentifier {
                what: "table",
                name: "Notes".into(),
            },
        );
    }

    #[test]
    fn refuses_a_struct_that_would_shadow_the_prelude() {
        let text = r#"[tables.results.columns]
id = { type = "uuid", primary_key = true, class = "public" }
"#;
        rejects(text, 1, Problem::RustTypeName { name: "Result".into() });
        let text = r#"[tables.notes]
rust_name = "not_camel"
[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
"#;
        rejects(
            text,
            2,
            Problem::RustTypeName {
                name: "not_camel".into(),
            },
        );
    }

    #[test]
    fn refuses_a_bad_field_rust_name() {
        let text = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }

[tables.notes.columns.body]
type = "text"
class = "public"
rust_name = "Body Text"
"#;
        rejects(
            text,
            7,
            Problem::RustFieldName {
                column: "Body Text".into(),
            },
        );
    }

    #[test]
    fn refuses_a_generated_name_over_the_length_limit() {
        let table = "t".repeat(59);
        let text =
            format!("[tables.{table}.columns]\nid = {{ type = \"uuid\", primary_key = true, class = \"public\" }}\n");
        rejects(
            &text,
            1,
            Problem::NameTooLong {
                name: format!("{table}_pkey"),
            },
        );
    }

    #[test]
    fn refuses_an_index_named_like_another_table() {
        let text = r#"[tables.notes]
indexes = [{ name = "tags", columns = ["body"] }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
body = { type = "text", class = "public" }

[tables.tags.columns]
id = { type = "uuid", primary_key = true, class = "public" }
"#;
        rejects(
            text,
            1,
            Problem::Duplicate {
                what: "table, index or constraint name",
                name: "tags".into(),
            },
        );
    }

    #[test]
    fn refuses_a_check_named_like_the_primary_key() {
        let text = r#"[tables.notes]
checks = [{ name = "notes_pkey", expr = "true" }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
"#;
        rejects(
            text,
            1,
            Problem::Duplicate {
                what: "constraint",
                name: "notes_pkey".into(),
            },
        );
    }

    #[test]
    fn refuses_two_tables_with_one_rust_name_and_two_columns_with_one_field() {
        let text = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }

[tables.memos]
rust_name = "Note"
[tables.memos.columns]
id = { type = "uuid", primary_key = true, class = "public" }
"#;
        rejects(text, 5, Problem::DuplicateRustName { name: "Note".into() });
        let text = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
body = { type = "text", class = "public" }

[tables.notes.columns.text]
type = "text"
class = "public"
rust_name = "body"
"#;
        rejects(text, 8, Problem::DuplicateRustName { name: "body".into() });
    }
}
