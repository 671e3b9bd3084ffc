//! Stage 2: check the raw schema and turn it into the [`Schema`] model. Every rule that can be
//! broken in `schema.toml` is checked here, and the first broken one stops with a
//! [`SchemaError`] at its span. Short forms are expanded into plain objects on the way.

use crate::error::{Problem, SchemaError, SourceFile};
use crate::expr::{body_problem, expression_problem, unwrapped_auth_call};
use crate::ident::{
    MAX_IDENTIFIER_BYTES, is_rust_type_name, is_safe_identifier, quote_identifier, rust_field_name, rust_struct_name,
    rust_variant_name,
};
use crate::model::*;
use crate::read::{Name, RawColumn, RawFunction, RawPolicy, RawSchema, RawTable};
use crate::sql_type::{SqlType, TypeProblem};
use heck::ToUpperCamelCase;
use std::collections::{BTreeMap, HashMap, HashSet};
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
    Validator { file }.schema(&raw)
}

struct Validator<'a> {
    file: &'a SourceFile,
}

/// Rules a column may opt out of with `allow = [...]`.
const ALLOWABLE: &[&str] = &["varchar", "timestamp", "json", "non_uuid_key"];

/// The type and trait names of Rust's prelude. The generated code names `Result`, `Option`, `Vec`,
/// `String`, `Box`, `Send` and `Sync` unqualified, so a generated struct of such a name (a table
/// `results`, `boxes`) would shadow them and break the build.
const RUST_PRELUDE: &[&str] = &[
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

/// The columns the audit trigger writes, by name and type.
const AUDIT_COLUMNS: &[(&str, SqlType)] = &[
    ("actor_id", SqlType::Uuid),
    ("actor_role", SqlType::Text),
    ("action", SqlType::Text),
    ("table_name", SqlType::Text),
    ("record_id", SqlType::Uuid),
    ("occurred_at", SqlType::Timestamptz),
];

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

    /// `[migration]`: entries of `allow_drop` and `allow_narrowing` name tables or columns.
    fn migration_settings(&self, raw: &crate::read::RawMigration) -> Result<MigrationSettings> {
        let name = self.optional_identifier(&raw.name, "migration name")?;
        let path = |entry: &Name, columns_only: bool| -> Result<String> {
            let parts: Vec<&str> = entry.get_ref().split('.').collect();
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
        Ok(MigrationSettings {
            name,
            allow_drop: raw.allow_drop.iter().map(|e| path(e, false)).collect::<Result<_>>()?,
            allow_narrowing: raw
                .allow_narrowing
                .iter()
                .map(|e| path(e, true))
                .collect::<Result<_>>()?,
        })
    }

    /// A name the generator makes up (`patients_doctor_id_idx`): it must fit PostgreSQL's limit.
    fn generated_name(&self, name: String, span: Range<usize>) -> Result<String> {
        if name.len() > MAX_IDENTIFIER_BYTES {
            Err(self.error(span, Problem::NameTooLong { name }))
        } else {
            Ok(name)
        }
    }

    fn expression(&self, expr: &Spanned<String>) -> Result<String> {
        match expression_problem(expr.get_ref()) {
            Some(reason) => Err(self.error(expr.span(), Problem::UnsafeExpression { reason })),
            None => Ok(expr.get_ref().trim().to_owned()),
        }
    }

    fn schema(&self, raw: &RawSchema) -> Result<Schema> {
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
        let external_tables = raw
            .external
            .iter()
            .map(|(name, table)| self.external(name, table))
            .collect::<Result<Vec<_>>>()?;

        let mut functions = Vec::new();
        for (name, function) in &raw.functions {
            let function = self.function(name, function)?;
            if functions.iter().any(|f: &Function| f.name == function.name) {
                return Err(self.error(
                    name.span(),
                    Problem::Duplicate {
                        what: "function",
                        name: function.name,
                    },
                ));
            }
            functions.push(function);
        }

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

        for builtin in [Builtin::SetUpdatedAt, Builtin::AuditRowChange, Builtin::RejectChange] {
            if builtins.contains(&builtin) {
                if let Some((name, _)) = raw
                    .functions
                    .iter()
                    .find(|(n, _)| n.get_ref() == builtin.function_name())
                {
                    return Err(self.error(
                        name.span(),
                        Problem::ReservedName {
                            name: name.get_ref().clone(),
                        },
                    ));
                }
                functions.push(builtin_function(builtin));
            }
        }
        let migration = match &raw.migration {
            Some(settings) => self.migration_settings(settings.get_ref())?,
            None => MigrationSettings::default(),
        };
        Ok(Schema {
            migration,
            extensions,
            audit_table,
            external_tables,
            functions,
            tables: finished,
        })
    }

    fn external(&self, name: &Name, raw: &Spanned<crate::read::RawExternal>) -> Result<ExternalTable> {
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

    fn sql_type(&self, name: &Name) -> Result<SqlType> {
        SqlType::parse(name.get_ref()).map_err(|problem| {
            let found = name.get_ref().clone();
            self.error(
                name.span(),
                match problem {
                    TypeProblem::Unknown => Problem::UnknownType { found },
                    TypeProblem::Serial => Problem::SerialType { found },
                    TypeProblem::BadModifier => Problem::BadTypeModifier { found },
                },
            )
        })
    }

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

    fn function(&self, name: &Name, raw: &Spanned<RawFunction>) -> Result<Function> {
        let function_name = self.identifier(name, "function")?;
        let raw = raw.get_ref();
        let mut args = Vec::new();
        for arg in &raw.args {
            let arg = arg.get_ref();
            let arg_name = self.identifier(&arg.name, "function argument")?;
            if args.iter().any(|a: &FunctionArg| a.name == arg_name) {
                return Err(self.error(
                    arg.name.span(),
                    Problem::Duplicate {
                        what: "argument",
                        name: arg_name,
                    },
                ));
            }
            args.push(FunctionArg {
                name: arg_name,
                sql_type: self.sql_type(&arg.sql_type)?,
            });
        }
        let returns = match raw.returns.get_ref().trim().to_ascii_lowercase().as_str() {
            "void" => "void".to_owned(),
            "trigger" => "trigger".to_owned(),
            other => match SqlType::parse(other) {
                Ok(t) => t.to_string(),
                Err(_) => {
                    return Err(self.error(
                        raw.returns.span(),
                        Problem::UnknownReturnType {
                            found: raw.returns.get_ref().clone(),
                        },
                    ));
                }
            },
        };
        if let Some(reason) = body_problem(raw.body.get_ref()) {
            return Err(self.error(raw.body.span(), Problem::UnsafeExpression { reason }));
        }
        let security = raw.security.as_ref().map_or(Security::Invoker, |s| *s.get_ref());
        let mut execute: Vec<Role> = Vec::new();
        for role in &raw.execute {
            if security == Security::Definer && *role.get_ref() == Role::Anon {
                return Err(self.error(
                    role.span(),
                    Problem::SecurityDefinerForAnon {
                        function: function_name.clone(),
                    },
                ));
            }
            if !execute.contains(role.get_ref()) {
                execute.push(*role.get_ref());
            }
        }
        execute.sort();
        Ok(Function {
            name: function_name,
            args,
            returns,
            language: *raw.language.get_ref(),
            security,
            volatility: raw.volatility.as_ref().map_or(Volatility::Volatile, |v| *v.get_ref()),
            body: FunctionBody::Written(raw.body.get_ref().clone()),
            execute,
            comment: self.comment(&raw.comment)?,
        })
    }

    /// First pass over a table: its own columns, keys and checks, which other tables' foreign
    /// keys need to see before relations can be checked.
    fn table_columns(&self, name: &Name, raw: &Spanned<RawTable>) -> Result<Table> {
        let table_name = self.identifier(name, "table")?;
        let raw = raw.get_ref();
        let (struct_name, struct_span) = match &raw.rust_name {
            Some(rust) => (rust.get_ref().clone(), rust.span()),
            None => (rust_struct_name(&table_name), name.span()),
        };
        if !is_rust_type_name(&struct_name) || RUST_PRELUDE.contains(&struct_name.as_str()) {
            return Err(self.error(struct_span, Problem::RustTypeName { name: struct_name }));
        }
        if raw.columns.get_ref().is_empty() {
            return Err(self.error(raw.columns.span(), Problem::NoColumns { table: table_name }));
        }
        let mut columns = Vec::new();
        let mut key_from_columns: Vec<String> = Vec::new();
        let mut uniques = Vec::new();
        let mut unique_spans: Vec<Range<usize>> = Vec::new();
        let mut checks = Vec::new();
        for (column_name, column) in raw.columns.get_ref() {
            let column = self.column(&struct_name, column_name, column)?;
            if columns.iter().any(|c: &Column| c.name == column.name) {
                return Err(self.error(
                    column_name.span(),
                    Problem::Duplicate {
                        what: "column",
                        name: column.name,
                    },
                ));
            }
            let raw_column = raw.columns.get_ref()[column_name.get_ref().as_str()].get_ref();
            if raw_column.primary_key.as_ref().is_some_and(|p| *p.get_ref()) {
                key_from_columns.push(column.name.clone());
            }
            if raw_column.unique.as_ref().is_some_and(|u| *u.get_ref()) {
                let constraint =
                    self.generated_name(format!("{table_name}_{}_key", column.name), column_name.span())?;
                uniques.push(Constraint {
                    name: constraint,
                    columns: vec![column.name.clone()],
                });
                unique_spans.push(column_name.span());
            }
            if let Some(set) = &column.values {
                let list = set
                    .values
                    .iter()
                    .map(|v| crate::ident::quote_literal(v))
                    .collect::<Vec<_>>()
                    .join(", ");
                checks.push(Check {
                    renamed_from: None,
                    name: self.generated_name(format!("{table_name}_{}_check", column.name), column_name.span())?,
                    expr: format!("{} in ({list})", quote_identifier(&column.name)),
                });
            }
            if let Some(check) = &raw_column.check {
                checks.push(Check {
                    renamed_from: None,
                    name: self
                        .generated_name(format!("{table_name}_{}_expr_check", column.name), column_name.span())?,
                    expr: self.expression(check)?,
                });
            }
            columns.push(column);
        }
        let known: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let key_columns = match (&raw.primary_key, key_from_columns.is_empty()) {
            (Some(key), true) if key.get_ref().is_empty() => {
                return Err(self.error(key.span(), Problem::EmptyColumnList { what: "a primary key" }));
            }
            (Some(key), true) => self.column_list(key.get_ref(), &table_name, &known)?,
            (Some(key), false) => {
                return Err(self.error(key.span(), Problem::TwoPrimaryKeys { table: table_name }));
            }
            (None, false) => key_from_columns,
            (None, true) => {
                return Err(self.error(name.span(), Problem::NoPrimaryKey { table: table_name }));
            }
        };
        for column in &mut columns {
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
        let primary_key = Constraint {
            name: self.generated_name(format!("{table_name}_pkey"), name.span())?,
            columns: key_columns,
        };
        for unique in &raw.unique {
            let cols = self.column_list(unique.get_ref(), &table_name, &known)?;
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
                        table: table_name,
                        columns: unique.columns.join(", "),
                        key,
                    },
                ));
            }
        }
        for check in &raw.checks {
            let check = check.get_ref();
            checks.push(Check {
                renamed_from: self.optional_identifier(&check.renamed_from, "check constraint")?,
                name: self.identifier(&check.name, "check constraint")?,
                expr: self.expression(&check.expr)?,
            });
        }
        let rls_enabled = raw.rls.as_ref().is_none_or(|r| *r.get_ref());
        Ok(Table {
            renamed_from: self.optional_identifier(&raw.renamed_from, "table")?,
            name: table_name,
            rust_name: struct_name,
            comment: self.comment(&raw.comment)?,
            columns,
            primary_key,
            uniques,
            foreign_keys: Vec::new(),
            checks,
            exclusions: Vec::new(),
            indexes: Vec::new(),
            rls: Rls {
                enabled: rls_enabled,
                forced: raw.force_rls.as_ref().is_some_and(|f| *f.get_ref()),
            },
            policies: Vec::new(),
            grants: Vec::new(),
            triggers: Vec::new(),
            owner: None,
        })
    }

    fn column(&self, struct_name: &str, name: &Name, raw: &Spanned<RawColumn>) -> Result<Column> {
        let column_name = self.identifier(name, "column")?;
        let raw = raw.get_ref();
        for allow in &raw.allow {
            if !ALLOWABLE.contains(&allow.get_ref().as_str()) {
                return Err(self.error(
                    allow.span(),
                    Problem::UnknownAllow {
                        found: allow.get_ref().clone(),
                    },
                ));
            }
        }
        let allows = |rule: &str| raw.allow.iter().any(|a| a.get_ref() == rule);
        let sql_type = self.sql_type(&raw.sql_type)?;
        let mut innermost = &sql_type;
        while let SqlType::Array(inner) = innermost {
            innermost = inner;
        }
        let found = raw.sql_type.get_ref().clone();
        match innermost {
            SqlType::Varchar(_) if !allows("varchar") => {
                return Err(self.error(raw.sql_type.span(), Problem::RuleVarchar { found }));
            }
            SqlType::Timestamp if !allows("timestamp") => {
                return Err(self.error(raw.sql_type.span(), Problem::RuleTimestamp { found }));
            }
            SqlType::Json if !allows("json") => {
                return Err(self.error(raw.sql_type.span(), Problem::RuleJson));
            }
            _ => {}
        }
        let Some(class) = &raw.class else {
            return Err(self.error(name.span(), Problem::MissingClass { column: column_name }));
        };
        let default = match &raw.default {
            Some(d) => Some(self.expression(d)?),
            None => None,
        };
        let identity = raw.identity.as_ref().map(|i| *i.get_ref());
        if let Some(identity) = &raw.identity {
            if !sql_type.is_integer() {
                return Err(self.error(
                    identity.span(),
                    Problem::IdentityType {
                        found: sql_type.to_string(),
                    },
                ));
            }
            if default.is_some() {
                return Err(self.error(identity.span(), Problem::IdentityWithDefault));
            }
        }
        let values = match &raw.values {
            Some(values) => Some(self.closed_set(struct_name, &column_name, &sql_type, raw, values)?),
            None => None,
        };
        let rust_name = match &raw.rust_name {
            Some(rust) => match rust_field_name(rust.get_ref()).filter(|_| is_safe_identifier(rust.get_ref())) {
                Some(field) => field,
                None => {
                    return Err(self.error(
                        rust.span(),
                        Problem::RustFieldName {
                            column: rust.get_ref().clone(),
                        },
                    ));
                }
            },
            None => match rust_field_name(&column_name) {
                Some(field) => field,
                None => {
                    return Err(self.error(name.span(), Problem::RustFieldName { column: column_name }));
                }
            },
        };
        Ok(Column {
            renamed_from: self.optional_identifier(&raw.renamed_from, "column")?,
            name: column_name,
            rust_name,
            sql_type,
            nullable: raw.nullable.as_ref().is_some_and(|n| *n.get_ref()),
            default,
            identity,
            values,
            class: *class.get_ref(),
            comment: self.comment(&raw.comment)?,
        })
    }

    fn closed_set(
        &self,
        struct_name: &str,
        column: &str,
        sql_type: &SqlType,
        raw: &RawColumn,
        values: &Spanned<Vec<Name>>,
    ) -> Result<ClosedSet> {
        if !sql_type.is_text() {
            return Err(self.error(
                raw.sql_type.span(),
                Problem::ValuesNotText {
                    found: sql_type.to_string(),
                },
            ));
        }
        if values.get_ref().is_empty() {
            return Err(self.error(values.span(), Problem::EmptyValues));
        }
        let mut variants: BTreeMap<String, String> = BTreeMap::new();
        let mut out = Vec::new();
        for value in values.get_ref() {
            let text = value.get_ref();
            let usable = !text.is_empty()
                && text.len() <= MAX_IDENTIFIER_BYTES
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
                && text.chars().any(|c| c.is_ascii_alphanumeric())
                && rust_variant_name(text) != "Self";
            if !usable {
                return Err(self.error(value.span(), Problem::BadValue { value: text.clone() }));
            }
            let variant = rust_variant_name(text);
            if let Some(first) = variants.insert(variant.clone(), text.clone()) {
                let problem = if &first == text {
                    Problem::Duplicate {
                        what: "value",
                        name: text.clone(),
                    }
                } else {
                    Problem::DuplicateVariant {
                        first,
                        second: text.clone(),
                        variant,
                    }
                };
                return Err(self.error(value.span(), problem));
            }
            out.push(text.clone());
        }
        Ok(ClosedSet {
            rust_name: format!("{struct_name}{}", column.to_upper_camel_case()),
            values: out,
        })
    }

    /// Second pass over a table: everything that refers to other tables or functions, and the
    /// expansion of the short forms.
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
        let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let table_name = table.name.clone();

        for (column_name, column) in raw.columns.get_ref() {
            if let Some(reference) = &column.get_ref().references {
                let reference_raw = reference.get_ref();
                let target = reference_raw.table.clone();
                let fk = self.foreign_key(
                    context,
                    &table,
                    None,
                    std::slice::from_ref(column_name),
                    &target,
                    std::slice::from_ref(&reference_raw.column),
                    reference_raw.on_delete.as_ref(),
                    reference_raw.on_update.as_ref(),
                    reference.span(),
                )?;
                table.foreign_keys.push(fk);
            }
        }
        for fk in &raw.foreign_keys {
            let fk_raw = fk.get_ref();
            let columns = self.column_list(fk_raw.columns.get_ref(), &table_name, &known)?;
            let columns: Vec<Name> = columns
                .into_iter()
                .zip(fk_raw.columns.get_ref())
                .map(|(_, n)| n.clone())
                .collect();
            let built = self.foreign_key(
                context,
                &table,
                fk_raw.name.as_ref(),
                &columns,
                &fk_raw.references,
                fk_raw.references_columns.get_ref(),
                fk_raw.on_delete.as_ref(),
                fk_raw.on_update.as_ref(),
                fk.span(),
            )?;
            table.foreign_keys.push(built);
        }

        for exclusion in &raw.exclusions {
            let ex = exclusion.get_ref();
            let mut elements = Vec::new();
            for element in ex.elements.get_ref() {
                let el = element.get_ref();
                let sql = match (&el.column, &el.expr) {
                    (Some(column), None) => {
                        let column = self.column_list(std::slice::from_ref(column), &table_name, &known)?;
                        quote_identifier(&column[0])
                    }
                    (None, Some(expr)) => format!("({})", self.expression(expr)?),
                    _ => return Err(self.error(element.span(), Problem::ExclusionElement)),
                };
                let op = el.with.get_ref().trim();
                if op.is_empty()
                    || op.len() > 8
                    || !op.chars().all(|c| "=<>&|-+*/!@#%^~?".contains(c))
                    || op.contains("--")
                    || op.contains("/*")
                {
                    return Err(self.error(el.with.span(), Problem::BadOperator { op: op.to_owned() }));
                }
                elements.push(ExclusionElement {
                    sql,
                    operator: op.to_owned(),
                });
            }
            if elements.is_empty() {
                return Err(self.error(ex.elements.span(), Problem::ExclusionElement));
            }
            table.exclusions.push(Exclusion {
                name: self.identifier(&ex.name, "exclusion constraint")?,
                method: ex.using.as_ref().map_or(IndexMethod::Gist, |m| *m.get_ref()),
                elements,
                predicate: match &ex.predicate {
                    Some(p) => Some(self.expression(p)?),
                    None => None,
                },
            });
        }

        for index in &raw.indexes {
            let ix = index.get_ref();
            let columns = self.column_list(ix.columns.get_ref(), &table_name, &known)?;
            if columns.is_empty() {
                return Err(self.error(ix.columns.span(), Problem::EmptyColumnList { what: "an index" }));
            }
            let include = self.column_list(&ix.include, &table_name, &known)?;
            let index_name = match &ix.name {
                Some(n) => self.identifier(n, "index")?,
                None => self.generated_name(format!("{table_name}_{}_idx", columns.join("_")), index.span())?,
            };
            let built = Index {
                renamed_from: self.optional_identifier(&ix.renamed_from, "index")?,
                name: index_name,
                columns,
                unique: ix.unique.as_ref().is_some_and(|u| *u.get_ref()),
                method: ix.using.as_ref().map_or(IndexMethod::Btree, |m| *m.get_ref()),
                include,
                predicate: match &ix.predicate {
                    Some(p) => Some(self.expression(p)?),
                    None => None,
                },
            };
            let same_as_index = table.indexes.iter().find(|other| {
                other.columns == built.columns
                    && other.unique == built.unique
                    && other.method == built.method
                    && other.include == built.include
                    && other.predicate == built.predicate
            });
            let same_as_key = built.unique
                && built.method == IndexMethod::Btree
                && built.include.is_empty()
                && built.predicate.is_none()
                && table.keys().any(|k| k == built.columns.as_slice());
            if let Some(other) = same_as_index {
                return Err(self.error(
                    index.span(),
                    Problem::Duplicate {
                        what: "index definition",
                        name: other.name.clone(),
                    },
                ));
            }
            if same_as_key {
                return Err(self.error(
                    index.span(),
                    Problem::Duplicate {
                        what: "unique index definition",
                        name: built.columns.join(", "),
                    },
                ));
            }
            table.indexes.push(built);
        }

        for fk in &table.foreign_keys {
            let covered = table.keys().any(|k| k.starts_with(&fk.columns))
                || table.indexes.iter().any(|i| {
                    i.method == IndexMethod::Btree && i.predicate.is_none() && i.columns.starts_with(&fk.columns)
                });
            if !covered {
                let span = self.foreign_key_span(raw, fk).unwrap_or_else(|| name.span());
                let quoted = fk
                    .columns
                    .iter()
                    .map(|c| format!("\"{c}\""))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(self.error(
                    span,
                    Problem::UnindexedForeignKey {
                        table: table_name.clone(),
                        columns: quoted,
                    },
                ));
            }
        }

        let mut policy_spans: Vec<Range<usize>> = Vec::new();
        if let Some(owner) = &raw.owner {
            let expr = self.owner_expression(context, &table, owner)?;
            table.owner = match (&owner.get_ref().column, &owner.get_ref().via) {
                (Some(column), _) => Some(Owner::Column(column.get_ref().clone())),
                (None, via) => via.as_ref().map(|v| Owner::Via(v.get_ref().clone())),
            };
            for command in [Command::Select, Command::Insert, Command::Update, Command::Delete] {
                let policy_name = self.generated_name(format!("{table_name}_owner_{}", command.sql()), owner.span())?;
                let (using, with_check) = match command {
                    Command::Insert => (None, Some(expr.clone())),
                    Command::Update => (Some(expr.clone()), Some(expr.clone())),
                    _ => (Some(expr.clone()), None),
                };
                table.policies.push(Policy {
                    renamed_from: None,
                    name: policy_name,
                    command,
                    roles: vec![Role::Authenticated],
                    permissive: true,
                    using,
                    with_check,
                });
                policy_spans.push(owner.span());
            }
        }
        for policy in &raw.policies {
            let built = self.policy(policy)?;
            if table.policies.iter().any(|p| p.name == built.name) {
                return Err(self.error(
                    policy.get_ref().name.span(),
                    Problem::Duplicate {
                        what: "policy",
                        name: built.name,
                    },
                ));
            }
            table.policies.push(built);
            policy_spans.push(policy.span());
        }
        if !table.rls.enabled && !table.policies.is_empty() {
            return Err(self.error(
                raw.rls.as_ref().map_or(name.span(), |r| r.span()),
                Problem::PolicyWithoutRls { table: table_name },
            ));
        }
        self.single_permissive_policy(&table, &policy_spans)?;
        if let Some(phi) = table.columns.iter().find(|c| c.class == Class::Phi) {
            let span = raw
                .columns
                .get_ref()
                .keys()
                .find(|k| k.get_ref() == &phi.name)
                .map_or(name.span(), |k| k.span());
            if !table.rls.enabled {
                return Err(self.error(
                    span,
                    Problem::PhiWithoutRls {
                        table: table_name,
                        column: phi.name.clone(),
                    },
                ));
            }
            if table.policies.is_empty() {
                return Err(self.error(
                    span,
                    Problem::PhiWithoutPolicy {
                        table: table_name,
                        column: phi.name.clone(),
                    },
                ));
            }
            // Nobody signed in ever sees PHI: no policy of a PHI table may name `anon`.
            if let Some((policy, policy_span)) = table
                .policies
                .iter()
                .zip(&policy_spans)
                .find(|(p, _)| p.roles.contains(&Role::Anon))
            {
                return Err(self.error(
                    policy_span.clone(),
                    Problem::PhiForAnon {
                        table: table_name,
                        policy: policy.name.clone(),
                    },
                ));
            }
        }

        table.grants = self.grants(raw, &table);
        // With RLS off a grant to an API role opens every row to it (Supabase's
        // `rls_disabled_in_public` lint). `service_role` bypasses RLS anyway.
        let open_to = table.grants.iter().find(|g| g.role != Role::ServiceRole);
        if let Some(grant) = open_to.filter(|_| !table.rls.enabled) {
            return Err(self.error(
                raw.rls.as_ref().map_or(name.span(), |r| r.span()),
                Problem::GrantWithoutRls {
                    table: table_name,
                    role: grant.role.sql().into(),
                },
            ));
        }

        if let Some(flag) = raw.updated_at.as_ref().filter(|f| *f.get_ref()) {
            let ok = table
                .column("updated_at")
                .is_some_and(|c| c.sql_type == SqlType::Timestamptz);
            if !ok {
                return Err(self.error(flag.span(), Problem::UpdatedAtColumn { table: table_name }));
            }
            table.triggers.push(Trigger {
                name: self.generated_name(format!("{table_name}_set_updated_at"), flag.span())?,
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Update],
                for_each: ForEach::Row,
                function: Builtin::SetUpdatedAt.function_name().to_owned(),
                arguments: Vec::new(),
            });
            builtins.push(Builtin::SetUpdatedAt);
        }
        if let Some(flag) = raw.audit.as_ref().filter(|f| *f.get_ref()) {
            let Some(audit) = audit_table else {
                return Err(self.error(flag.span(), Problem::AuditTableNotSet));
            };
            if audit == &table_name {
                return Err(self.error(flag.span(), Problem::AuditOfAuditTable { table: table_name }));
            }
            let key = &table.primary_key.columns;
            let uuid_key = key.len() == 1 && table.column(&key[0]).is_some_and(|c| c.sql_type == SqlType::Uuid);
            if !uuid_key {
                return Err(self.error(
                    flag.span(),
                    Problem::AuditNeedsUuidKey {
                        table: table_name,
                        key: key.join(", "),
                    },
                ));
            }
            table.triggers.push(Trigger {
                name: self.generated_name(format!("{table_name}_audit"), flag.span())?,
                timing: TriggerTiming::After,
                events: vec![TriggerEvent::Insert, TriggerEvent::Update, TriggerEvent::Delete],
                for_each: ForEach::Row,
                function: Builtin::AuditRowChange.function_name().to_owned(),
                arguments: vec![key[0].clone()],
            });
            builtins.push(Builtin::AuditRowChange);
        }
        if let Some(flag) = raw.append_only.as_ref().filter(|f| *f.get_ref()) {
            table.triggers.push(Trigger {
                name: self.generated_name(format!("{table_name}_append_only"), flag.span())?,
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Update, TriggerEvent::Delete],
                for_each: ForEach::Row,
                function: Builtin::RejectChange.function_name().to_owned(),
                arguments: Vec::new(),
            });
            table.triggers.push(Trigger {
                name: self.generated_name(format!("{table_name}_no_truncate"), flag.span())?,
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Truncate],
                for_each: ForEach::Statement,
                function: Builtin::RejectChange.function_name().to_owned(),
                arguments: Vec::new(),
            });
            builtins.push(Builtin::RejectChange);
        }
        for trigger in &raw.triggers {
            let tr = trigger.get_ref();
            let trigger_name = self.identifier(&tr.name, "trigger")?;
            if table.triggers.iter().any(|t| t.name == trigger_name) {
                return Err(self.error(
                    tr.name.span(),
                    Problem::Duplicate {
                        what: "trigger",
                        name: trigger_name,
                    },
                ));
            }
            let Some(function) = context.functions.iter().find(|f| &f.name == tr.function.get_ref()) else {
                return Err(self.error(
                    tr.function.span(),
                    Problem::UnknownFunction {
                        name: tr.function.get_ref().clone(),
                    },
                ));
            };
            if function.returns != "trigger" {
                return Err(self.error(
                    tr.function.span(),
                    Problem::NotATriggerFunction {
                        name: function.name.clone(),
                    },
                ));
            }
            let mut events: Vec<TriggerEvent> = Vec::new();
            for event in tr.events.get_ref() {
                if events.contains(event.get_ref()) {
                    return Err(self.error(
                        event.span(),
                        Problem::Duplicate {
                            what: "trigger event",
                            name: format!("{:?}", event.get_ref()).to_lowercase(),
                        },
                    ));
                }
                events.push(*event.get_ref());
            }
            if events.is_empty() {
                return Err(self.error(
                    tr.events.span(),
                    Problem::Syntax {
                        message: "a trigger needs at least one event".into(),
                    },
                ));
            }
            table.triggers.push(Trigger {
                name: trigger_name,
                timing: *tr.timing.get_ref(),
                events,
                for_each: tr.for_each.as_ref().map_or(ForEach::Row, |f| *f.get_ref()),
                function: function.name.clone(),
                arguments: Vec::new(),
            });
        }
        Ok(table)
    }

    #[allow(clippy::too_many_arguments)]
    fn foreign_key(
        &self,
        context: &Context,
        table: &Table,
        name: Option<&Name>,
        columns: &[Name],
        target: &Name,
        target_columns: &[Name],
        on_delete: Option<&Spanned<ReferentialAction>>,
        on_update: Option<&Spanned<ReferentialAction>>,
        span: Range<usize>,
    ) -> Result<ForeignKey> {
        if columns.len() != target_columns.len() || columns.is_empty() {
            return Err(self.error(
                span,
                Problem::ReferenceArity {
                    columns: columns.len(),
                    targets: target_columns.len(),
                },
            ));
        }
        let target_name = target.get_ref();
        let (target_schema, target_table, target_known, target_keys): ReferenceTarget =
            if let Some(own) = context.tables.get(target_name.as_str()) {
                (
                    SCHEMA.to_owned(),
                    own.name.clone(),
                    own.columns
                        .iter()
                        .map(|c| (c.name.clone(), c.sql_type.clone()))
                        .collect(),
                    own.keys().map(|k| k.to_vec()).collect(),
                )
            } else if let Some(ext) = context
                .external
                .iter()
                .find(|e| &format!("{}.{}", e.schema, e.name) == target_name)
            {
                (
                    ext.schema.clone(),
                    ext.name.clone(),
                    ext.columns.clone(),
                    ext.keys.clone(),
                )
            } else {
                return Err(self.error(
                    target.span(),
                    Problem::UnknownTable {
                        name: target_name.clone(),
                    },
                ));
            };
        let target_names: Vec<String> = target_known.iter().map(|(c, _)| c.clone()).collect();
        let resolved_targets = self.column_list(target_columns, &target_table, &target_names)?;
        for (column, target_column) in columns.iter().zip(target_columns) {
            let own = table.column(column.get_ref()).map(|c| c.sql_type.clone());
            let theirs = target_known
                .iter()
                .find(|(c, _)| c == target_column.get_ref())
                .map(|(_, t)| t.clone());
            if let (Some(own), Some(theirs)) = (own, theirs)
                && own != theirs
            {
                return Err(self.error(
                    column.span(),
                    Problem::ReferenceTypeMismatch {
                        column: column.get_ref().clone(),
                        column_type: own.to_string(),
                        target: format!("{target_name}.{}", target_column.get_ref()),
                        target_type: theirs.to_string(),
                    },
                ));
            }
        }
        if !target_keys.contains(&resolved_targets) {
            let quoted = resolved_targets
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(self.error(
                target_columns.first().map_or(span.clone(), |c| c.span()),
                Problem::ReferenceNotKey {
                    target: target_name.clone(),
                    columns: quoted,
                },
            ));
        }
        let column_names: Vec<String> = columns.iter().map(|c| c.get_ref().clone()).collect();
        let fk_name = match name {
            Some(n) => self.identifier(n, "foreign key")?,
            None => self.generated_name(format!("{}_{}_fkey", table.name, column_names.join("_")), span)?,
        };
        Ok(ForeignKey {
            name: fk_name,
            columns: column_names,
            target_schema,
            target_table,
            target_columns: resolved_targets,
            on_delete: on_delete.map_or(ReferentialAction::NoAction, |a| *a.get_ref()),
            on_update: on_update.map_or(ReferentialAction::NoAction, |a| *a.get_ref()),
        })
    }

    /// Where a foreign key was declared, for an error about it.
    fn foreign_key_span(&self, raw: &RawTable, fk: &ForeignKey) -> Option<Range<usize>> {
        if let [single] = fk.columns.as_slice()
            && let Some((_, column)) = raw.columns.get_ref().iter().find(|(k, _)| k.get_ref() == single)
            && let Some(reference) = &column.get_ref().references
        {
            return Some(reference.span());
        }
        raw.foreign_keys
            .iter()
            .find(|f| {
                f.get_ref()
                    .columns
                    .get_ref()
                    .iter()
                    .map(|c| c.get_ref())
                    .eq(fk.columns.iter())
            })
            .map(|f| f.span())
    }

    fn owner_expression(
        &self,
        context: &Context,
        table: &Table,
        owner: &Spanned<crate::read::RawOwner>,
    ) -> Result<String> {
        let raw = owner.get_ref();
        let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        match (&raw.column, &raw.via) {
            (Some(column), None) => {
                let column = &self.column_list(std::slice::from_ref(column), &table.name, &known)?[0];
                let sql_type = &table
                    .column(column)
                    .map(|c| c.sql_type.clone())
                    .unwrap_or(SqlType::Uuid);
                if *sql_type != SqlType::Uuid {
                    return Err(self.error(
                        raw.column.as_ref().map_or(owner.span(), |c| c.span()),
                        Problem::OwnerColumnType {
                            column: column.clone(),
                            found: sql_type.to_string(),
                        },
                    ));
                }
                Ok(format!("(select auth.uid()) = {}", quote_identifier(column)))
            }
            (None, Some(via)) => {
                let column = &self.column_list(std::slice::from_ref(via), &table.name, &known)?[0];
                let fk = table.foreign_keys.iter().find(|fk| {
                    fk.columns.first() == Some(column) && fk.target_schema == SCHEMA && fk.target_table != table.name
                });
                let Some(fk) = fk else {
                    return Err(self.error(via.span(), Problem::OwnerViaNotForeignKey { column: column.clone() }));
                };
                let parent_owner = context
                    .raw
                    .tables
                    .iter()
                    .find(|(n, _)| n.get_ref() == &fk.target_table)
                    .and_then(|(_, t)| t.get_ref().owner.as_ref())
                    .and_then(|o| o.get_ref().column.as_ref())
                    .map(|c| c.get_ref().clone());
                let Some(parent_owner) = parent_owner else {
                    return Err(self.error(
                        via.span(),
                        Problem::ParentHasNoOwner {
                            parent: fk.target_table.clone(),
                        },
                    ));
                };
                let joins = fk
                    .columns
                    .iter()
                    .zip(&fk.target_columns)
                    .map(|(own, theirs)| {
                        format!(
                            "parent.{} = {}.{}",
                            quote_identifier(theirs),
                            quote_identifier(&table.name),
                            quote_identifier(own)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" and ");
                Ok(format!(
                    "exists (select 1 from {}.{} parent where {joins} and parent.{} = (select auth.uid()))",
                    SCHEMA,
                    quote_identifier(&fk.target_table),
                    quote_identifier(&parent_owner)
                ))
            }
            _ => Err(self.error(owner.span(), Problem::OwnerForm)),
        }
    }

    fn policy(&self, policy: &Spanned<RawPolicy>) -> Result<Policy> {
        let raw = policy.get_ref();
        let name = self.identifier(&raw.name, "policy")?;
        let command = *raw.command.get_ref();
        let mut roles: Vec<Role> = Vec::new();
        for role in raw.roles.get_ref() {
            if !roles.contains(role.get_ref()) {
                roles.push(*role.get_ref());
            }
        }
        roles.sort();
        if roles.is_empty() {
            return Err(self.error(raw.roles.span(), Problem::NoRoles));
        }
        let clause = |key: &'static str, value: &Option<Spanned<String>>| -> Result<Option<String>> {
            let Some(value) = value else { return Ok(None) };
            let forbidden = match key {
                "using" => command == Command::Insert,
                _ => matches!(command, Command::Select | Command::Delete),
            };
            if forbidden {
                return Err(self.error(
                    value.span(),
                    Problem::PolicyClause {
                        command: command.sql().into(),
                        key,
                    },
                ));
            }
            let expr = self.expression(value)?;
            if let Some(call) = unwrapped_auth_call(&expr) {
                return Err(self.error(value.span(), Problem::AuthCallNotWrapped { call: call.into() }));
            }
            let always_true = matches!(
                expr.to_ascii_lowercase().replace(' ', "").as_str(),
                "true" | "1=1" | "(true)"
            );
            let exempt = command == Command::Select && key == "using";
            if always_true
                && !exempt
                && raw.restrictive.as_ref().is_none_or(|r| !*r.get_ref())
                && let Some(role) = roles.iter().find(|r| **r != Role::ServiceRole)
            {
                return Err(self.error(
                    value.span(),
                    Problem::PolicyAlwaysTrue {
                        command: command.sql().into(),
                        role: role.sql().into(),
                    },
                ));
            }
            Ok(Some(expr))
        };
        let using = clause("using", &raw.using)?;
        let with_check = clause("with_check", &raw.with_check)?;
        if using.is_none() && with_check.is_none() {
            return Err(self.error(policy.span(), Problem::PolicyWithoutExpression));
        }
        Ok(Policy {
            renamed_from: self.optional_identifier(&raw.renamed_from, "policy")?,
            name,
            command,
            roles,
            permissive: raw.restrictive.as_ref().is_none_or(|r| !*r.get_ref()),
            using,
            with_check,
        })
    }

    /// Supabase's `multiple_permissive_policies` lint: each (role, command) gets at most one
    /// permissive policy, because PostgreSQL evaluates every one of them for every row.
    fn single_permissive_policy(&self, table: &Table, spans: &[Range<usize>]) -> Result<()> {
        let mut seen: HashMap<(Role, Command), &str> = HashMap::new();
        for (policy, span) in table.policies.iter().zip(spans) {
            if !policy.permissive {
                continue;
            }
            for role in &policy.roles {
                for command in policy.command.expand() {
                    if let Some(first) = seen.insert((*role, *command), &policy.name) {
                        return Err(self.error(
                            span.clone(),
                            Problem::MultiplePermissive {
                                first: first.to_owned(),
                                second: policy.name.clone(),
                                role: role.sql().into(),
                                command: command.sql().into(),
                            },
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// What each API role may do: the backend (`service_role`) everything by default, the other
    /// roles exactly the commands their policies cover; `grants = { … }` overrides a role.
    fn grants(&self, raw: &RawTable, table: &Table) -> Vec<Grant> {
        let mut grants = Vec::new();
        for role in Role::ALL {
            let explicit = raw
                .grants
                .as_ref()
                .and_then(|g| g.iter().find(|(r, _)| *r.get_ref() == role));
            let mut privileges: Vec<Command> = match explicit {
                Some((_, list)) => list
                    .get_ref()
                    .iter()
                    .flat_map(|c| c.get_ref().expand().iter().copied())
                    .collect(),
                None if role == Role::ServiceRole => Command::All.expand().to_vec(),
                None => table
                    .policies
                    .iter()
                    .filter(|p| p.permissive && p.roles.contains(&role))
                    .flat_map(|p| p.command.expand().iter().copied())
                    .collect(),
            };
            privileges.sort();
            privileges.dedup();
            if !privileges.is_empty() {
                grants.push(Grant { role, privileges });
            }
        }
        grants
    }

    fn audit_table(
        &self,
        name: &Name,
        tables: &[Table],
        raw_tables: &indexmap::IndexMap<Name, Spanned<RawTable>>,
    ) -> Result<()> {
        let Some(table) = tables.iter().find(|t| &t.name == name.get_ref()) else {
            return Err(self.error(
                name.span(),
                Problem::UnknownTable {
                    name: name.get_ref().clone(),
                },
            ));
        };
        let text_array = SqlType::Array(Box::new(SqlType::Text));
        for (column, expected) in AUDIT_COLUMNS
            .iter()
            .chain(std::iter::once(&("changed_columns", text_array.clone())))
        {
            if table.column(column).is_none_or(|c| &c.sql_type != expected) {
                return Err(self.error(
                    name.span(),
                    Problem::AuditTableColumn {
                        column,
                        expected: expected.to_string(),
                    },
                ));
            }
        }
        // The trigger writes only the columns above; every other column must fill itself, and
        // `actor_id`/`record_id` must take NULL (the backend has no user id), or every audited
        // write would fail.
        for column in &table.columns {
            let written = AUDIT_COLUMNS.iter().any(|(c, _)| *c == column.name) || column.name == "changed_columns";
            let nullable_required = column.name == "actor_id" || column.name == "record_id";
            if (nullable_required && !column.nullable) || (!written && !column.fills_itself()) {
                return Err(self.error(
                    name.span(),
                    Problem::AuditColumnUnfillable {
                        column: column.name.clone(),
                    },
                ));
            }
        }
        let append_only = raw_tables
            .iter()
            .find(|(n, _)| n.get_ref() == &table.name)
            .and_then(|(_, t)| t.get_ref().append_only.as_ref())
            .is_some_and(|a| *a.get_ref());
        if !append_only {
            return Err(self.error(
                name.span(),
                Problem::AuditTableNotAppendOnly {
                    table: table.name.clone(),
                },
            ));
        }
        Ok(())
    }

    /// Tables, indexes and the indexes behind keys and exclusions share one namespace per
    /// schema; constraints are unique per table.
    fn unique_relation_names(&self, tables: &[Table], raw: &RawSchema) -> Result<()> {
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
    fn unique_rust_names(&self, tables: &[Table], raw: &RawSchema) -> Result<()> {
        let mut seen: HashSet<String> = HashSet::new();
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

/// A referenced table: schema, name, columns with their types, and its keys.
type ReferenceTarget = (String, String, Vec<(String, SqlType)>, Vec<Vec<String>>);

/// What a table's second pass may look at.
struct Context<'a> {
    raw: &'a RawSchema,
    /// The tables after their first pass, by name.
    tables: HashMap<&'a str, &'a Table>,
    external: &'a [ExternalTable],
    functions: &'a [Function],
}

fn builtin_function(builtin: Builtin) -> Function {
    let (security, execute, comment) = match builtin {
        Builtin::SetUpdatedAt => (
            Security::Invoker,
            vec![],
            "Keeps updated_at at the time of the last update.",
        ),
        Builtin::AuditRowChange => (
            Security::Definer,
            vec![],
            "Writes one audit row per change: who, what, which record, and the names (never the values) of changed columns.",
        ),
        Builtin::RejectChange => (
            Security::Invoker,
            vec![],
            "Refuses updates, deletes and truncation of append-only tables.",
        ),
    };
    Function {
        name: builtin.function_name().to_owned(),
        args: Vec::new(),
        returns: "trigger".to_owned(),
        language: Language::Plpgsql,
        security,
        volatility: Volatility::Volatile,
        body: FunctionBody::Builtin(builtin),
        execute,
        comment: Some(comment.to_owned()),
    }
}
