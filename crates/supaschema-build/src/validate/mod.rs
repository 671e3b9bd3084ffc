//! Stage 2: check the raw schema and turn it into the [`Schema`] model. Every rule that can be
//! broken in `schema.toml` is checked here, and the first broken one stops with a
//! [`SchemaError`] at its span. Short forms are expanded into plain objects on the way.
//!
//! This module holds the entry point, the top-level pass over the schema and the small helpers
//! every rule uses; the rules themselves live in one file per group, each adding methods to
//! [`Validator`]:
//!
//! - `names`: Rust names, generated names, unique relation and Rust names;
//! - `columns`: column types, column rules and their opt-outs, closed value sets;
//! - `enums`: enum types and the column types naming them;
//! - `keys`: primary keys and unique constraints;
//! - `relations`: checks, foreign keys, exclusions, indexes, an index on every foreign key;
//! - `access`: row level security, the owner short form, policies, grants;
//! - `functions`: functions, triggers and the built-in trigger functions;
//! - `audit`: the audit table and `audit = true`;
//! - `external`: extensions and external tables;
//! - `migration`: the `[migration]` settings.
//! - `retention`: PHI outlives deletes in external tables (`auth.users`).
//! - `metadata`: metadata-only tables hold no free text and no PHI.
//! - `buckets`: Storage buckets and their owner rule.
//! - `outputs`: where generated files other than migrations go (`typescript`).

mod access;
mod audit;
mod buckets;
mod columns;
mod enums;
mod external;
mod functions;
mod keys;
mod metadata;
mod migration;
mod names;
mod outputs;
mod reads;
mod relations;
mod retention;

use crate::error::{Problem, SchemaError, SourceFile};
use crate::expr::expression_problem;
use crate::ident::is_safe_identifier;
use crate::model::*;
use crate::read::{Name, RawSchema, RawTable};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use toml::Spanned;

/// A `schema.toml` larger than this is refused before parsing: no real schema comes close, and
/// a hostile one should not cost memory.
pub const MAX_SCHEMA_BYTES: usize = 4 * 1024 * 1024;

type Result<T> = std::result::Result<T, SchemaError>;

/// Reads, checks and expands a schema file.
pub fn load(file: &SourceFile) -> Result<Schema> {
    if file.text.len() > MAX_SCHEMA_BYTES {
        return Err(file.error(
            0..0,
            Problem::TooLarge {
                bytes: file.text.len(),
                limit: MAX_SCHEMA_BYTES,
            },
        ));
    }
    let raw = crate::read::parse(file)?;
    let mut validator = Validator {
        file,
        enums: Vec::new(),
    };
    validator.enums = validator.enums(&raw)?;
    validator.schema(&raw)
}

struct Validator<'a> {
    file: &'a SourceFile,
    /// The schema's enum types, checked first: column types may name them.
    enums: Vec<Enum>,
}

/// What a table's second pass may look at.
struct Context<'a> {
    raw: &'a RawSchema,
    /// The tables after their first pass, by name.
    tables: HashMap<&'a str, &'a Table>,
    external: &'a [ExternalTable],
    functions: &'a [Function],
}

impl Validator<'_> {
    fn error(&self, span: Range<usize>, problem: Problem) -> SchemaError {
        self.file.error(span, problem)
    }

    fn identifier(&self, name: &Name, what: &'static str) -> Result<String> {
        if is_safe_identifier(name.get_ref()) {
            Ok(name.get_ref().clone())
        } else {
            Err(self.error(
                name.span(),
                Problem::UnsafeIdentifier {
                    what,
                    name: name.get_ref().clone(),
                },
            ))
        }
    }

    /// Comments become string literals; only a NUL byte cannot be one.
    fn comment(&self, comment: &Option<Spanned<String>>) -> Result<Option<String>> {
        match comment {
            Some(text) if text.get_ref().contains('\0') => Err(self.error(
                text.span(),
                Problem::UnsafeExpression {
                    reason: "contains a NUL character",
                },
            )),
            Some(text) => Ok(Some(text.get_ref().clone())),
            None => Ok(None),
        }
    }

    fn optional_identifier(&self, name: &Option<Name>, what: &'static str) -> Result<Option<String>> {
        name.as_ref().map(|n| self.identifier(n, what)).transpose()
    }

    fn expression(&self, expr: &Spanned<String>) -> Result<String> {
        match expression_problem(expr.get_ref()) {
            Some(reason) => Err(self.error(expr.span(), Problem::UnsafeExpression { reason })),
            None => Ok(expr.get_ref().trim().to_owned()),
        }
    }

    /// The columns `names` of table `table`, each one of `known` and none twice.
    fn column_list(&self, names: &[Name], table: &str, known: &[String]) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for name in names {
            if !known.contains(name.get_ref()) {
                return Err(self.error(
                    name.span(),
                    Problem::UnknownColumn {
                        table: table.to_owned(),
                        column: name.get_ref().clone(),
                        known: known.to_vec(),
                    },
                ));
            }
            if out.contains(name.get_ref()) {
                return Err(self.error(
                    name.span(),
                    Problem::Duplicate {
                        what: "column",
                        name: name.get_ref().clone(),
                    },
                ));
            }
            out.push(name.get_ref().clone());
        }
        Ok(out)
    }

    fn schema(&self, raw: &RawSchema) -> Result<Schema> {
        let extensions = self.extensions(raw)?;
        let external_tables = raw
            .external
            .iter()
            .map(|(name, table)| self.external(name, table))
            .collect::<Result<Vec<_>>>()?;
        let mut functions = self.functions(raw)?;

        let audit_table = match &raw.audit_table {
            Some(name) => Some(self.identifier(name, "table")?),
            None => None,
        };

        let mut tables = Vec::with_capacity(raw.tables.len());
        let mut seen = HashSet::new();
        for (name, table) in &raw.tables {
            let base = self.table_columns(name, table)?;
            if !seen.insert(base.name.clone()) {
                return Err(self.error(
                    name.span(),
                    Problem::Duplicate {
                        what: "table",
                        name: base.name,
                    },
                ));
            }
            tables.push(base);
        }
        self.citext_needs_extension(raw, &extensions)?;
        let context = Context {
            raw,
            tables: tables.iter().map(|t| (t.name.as_str(), t)).collect(),
            external: &external_tables,
            functions: &functions,
        };
        let mut finished = Vec::with_capacity(tables.len());
        let mut builtins = Vec::new();
        for ((name, table), base) in raw.tables.iter().zip(&tables) {
            finished.push(self.table_relations(&context, name, table, base.clone(), &audit_table, &mut builtins)?);
        }
        if let Some(audit) = &raw.audit_table {
            self.audit_table(audit, &finished, &raw.tables)?;
        }
        self.unique_relation_names(&finished, raw)?;
        self.unique_rust_names(&finished, raw)?;
        self.phi_outlives_external_deletes(raw, &finished)?;
        self.metadata_only_tables(raw, &finished)?;
        self.one_lookup_per_membership_table(raw, &finished)?;
        self.lookup_names_free(raw, &finished)?;
        self.audited_reads(&raw.tables, &mut finished, &audit_table, &mut functions)?;
        if let Some(audit) = &raw.audit_table {
            self.audit_table_records_reads(audit, &finished)?;
        }
        self.builtin_functions(raw, &builtins, &mut functions)?;

        let buckets = raw
            .buckets
            .iter()
            .map(|(name, bucket)| self.bucket(name, bucket))
            .collect::<Result<Vec<_>>>()?;

        let migration = match &raw.migration {
            Some(settings) => self.migration_settings(settings.get_ref())?,
            None => MigrationSettings::default(),
        };
        let typescript = raw
            .typescript
            .as_ref()
            .map(|path| self.typescript_path(path))
            .transpose()?;
        Ok(Schema {
            migration,
            typescript,
            revoke_default_grants: raw.revoke_default_grants.as_ref().is_some_and(|on| *on.get_ref()),
            extensions,
            audit_table,
            external_tables,
            functions,
            tables: finished,
            enums: self.enums.clone(),
            buckets,
        })
    }

    /// Second pass over a table: everything that refers to other tables or functions, and the
    /// expansion of the short forms. The first pass is [`Validator::table_columns`].
    fn table_relations(
        &self,
        context: &Context,
        name: &Name,
        raw: &Spanned<RawTable>,
        mut table: Table,
        audit_table: &Option<String>,
        builtins: &mut Vec<Builtin>,
    ) -> Result<Table> {
        let raw = raw.get_ref();
        self.foreign_keys(context, raw, &mut table)?;
        self.exclusions(raw, &mut table)?;
        self.indexes(raw, &mut table)?;
        self.indexed_foreign_keys(name, raw, &table)?;
        self.append_only_foreign_keys(name, raw, &table)?;
        self.access(context, name, raw, &mut table)?;
        self.updated_at_trigger(raw, &mut table, builtins)?;
        self.audit_trigger(raw, &mut table, audit_table, builtins)?;
        self.append_only_triggers(raw, &mut table, builtins)?;
        self.triggers(context, raw, &mut table)?;
        Ok(table)
    }
}

/// Helpers for the rule groups' unit tests: each loads a small schema text and names the exact
/// problem and line it must stop at.
#[cfg(test)]
mod tests {
    use super::*;

    /// Loads `text` as `schema.toml`.
    pub(super) fn load_text(text: &str) -> Result<Schema> {
        load(&SourceFile::new("schema.toml", text))
    }

    /// `base` with `from`, which must occur exactly once, replaced by `to`: a rule group's
    /// bad-input cases are small edits of one good schema.
    #[track_caller]
    pub(super) fn edited(base: &str, from: &str, to: &str) -> String {
        assert_eq!(base.matches(from).count(), 1, "`{from}`");
        base.replacen(from, to, 1)
    }

    /// `text` must be accepted; returns what it means.
    #[track_caller]
    pub(super) fn accepts(text: &str) -> Schema {
        load_text(text).unwrap_or_else(|error| panic!("expected the schema to be accepted:\n{}", error.summary()))
    }

    /// `text` must be refused with `problem`, pointing at the 1-based `line`.
    #[track_caller]
    pub(super) fn rejects(text: &str, line: usize, problem: Problem) {
        match load_text(text) {
            Ok(_) => panic!("expected {problem:?} at line {line}, but the schema was accepted"),
            Err(error) => assert_eq!(
                (error.problem(), error.line()),
                (&problem, line),
                "wrong error:\n{}",
                error.summary()
            ),
        }
    }

    /// One table `notes` with a uuid key and nothing else.
    pub(super) const MINIMAL: &str = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "public" }
"#;

    #[test]
    fn accepts_a_minimal_schema_and_keeps_only_the_backend_grant() {
        let schema = accepts(MINIMAL);
        let table = schema.table("notes").expect("table notes");
        assert_eq!(table.primary_key.name, "notes_pkey");
        assert_eq!(table.rust_name, "Note");
        assert!(table.rls.enabled);
        assert_eq!(table.grants.len(), 1);
        assert_eq!(table.grants[0].role, Role::ServiceRole);
        assert!(schema.functions.is_empty());
    }

    #[test]
    fn refuses_a_schema_over_the_size_limit_before_parsing() {
        let text = " ".repeat(MAX_SCHEMA_BYTES + 1);
        rejects(
            &text,
            1,
            Problem::TooLarge {
                bytes: MAX_SCHEMA_BYTES + 1,
                limit: MAX_SCHEMA_BYTES,
            },
        );
    }

    #[test]
    fn refuses_an_unknown_or_repeated_column_in_a_column_list() {
        let text = r#"[tables.notes]
primary_key = ["id",
  "nope"]

[tables.notes.columns]
id = { type = "uuid", class = "public" }
"#;
        rejects(
            text,
            3,
            Problem::UnknownColumn {
                table: "notes".into(),
                column: "nope".into(),
                known: vec!["id".into()],
            },
        );
        rejects(
            &text.replace("\"nope\"", "\"id\""),
            3,
            Problem::Duplicate {
                what: "column",
                name: "id".into(),
            },
        );
    }

    #[test]
    fn refuses_an_unsafe_expression_at_its_span() {
        let text = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "public" }

[tables.notes.columns.body]
type = "text"
class = "public"
default = "'a'; drop table notes"
"#;
        rejects(
            text,
            7,
            Problem::UnsafeExpression {
                reason: "contains `;`, which would end the statement",
            },
        );
    }

    #[test]
    fn refuses_a_nul_in_a_comment() {
        let text = "[tables.notes]\ncomment = \"a\\u0000b\"\n[tables.notes.columns]\nid = { type = \"uuid\", primary_key = true, class = \"public\" }\n";
        rejects(
            text,
            2,
            Problem::UnsafeExpression {
                reason: "contains a NUL character",
            },
        );
    }
}
