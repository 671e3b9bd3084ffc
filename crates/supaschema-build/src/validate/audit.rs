//! Audit: `audit = true` on a table, and the `audit_table` the audit trigger writes to, which
//! must have the trigger's columns, fill everything else itself, and be append-only.

use super::{Result, Validator};
use crate::error::Problem;
use crate::model::*;
use crate::read::{Name, RawTable};
use crate::sql_type::SqlType;
use toml::Spanned;

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
    /// `audit = true`: a trigger writing one row to the audit table per change. The table needs a
    /// single uuid key, and cannot be the audit table itself.
    pub(super) fn audit_trigger(
        &self,
        raw: &RawTable,
        table: &mut Table,
        audit_table: &Option<String>,
        builtins: &mut Vec<Builtin>,
    ) -> Result<()> {
        if let Some(flag) = raw.audit.as_ref().filter(|f| *f.get_ref()) {
            let table_name = table.name.clone();
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
            let trigger = Trigger {
                name: self.generated_name(format!("{table_name}_audit"), flag.span())?,
                timing: TriggerTiming::After,
                events: vec![TriggerEvent::Insert, TriggerEvent::Update, TriggerEvent::Delete],
                for_each: ForEach::Row,
                function: Builtin::AuditRowChange.function_name().to_owned(),
                arguments: vec![key[0].clone()],
                columns: Vec::new(),
                when: None,
            };
            table.triggers.push(trigger);
            builtins.push(Builtin::AuditRowChange);
        }
        Ok(())
    }

    /// The `audit_table`: declared, with the columns the trigger writes, every other column
    /// filling itself, and append-only.
    pub(super) fn audit_table(
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
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, edited, rejects};
    use crate::error::Problem;
    use crate::model::TriggerTiming;

    /// `notes` is audited (line 4) into `audit_logs` (named on line 1).
    const AUDITED: &str = r#"audit_table = "audit_logs"

[tables.notes]
audit = true

[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }

[tables.audit_logs]
append_only = true

[tables.audit_logs.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
actor_id = { type = "uuid", nullable = true, class = "administrative" }
actor_role = { type = "text", class = "administrative" }
action = { type = "text", class = "administrative" }
table_name = { type = "text", class = "administrative" }
record_id = { type = "uuid", nullable = true, class = "administrative" }
changed_columns = { type = "text[]", default = "'{}'", class = "administrative" }
occurred_at = { type = "timestamptz", default = "now()", class = "administrative" }
"#;

    fn audited_with(from: &str, to: &str) -> String {
        edited(AUDITED, from, to)
    }

    #[test]
    fn accepts_an_audited_table_and_adds_the_audit_trigger() {
        let schema = accepts(AUDITED);
        assert_eq!(schema.audit_table.as_deref(), Some("audit_logs"));
        let trigger = &schema.table("notes").expect("table notes").triggers[0];
        assert_eq!(trigger.name, "notes_audit");
        assert_eq!(trigger.timing, TriggerTiming::After);
        assert_eq!(trigger.function, "audit_row_change");
        assert_eq!(trigger.arguments, ["id"]);
        let functions: Vec<&str> = schema.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(functions, ["audit_row_change", "reject_change"]);
    }

    #[test]
    fn refuses_audit_without_an_audit_table_of_the_audit_table_or_without_a_uuid_key() {
        rejects(
            &audited_with(r#"audit_table = "audit_logs""#, "# no audit table"),
            4,
            Problem::AuditTableNotSet,
        );
        rejects(
            &audited_with("append_only = true\n", "append_only = true\naudit = true\n"),
            11,
            Problem::AuditOfAuditTable {
                table: "audit_logs".into(),
            },
        );
        rejects(
            &audited_with(
                r#"id = { type = "uuid", primary_key = true, class = "public" }"#,
                r#"id = { type = "bigint", primary_key = true, class = "public", allow = ["non_uuid_key"] }"#,
            ),
            4,
            Problem::AuditNeedsUuidKey {
                table: "notes".into(),
                key: "id".into(),
            },
        );
    }

    #[test]
    fn refuses_an_audit_table_that_is_unknown_or_misses_a_column() {
        rejects(
            &audited_with(r#"audit_table = "audit_logs""#, r#"audit_table = "audit_log""#),
            1,
            Problem::UnknownTable {
                name: "audit_log".into(),
            },
        );
        rejects(
            &audited_with(
                r#"occurred_at = { type = "timestamptz""#,
                r#"occurred_at = { type = "date""#,
            ),
            1,
            Problem::AuditTableColumn {
                column: "occurred_at",
                expected: "timestamptz".into(),
            },
        );
        rejects(
            &audited_with(
                r#"changed_columns = { type = "text[]""#,
                r#"changed_columns = { type = "text""#,
            ),
            1,
            Problem::AuditTableColumn {
                column: "changed_columns",
                expected: "text[]".into(),
            },
        );
    }

    #[test]
    fn refuses_an_audit_table_the_trigger_cannot_fill_or_that_is_not_append_only() {
        rejects(
            &audited_with(
                r#"actor_id = { type = "uuid", nullable = true,"#,
                r#"actor_id = { type = "uuid","#,
            ),
            1,
            Problem::AuditColumnUnfillable {
                column: "actor_id".into(),
            },
        );
        rejects(
            &format!("{AUDITED}note = {{ type = \"text\", class = \"administrative\" }}\n"),
            1,
            Problem::AuditColumnUnfillable { column: "note".into() },
        );
        rejects(
            &audited_with("append_only = true\n", "comment = \"changeable\"\n"),
            1,
            Problem::AuditTableNotAppendOnly {
                table: "audit_logs".into(),
            },
        );
    }
}
