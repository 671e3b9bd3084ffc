//! Columns: the first pass over a table, its column types, the column rules and the opt-outs
//! from them, identities and closed value sets.

use super::{Result, Validator};
use crate::error::Problem;
use crate::ident::{MAX_IDENTIFIER_BYTES, quote_identifier, rust_variant_name};
use crate::model::*;
use crate::read::{Name, RawColumn, RawTable};
use crate::sql_type::{SqlType, TypeProblem};
use heck::ToUpperCamelCase;
use std::collections::BTreeMap;
use std::ops::Range;
use toml::Spanned;

/// Rules a column may opt out of with `allow = [...]`.
const ALLOWABLE: &[&str] = &["varchar", "timestamp", "json", "non_uuid_key", "cascade_phi"];

impl Validator<'_> {
    /// A built-in type, or one of the schema's enums.
    pub(super) fn sql_type(&self, name: &Name) -> Result<SqlType> {
        let found = name.get_ref().clone();
        let problem = match SqlType::parse(name.get_ref()) {
            Ok(sql_type) => return Ok(sql_type),
            Err(TypeProblem::Unknown) => match self.enum_column_type(name.get_ref()) {
                Ok(sql_type) => return Ok(sql_type),
                Err(problem) => problem,
            },
            Err(TypeProblem::Serial) => Problem::SerialType { found },
            Err(TypeProblem::BadModifier) => Problem::BadTypeModifier { found },
        };
        Err(self.error(name.span(), problem))
    }

    /// First pass over a table: its own columns, keys and checks, which other tables' foreign
    /// keys need to see before relations can be checked.
    pub(super) fn table_columns(&self, name: &Name, raw: &Spanned<RawTable>) -> Result<Table> {
        let table_name = self.identifier(name, "table")?;
        let raw = raw.get_ref();
        let struct_name = self.struct_name(&table_name, name, raw)?;
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
        self.generated_columns(raw, &columns)?;
        let primary_key = self.primary_key(name, &table_name, raw, key_from_columns, &mut columns)?;
        let generated_key = columns
            .iter()
            .any(|c| c.generated.is_some() && primary_key.columns.contains(&c.name));
        if let (true, Some(key)) = (generated_key, &raw.primary_key) {
            return Err(self.error(key.span(), Problem::GeneratedWith { other: "`primary_key`" }));
        }
        let known: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let uniques = self.unique_keys(&table_name, raw, &known, &primary_key, uniques, unique_spans)?;
        checks.extend(self.table_checks(raw)?);
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
            owner_claim: None,
            realtime: raw.realtime.as_ref().is_some_and(|r| *r.get_ref()),
            audit_reads: false,
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
        let generated = match &raw.generated {
            Some(expr) => {
                let others = [
                    (raw.default.is_some(), "`default`"),
                    (raw.identity.is_some(), "`identity`"),
                    (raw.primary_key.as_ref().is_some_and(|p| *p.get_ref()), "`primary_key`"),
                ];
                if let Some((_, other)) = others.iter().find(|(present, _)| *present) {
                    return Err(self.error(expr.span(), Problem::GeneratedWith { other }));
                }
                Some(self.expression(expr)?)
            }
            None => None,
        };
        let values = match &raw.values {
            Some(values) => Some(self.closed_set(struct_name, &column_name, &sql_type, raw, values)?),
            None => None,
        };
        let allowed = match (&values, &sql_type) {
            (Some(set), _) => Some((&set.values, "::text".to_owned())),
            (None, SqlType::Enum(name)) => self
                .enums
                .iter()
                .find(|e| e.name == *name)
                .map(|e| (&e.values, format!("::{name}"))),
            _ => None,
        };
        if let (Some((allowed, cast)), Some(raw_default)) = (allowed, &raw.default) {
            let literal = default.as_deref().and_then(|d| text_literal(d, &cast));
            if let Some(literal) = literal.filter(|l| !allowed.contains(l)) {
                return Err(self.error(
                    raw_default.span(),
                    Problem::DefaultOutsideValues {
                        default: literal,
                        values: allowed.clone(),
                    },
                ));
            }
        }
        let rust_name = self.field_name(&column_name, name, raw)?;
        Ok(Column {
            renamed_from: self.optional_identifier(&raw.renamed_from, "column")?,
            name: column_name,
            rust_name,
            sql_type,
            nullable: raw.nullable.as_ref().is_some_and(|n| *n.get_ref()),
            default,
            identity,
            generated,
            values,
            class: *class.get_ref(),
            comment: self.comment(&raw.comment)?,
        })
    }

    /// A generated column reads only plain columns: PostgreSQL refuses one generated column
    /// reading another.
    fn generated_columns(&self, raw: &RawTable, columns: &[Column]) -> Result<()> {
        for column in columns {
            let Some(expr) = &column.generated else { continue };
            let read = columns.iter().find(|other| {
                other.generated.is_some() && other.name != column.name && crate::expr::mentions(expr, &other.name)
            });
            if let Some(other) = read {
                let span = raw
                    .columns
                    .get_ref()
                    .get(column.name.as_str())
                    .and_then(|c| c.get_ref().generated.as_ref())
                    .map_or(raw.columns.span(), |g| g.span());
                return Err(self.error(
                    span,
                    Problem::GeneratedReadsGenerated {
                        column: column.name.clone(),
                        other: other.name.clone(),
                    },
                ));
            }
        }
        Ok(())
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
        Ok(ClosedSet {
            rust_name: format!("{struct_name}{}", column.to_upper_camel_case()),
            values: self.value_list(values)?,
        })
    }

    /// The values of a closed set or an enum: at least one, each usable as a Rust variant, none
    /// twice (nor two that become the same variant).
    pub(super) fn value_list(&self, values: &Spanned<Vec<Name>>) -> Result<Vec<String>> {
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
        Ok(out)
    }
}

/// The text of a default that is a plain string literal (`'pending'`, `'it''s'`, optionally
/// with the `cast` to the column's type, `::text`); `None` for any other expression, which only
/// the database can evaluate.
fn text_literal(default: &str, cast: &str) -> Option<String> {
    let trimmed = default.trim();
    let literal = trimmed.strip_suffix(cast).unwrap_or(trimmed).trim_end();
    let inner = literal.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some(inner.replace("''", "'"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, rejects};
    use crate::error::Problem;
    use crate::model::Identity;
    use crate::sql_type::SqlType;

    /// A table `notes` with a uuid key and one more column `c` of the given inline fields.
    fn with_column(fields: &str) -> String {
        format!(
            "[tables.notes.columns]\nid = {{ type = \"uuid\", primary_key = true, class = \"public\" }}\nc = {{ {fields} }}\n"
        )
    }

    #[test]
    fn accepts_allowed_types_identities_and_closed_sets() {
        let text = r#"[tables.visits.columns]
id = { type = "uuid", primary_key = true, class = "public" }
code = { type = "varchar(10)", allow = ["varchar"], class = "public" }
seq = { type = "bigint", identity = "always", class = "public" }
state = { type = "text", values = ["no_show", "2fa"], class = "administrative" }
"#;
        let schema = accepts(text);
        let visits = schema.table("visits").expect("table visits");
        assert_eq!(visits.columns[1].sql_type, SqlType::Varchar(Some(10)));
        assert_eq!(visits.columns[2].identity, Some(Identity::Always));
        assert!(!visits.columns[2].nullable);
        let set = visits.columns[3].values.as_ref().expect("a closed set");
        assert_eq!(set.rust_name, "VisitState");
        assert_eq!(set.values, ["no_show", "2fa"]);
        assert_eq!(visits.checks.len(), 1);
        assert_eq!(visits.checks[0].name, "visits_state_check");
        assert_eq!(visits.checks[0].expr, "state in ('no_show', '2fa')");
    }

    #[test]
    fn a_generated_column_keeps_its_expression_and_is_never_written() {
        let schema = accepts(&with_column(
            r#"type = "text", generated = " lower(id::text) ", class = "public""#,
        ));
        let column = &schema.table("notes").expect("table notes").columns[1];
        assert_eq!(column.generated.as_deref(), Some("lower(id::text)"));
        assert!(column.fills_itself() && column.never_written() && !column.nullable);
        rejects(
            &with_column(r#"type = "text", generated = "lower(id::text)", default = "''", class = "public""#),
            3,
            Problem::GeneratedWith { other: "`default`" },
        );
    }

    #[test]
    fn refuses_types_the_column_rules_forbid_unless_allowed() {
        rejects(
            &with_column(r#"type = "varchar(10)", class = "public""#),
            3,
            Problem::RuleVarchar {
                found: "varchar(10)".into(),
            },
        );
        rejects(
            &with_column(r#"type = "timestamp[]", class = "public""#),
            3,
            Problem::RuleTimestamp {
                found: "timestamp[]".into(),
            },
        );
        rejects(&with_column(r#"type = "json", class = "public""#), 3, Problem::RuleJson);
        accepts(&with_column(r#"type = "json", allow = ["json"], class = "public""#));
        rejects(
            &with_column(r#"type = "json", allow = ["jsn"], class = "public""#),
            3,
            Problem::UnknownAllow { found: "jsn".into() },
        );
    }

    #[test]
    fn refuses_unknown_and_serial_types_and_a_missing_class() {
        rejects(
            &with_column(r#"type = "strng", class = "public""#),
            3,
            Problem::UnknownType { found: "strng".into() },
        );
        rejects(
            &with_column(r#"type = "bigserial", class = "public""#),
            3,
            Problem::SerialType {
                found: "bigserial".into(),
            },
        );
        rejects(
            &with_column(r#"type = "text""#),
            3,
            Problem::MissingClass { column: "c".into() },
        );
    }

    #[test]
    fn refuses_a_table_without_columns() {
        let text = "[tables.notes]\ncomment = \"empty\"\ncolumns = {}\n";
        rejects(text, 3, Problem::NoColumns { table: "notes".into() });
    }

    #[test]
    fn refuses_bad_identities() {
        rejects(
            &with_column(r#"type = "text", identity = "always", class = "public""#),
            3,
            Problem::IdentityType { found: "text".into() },
        );
        rejects(
            &with_column(r#"type = "bigint", identity = "by_default", default = "1", class = "public""#),
            3,
            Problem::IdentityWithDefault,
        );
    }

    #[test]
    fn a_closed_set_default_must_be_one_of_its_values() {
        let column = |default: &str| {
            with_column(&format!(
                r#"type = "text", values = ["draft", "sent"], default = "{default}", class = "public""#
            ))
        };
        for accepted in ["'sent'", "'draft'::text", "nullif('x', 'x')"] {
            accepts(&column(accepted));
        }
        for (refused, literal) in [
            ("'archived'", "archived"),
            ("'Sent'::text", "Sent"),
            ("'it''s'", "it's"),
        ] {
            rejects(
                &column(refused),
                3,
                Problem::DefaultOutsideValues {
                    default: literal.into(),
                    values: vec!["draft".into(), "sent".into()],
                },
            );
        }
    }

    #[test]
    fn refuses_bad_closed_sets() {
        let text = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }

[tables.notes.columns.state]
type = "text"
class = "public"
values = [
  "draft",
  "Draft!",
]
"#;
        rejects(text, 9, Problem::BadValue { value: "Draft!".into() });
        rejects(
            &text.replace("\"Draft!\"", "\"draft\""),
            9,
            Problem::Duplicate {
                what: "value",
                name: "draft".into(),
            },
        );
        rejects(
            &text.replace("\"Draft!\"", "\"Draft\""),
            9,
            Problem::DuplicateVariant {
                first: "draft".into(),
                second: "Draft".into(),
                variant: "Draft".into(),
            },
        );
        rejects(
            &text.replace("\"Draft!\"", "\"self\""),
            9,
            Problem::BadValue { value: "self".into() },
        );
        rejects(
            &text.replace("type = \"text\"", "type = \"integer\""),
            5,
            Problem::ValuesNotText {
                found: "integer".into(),
            },
        );
        rejects(
            &with_column(r#"type = "text", values = [], class = "public""#),
            3,
            Problem::EmptyValues,
        );
    }
}
