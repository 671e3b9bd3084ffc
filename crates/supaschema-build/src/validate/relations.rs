//! Relations: check constraints, foreign keys (to tables of the schema or external ones),
//! exclusion constraints, indexes, and the rule that every foreign key has an index.

use super::{Context, Result, Validator};
use crate::error::Problem;
use crate::ident::quote_identifier;
use crate::model::*;
use crate::read::{Name, RawDeleteAction, RawTable, WordOrTable};
use crate::sql_type::SqlType;
use std::ops::Range;
use toml::Spanned;

/// A referenced table: schema, name, columns with their types, and its keys.
type ReferenceTarget = (String, String, Vec<(String, SqlType)>, Vec<Vec<String>>);

impl Validator<'_> {
    /// The table's named `checks = [...]`.
    pub(super) fn table_checks(&self, raw: &RawTable) -> Result<Vec<Check>> {
        let mut checks = Vec::new();
        for check in &raw.checks {
            let check = check.get_ref();
            checks.push(Check {
                renamed_from: self.optional_identifier(&check.renamed_from, "check constraint")?,
                name: self.identifier(&check.name, "check constraint")?,
                expr: self.expression(&check.expr)?,
            });
        }
        Ok(checks)
    }

    /// The foreign keys of `references = {...}` on columns, then those of `foreign_keys = [...]`.
    pub(super) fn foreign_keys(&self, context: &Context, raw: &RawTable, table: &mut Table) -> Result<()> {
        let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let table_name = table.name.clone();
        for (column_name, column) in raw.columns.get_ref() {
            if let Some(reference) = &column.get_ref().references {
                let reference_raw = reference.get_ref();
                let target = reference_raw.table.clone();
                let mut fk = self.foreign_key(
                    context,
                    table,
                    None,
                    std::slice::from_ref(column_name),
                    &target,
                    std::slice::from_ref(&reference_raw.column),
                    reference_raw.on_delete.as_ref(),
                    reference_raw.on_update.as_ref(),
                    reference.span(),
                )?;
                fk.deferrable = reference_raw.deferrable.as_ref().map(|d| *d.get_ref());
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
            let mut built = self.foreign_key(
                context,
                table,
                fk_raw.name.as_ref(),
                &columns,
                &fk_raw.references,
                fk_raw.references_columns.get_ref(),
                fk_raw.on_delete.as_ref(),
                fk_raw.on_update.as_ref(),
                fk.span(),
            )?;
            built.deferrable = fk_raw.deferrable.as_ref().map(|d| *d.get_ref());
            table.foreign_keys.push(built);
        }
        Ok(())
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
        on_delete: Option<&Spanned<RawDeleteAction>>,
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
        // Supabase's `fkey_to_auth_unique` lint: Auth owns its tables' unique constraints.
        if target_schema == "auth" && target_keys.first() != Some(&resolved_targets) {
            return Err(self.error(
                target_columns.first().map_or(span.clone(), |c| c.span()),
                Problem::ReferenceAuthUnique {
                    target: target_name.clone(),
                    columns: resolved_targets.join(", "),
                    primary_key: target_keys.first().map(|k| k.join(", ")).unwrap_or_default(),
                },
            ));
        }
        let column_names: Vec<String> = columns.iter().map(|c| c.get_ref().clone()).collect();
        let fk_name = match name {
            Some(n) => self.identifier(n, "foreign key")?,
            None => self.generated_name(format!("{}_{}_fkey", table.name, column_names.join("_")), span)?,
        };
        let (on_delete, on_delete_columns) = match on_delete {
            Some(action) => self.delete_action(table, &column_names, action)?,
            None => (ReferentialAction::NoAction, Vec::new()),
        };
        Ok(ForeignKey {
            name: fk_name,
            columns: column_names,
            target_schema,
            target_table,
            target_columns: resolved_targets,
            on_delete,
            on_delete_columns,
            on_update: on_update.map_or(ReferentialAction::NoAction, |a| *a.get_ref()),
            deferrable: None,
        })
    }

    /// `on_delete`: an action, or `set null` / `set default` limited to some of the key's
    /// `columns`; those `set null` clears must be nullable, or every such delete would fail.
    fn delete_action(
        &self,
        table: &Table,
        columns: &[String],
        raw: &Spanned<RawDeleteAction>,
    ) -> Result<(ReferentialAction, Vec<String>)> {
        let limited = match raw.get_ref() {
            WordOrTable::Word(action) => return Ok((*action, Vec::new())),
            WordOrTable::Table(limited) => limited,
        };
        let (action, names) = match (&limited.set_null, &limited.set_default) {
            (Some(names), None) => (ReferentialAction::SetNull, names),
            (None, Some(names)) => (ReferentialAction::SetDefault, names),
            _ => return Err(self.error(raw.span(), Problem::DeleteActionColumns)),
        };
        if names.get_ref().is_empty() {
            return Err(self.error(names.span(), Problem::DeleteActionColumns));
        }
        let mut listed = Vec::new();
        for name in names.get_ref() {
            if !columns.contains(name.get_ref()) {
                return Err(self.error(
                    name.span(),
                    Problem::DeleteActionColumnNotInKey {
                        column: name.get_ref().clone(),
                        key: columns.join(", "),
                    },
                ));
            }
            let nullable = table.column(name.get_ref()).is_some_and(|c| c.nullable);
            if action == ReferentialAction::SetNull && !nullable {
                return Err(self.error(
                    name.span(),
                    Problem::SetNullColumnNotNullable {
                        column: name.get_ref().clone(),
                    },
                ));
            }
            if listed.contains(name.get_ref()) {
                return Err(self.error(
                    name.span(),
                    Problem::Duplicate {
                        what: "column",
                        name: name.get_ref().clone(),
                    },
                ));
            }
            listed.push(name.get_ref().clone());
        }
        Ok((action, listed))
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

    pub(super) fn exclusions(&self, raw: &RawTable, table: &mut Table) -> Result<()> {
        let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let table_name = table.name.clone();
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
        Ok(())
    }

    /// The indexes, none of which may repeat another index or a key.
    pub(super) fn indexes(&self, raw: &RawTable, table: &mut Table) -> Result<()> {
        let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let table_name = table.name.clone();
        for index in &raw.indexes {
            let ix = index.get_ref();
            let columns = match &ix.columns {
                Some(columns) => self.column_list(columns.get_ref(), &table_name, &known)?,
                None => Vec::new(),
            };
            let expressions = match &ix.expressions {
                Some(expressions) => expressions
                    .get_ref()
                    .iter()
                    .map(|e| self.expression(e))
                    .collect::<Result<Vec<_>>>()?,
                None => Vec::new(),
            };
            if columns.is_empty() && expressions.is_empty() {
                let span = ix
                    .columns
                    .as_ref()
                    .map(Spanned::span)
                    .or_else(|| ix.expressions.as_ref().map(Spanned::span))
                    .unwrap_or_else(|| index.span());
                return Err(self.error(span, Problem::EmptyColumnList { what: "an index" }));
            }
            let include = self.column_list(&ix.include, &table_name, &known)?;
            let index_name = match &ix.name {
                Some(n) => self.identifier(n, "index")?,
                None => {
                    let words = columns.iter().cloned().chain(expressions.iter().map(|e| name_words(e)));
                    self.generated_name(
                        format!("{table_name}_{}_idx", words.collect::<Vec<_>>().join("_")),
                        index.span(),
                    )?
                }
            };
            let built = Index {
                renamed_from: self.optional_identifier(&ix.renamed_from, "index")?,
                name: index_name,
                columns,
                expressions,
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
                    && other.expressions == built.expressions
                    && other.unique == built.unique
                    && other.method == built.method
                    && other.include == built.include
                    && other.predicate == built.predicate
            });
            let same_as_key = built.unique
                && built.expressions.is_empty()
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
        Ok(())
    }

    /// Supabase's `unindexed_foreign_keys` lint: every foreign key needs a key or a plain btree
    /// index that starts with its columns, or deletes in the parent and policy checks scan the
    /// table.
    pub(super) fn indexed_foreign_keys(&self, name: &Name, raw: &RawTable, table: &Table) -> Result<()> {
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
                        table: table.name.clone(),
                        columns: quoted,
                        indexes_line: raw.indexes.first().map(|index| self.file.line(index.span().start)),
                    },
                ));
            }
        }
        Ok(())
    }

    /// An append-only table's rows are never updated or deleted, not even by a foreign key's
    /// action: one that cascades, sets null or sets a default would make every delete (or key
    /// update) of the parent fail on the append-only trigger.
    pub(super) fn append_only_foreign_keys(&self, name: &Name, raw: &RawTable, table: &Table) -> Result<()> {
        if !raw.append_only.as_ref().is_some_and(|a| *a.get_ref()) {
            return Ok(());
        }
        for fk in &table.foreign_keys {
            let action = match (fk.on_delete, fk.on_update) {
                (ReferentialAction::Cascade, _) => "delete",
                (ReferentialAction::SetNull | ReferentialAction::SetDefault, _) => "update",
                (_, ReferentialAction::Cascade | ReferentialAction::SetNull | ReferentialAction::SetDefault) => {
                    "update"
                }
                _ => continue,
            };
            return Err(self.error(
                self.foreign_key_span(raw, fk).unwrap_or_else(|| name.span()),
                Problem::AppendOnlyCascade {
                    table: table.name.clone(),
                    name: fk.name.clone(),
                    target: format!("{}.{}", fk.target_schema, fk.target_table),
                    action,
                },
            ));
        }
        Ok(())
    }
}

/// An expression's names and words joined by `_` (`lower(email)` → `lower_email`), for the
/// name of an index that indexes it.
fn name_words(expr: &str) -> String {
    expr.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, rejects};
    use crate::error::Problem;
    use crate::model::{IndexMethod, ReferentialAction};

    /// `replies.note_id` references `notes.id`, indexed by line 5.
    const REPLIES: &str = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }

[tables.replies]
indexes = [{ columns = ["note_id"] }]

[tables.replies.columns]
id = { type = "uuid", primary_key = true, class = "public" }
note_id = { type = "uuid", class = "public", references = { table = "notes", column = "id", on_delete = "cascade" } }
"#;
    const REPLIES_INDEX: &str = r#"indexes = [{ columns = ["note_id"] }]"#;

    /// [`REPLIES`] with one piece of text replaced; `from` must occur exactly once.
    fn replies_with(from: &str, to: &str) -> String {
        assert_eq!(REPLIES.matches(from).count(), 1, "`{from}`");
        REPLIES.replacen(from, to, 1)
    }

    #[test]
    fn an_append_only_table_refuses_a_foreign_key_that_would_change_its_rows() {
        let append_only = |action: &str| {
            replies_with("[tables.replies]\n", "[tables.replies]\nappend_only = true\n")
                .replace(r#"on_delete = "cascade""#, action)
        };
        let refused = |action| Problem::AppendOnlyCascade {
            table: "replies".into(),
            name: "replies_note_id_fkey".into(),
            target: "public.notes".into(),
            action,
        };
        rejects(&append_only(r#"on_delete = "cascade""#), 10, refused("delete"));
        rejects(&append_only(r#"on_delete = "set_null""#), 10, refused("update"));
        rejects(
            &append_only(r#"on_delete = "restrict", on_update = "cascade""#),
            10,
            refused("update"),
        );
        // Kept rows: the parent cannot go while they refer to it.
        for kept in [r#"on_delete = "restrict""#, r#"on_delete = "no_action""#] {
            accepts(&append_only(kept));
        }
        // A table that is not append-only may cascade.
        accepts(REPLIES);
    }

    #[test]
    fn accepts_an_indexed_foreign_key_and_names_both() {
        let schema = accepts(REPLIES);
        let replies = schema.table("replies").expect("table replies");
        let fk = &replies.foreign_keys[0];
        assert_eq!(fk.name, "replies_note_id_fkey");
        assert_eq!(
            (fk.target_schema.as_str(), fk.target_table.as_str()),
            ("public", "notes")
        );
        assert_eq!(fk.target_columns, ["id"]);
        assert_eq!(fk.on_delete, ReferentialAction::Cascade);
        assert_eq!(fk.on_update, ReferentialAction::NoAction);
        assert_eq!(replies.indexes[0].name, "replies_note_id_idx");
        assert_eq!(replies.indexes[0].method, IndexMethod::Btree);
    }

    #[test]
    fn refuses_a_foreign_key_without_an_index_that_starts_with_it() {
        let unindexed = |indexes_line| Problem::UnindexedForeignKey {
            table: "replies".into(),
            columns: "\"note_id\"".into(),
            indexes_line,
        };
        rejects(
            &replies_with(REPLIES_INDEX, "comment = \"no index\""),
            9,
            unindexed(None),
        );
        // A partial index does not serve every lookup.
        rejects(
            &replies_with(
                REPLIES_INDEX,
                r#"indexes = [{ columns = ["note_id"], where = "id is not null" }]"#,
            ),
            9,
            unindexed(Some(5)),
        );
        // The help extends an existing list instead of writing a second `indexes` key.
        assert!(unindexed(Some(5)).help().starts_with(
            "add `{ columns = [\"note_id\"] }` to the table's `indexes` list, beside the entry on line 5"
        ));
        assert!(
            unindexed(None)
                .help()
                .starts_with("add `indexes = [{ columns = [\"note_id\"] }]` to the table")
        );
        // A key that starts with the column does.
        let keyed = replies_with(REPLIES_INDEX, r#"primary_key = ["note_id", "id"]"#).replacen(
            "[tables.replies.columns]\nid = { type = \"uuid\", primary_key = true,",
            "[tables.replies.columns]\nid = { type = \"uuid\",",
            1,
        );
        assert!(
            accepts(&keyed)
                .table("replies")
                .expect("table replies")
                .indexes
                .is_empty()
        );
    }

    #[test]
    fn refuses_a_reference_to_an_unknown_table_or_of_another_type() {
        rejects(
            &replies_with(r#"table = "notes""#, r#"table = "memos""#),
            9,
            Problem::UnknownTable { name: "memos".into() },
        );
        rejects(
            &replies_with(r#"note_id = { type = "uuid""#, r#"note_id = { type = "text""#),
            9,
            Problem::ReferenceTypeMismatch {
                column: "note_id".into(),
                column_type: "text".into(),
                target: "notes.id".into(),
                target_type: "uuid".into(),
            },
        );
    }

    #[test]
    fn refuses_a_foreign_key_to_columns_that_are_no_key_or_of_another_count() {
        let text = r#"[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
body = { type = "text", class = "public" }

[tables.replies]
indexes = [{ columns = ["note_body"] }]
foreign_keys = [
  { columns = ["note_body"], references = "notes", references_columns = ["body"] },
]

[tables.replies.columns]
id = { type = "uuid", primary_key = true, class = "public" }
note_body = { type = "text", class = "public" }
"#;
        rejects(
            text,
            8,
            Problem::ReferenceNotKey {
                target: "notes".into(),
                columns: "\"body\"".into(),
            },
        );
        rejects(
            &text.replace(
                r#"references_columns = ["body"]"#,
                r#"references_columns = ["id", "body"]"#,
            ),
            8,
            Problem::ReferenceArity { columns: 1, targets: 2 },
        );
    }

    #[test]
    fn refuses_an_index_that_repeats_another_or_a_key() {
        rejects(
            &replies_with(
                REPLIES_INDEX,
                "indexes = [\n  { columns = [\"note_id\"] },\n  { name = \"again\", columns = [\"note_id\"] },\n]",
            ),
            7,
            Problem::Duplicate {
                what: "index definition",
                name: "replies_note_id_idx".into(),
            },
        );
        rejects(
            &replies_with(
                REPLIES_INDEX,
                "indexes = [\n  { columns = [\"note_id\"] },\n  { columns = [\"id\"], unique = true },\n]",
            ),
            7,
            Problem::Duplicate {
                what: "unique index definition",
                name: "id".into(),
            },
        );
        rejects(
            &replies_with(REPLIES_INDEX, "indexes = [{ columns = [] }]"),
            5,
            Problem::EmptyColumnList { what: "an index" },
        );
    }

    #[test]
    fn checks_exclusion_elements_and_operators() {
        let text = r#"[tables.slots]
exclusions = [{ name = "slots_no_overlap", elements = [
  { column = "room", with = "=" },
  { expr = "tstzrange(starts_at, ends_at)", with = "&&" },
] }]

[tables.slots.columns]
id = { type = "uuid", primary_key = true, class = "public" }
room = { type = "text", class = "public" }
starts_at = { type = "timestamptz", class = "public" }
ends_at = { type = "timestamptz", class = "public" }
"#;
        let schema = accepts(text);
        let exclusion = &schema.table("slots").expect("table slots").exclusions[0];
        assert_eq!(exclusion.method, IndexMethod::Gist);
        let sql: Vec<&str> = exclusion.elements.iter().map(|e| e.sql.as_str()).collect();
        assert_eq!(sql, ["room", "(tstzrange(starts_at, ends_at))"]);
        rejects(
            &text.replace(r#"with = "&&""#, r#"with = "&& x""#),
            4,
            Problem::BadOperator { op: "&& x".into() },
        );
        rejects(
            &text.replace(
                r#"{ column = "room", with = "=" }"#,
                r#"{ column = "room", expr = "room", with = "=" }"#,
            ),
            3,
            Problem::ExclusionElement,
        );
    }

    #[test]
    fn names_table_checks_and_trims_their_expressions() {
        let text = r#"[tables.notes]
checks = [
  { name = "notes_body_short", expr = "  char_length(body) <= 10  " },
  { name = "Notes Body", expr = "true" },
]
[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
body = { type = "text", class = "public" }
"#;
        rejects(
            text,
            4,
            Problem::UnsafeIdentifier {
                what: "check constraint",
                name: "Notes Body".into(),
            },
        );
        let schema = accepts(&text.replace("  { name = \"Notes Body\", expr = \"true\" },\n", ""));
        let check = &schema.tables[0].checks[0];
        assert_eq!(
            (check.name.as_str(), check.expr.as_str()),
            ("notes_body_short", "char_length(body) <= 10")
        );
    }
}
