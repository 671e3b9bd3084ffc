//! Audited reads: `audit_reads = true` on a table with PHI. The API roles that row security
//! applies to keep `select` on its other columns only, and read the PHI through the generated
//! `read_<table>(ids[, purpose])`, which records one audit row per row it returns.
//!
//! PostgREST runs a GET in a read-only transaction, so nothing a plain read touches can write an
//! audit row; a function called with POST (`supabase.rpc`) can. Without `select` on the PHI
//! columns, neither a select nor a filter on them (`?full_name=eq.…`, itself a read) gets past
//! PostgreSQL's privilege check.

use super::{Result, Validator};
use crate::error::Problem;
use crate::model::*;
use crate::read::{Name, RawTable};
use crate::sql_type::SqlType;
use toml::Spanned;

impl Validator<'_> {
    /// Checks every table with `audit_reads` and adds its read function to `functions`.
    pub(super) fn audited_reads(
        &self,
        raw_tables: &indexmap::IndexMap<Name, Spanned<RawTable>>,
        tables: &mut [Table],
        audit_table: &Option<String>,
        functions: &mut Vec<Function>,
    ) -> Result<()> {
        for (raw, table) in raw_tables.values().zip(tables.iter_mut()) {
            let Some(flag) = raw.get_ref().audit_reads.as_ref().filter(|f| *f.get_ref()) else {
                continue;
            };
            let Some(audit) = audit_table else {
                return Err(self.error(flag.span(), Problem::AuditReadsWithoutAuditTable));
            };
            let phi_columns: Vec<String> = table
                .columns
                .iter()
                .filter(|c| c.class == Class::Phi)
                .map(|c| c.name.clone())
                .collect();
            if phi_columns.is_empty() {
                return Err(self.error(
                    flag.span(),
                    Problem::AuditReadsWithoutPhi {
                        table: table.name.clone(),
                    },
                ));
            }
            let key = &table.primary_key.columns;
            let uuid_key = key.len() == 1 && table.column(&key[0]).is_some_and(|c| c.sql_type == SqlType::Uuid);
            if !uuid_key {
                return Err(self.error(
                    flag.span(),
                    Problem::AuditNeedsUuidKey {
                        table: table.name.clone(),
                        key: key.join(", "),
                    },
                ));
            }
            let name = self.generated_name(table.read_function_name(), flag.span())?;
            if functions.iter().any(|f| f.name == name) {
                return Err(self.error(flag.span(), Problem::ReservedName { name }));
            }
            table.audit_reads = true;
            let readers: Vec<Reader> = Role::ALL
                .into_iter()
                .filter(|&role| table.privileges(role).contains(&Command::Select))
                .map(|role| Reader {
                    role,
                    rows: visible_rows(table, role),
                })
                .collect();
            let mut args = vec![FunctionArg {
                name: "ids".to_owned(),
                sql_type: SqlType::Array(Box::new(SqlType::Uuid)),
                default: None,
            }];
            let purpose = audit_table_has_purpose(tables_columns(raw_tables, audit));
            if purpose {
                args.push(FunctionArg {
                    name: "purpose".to_owned(),
                    sql_type: SqlType::Text,
                    default: None,
                });
            }
            functions.push(Function {
                schema: SCHEMA.to_owned(),
                name,
                args,
                returns: Returns::SetOf {
                    setof: table.name.clone(),
                },
                language: Language::Plpgsql,
                security: Security::Definer,
                volatility: Volatility::Volatile,
                execute: readers.iter().map(|r| r.role).collect(),
                comment: Some(format!(
                    "Returns the rows of {} with these ids that the caller may see, and records each one read in {audit}. The only way the API roles read its PHI columns.",
                    table.name
                )),
                body: FunctionBody::AuditedRead(Box::new(AuditedRead {
                    table: table.name.clone(),
                    key: key[0].clone(),
                    phi_columns,
                    audit_table: audit.clone(),
                    purpose,
                    readers,
                })),
            });
        }
        Ok(())
    }

    /// The audit table must be able to say "read": its `action` values, when it has a closed
    /// set, include it.
    pub(super) fn audit_table_records_reads(&self, name: &Name, tables: &[Table]) -> Result<()> {
        if !tables.iter().any(|t| t.audit_reads) {
            return Ok(());
        }
        let action = tables
            .iter()
            .find(|t| &t.name == name.get_ref())
            .and_then(|t| t.column("action"))
            .and_then(|c| c.values.as_ref());
        if action.is_some_and(|set| !set.values.iter().any(|v| v == "read")) {
            return Err(self.error(
                name.span(),
                Problem::AuditTableCannotRecordReads {
                    table: name.get_ref().clone(),
                },
            ));
        }
        Ok(())
    }
}

/// The audit table's raw columns, to see whether it has `purpose` before the tables are finished.
fn tables_columns<'a>(
    raw_tables: &'a indexmap::IndexMap<Name, Spanned<RawTable>>,
    audit: &str,
) -> Option<&'a RawTable> {
    raw_tables
        .iter()
        .find(|(n, _)| n.get_ref() == audit)
        .map(|(_, t)| t.get_ref())
}

fn audit_table_has_purpose(audit: Option<&RawTable>) -> bool {
    audit.is_some_and(|t| t.columns.get_ref().keys().any(|c| c.get_ref() == "purpose"))
}

/// The rows `role` may select, as row level security decides: a row passes one permissive
/// select policy and every restrictive one. A policy without `using` lets nothing through
/// (PostgreSQL skips it), so a role without a permissive one sees no row.
fn visible_rows(table: &Table, role: Role) -> Option<String> {
    let policies = table.access(role, Command::Select).policies?;
    let condition = |permissive: bool| -> Vec<String> {
        policies
            .iter()
            .filter(|p| p.permissive == permissive)
            .filter_map(|p| p.using.as_deref())
            .map(|using| format!("({using})"))
            .collect()
    };
    let permissive = condition(true);
    if permissive.is_empty() {
        return Some("false".to_owned());
    }
    let mut all = vec![format!("({})", permissive.join(" or "))];
    all.extend(condition(false));
    Some(all.join(" and "))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, edited, load_text, rejects};
    use crate::error::Problem;
    use crate::model::*;

    /// `notes` (PHI in `body`, owned by `author_id`) has its reads audited (line 5) into
    /// `audit_logs` (named on line 1), which has a `purpose`.
    const READS: &str = r#"audit_table = "audit_logs"

[tables.notes]
owner = { column = "author_id" }
audit_reads = true

[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
author_id = { type = "uuid", class = "administrative" }
body = { type = "text", class = "phi" }

[tables.audit_logs]
append_only = true

[tables.audit_logs.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
actor_id = { type = "uuid", nullable = true, class = "administrative" }
actor_role = { type = "text", class = "administrative" }
action = { type = "text", values = ["insert", "update", "delete", "read"], class = "administrative" }
table_name = { type = "text", class = "administrative" }
record_id = { type = "uuid", nullable = true, class = "administrative" }
changed_columns = { type = "text[]", default = "'{}'", class = "administrative" }
purpose = { type = "text", nullable = true, values = ["care"], class = "administrative" }
occurred_at = { type = "timestamptz", default = "now()", class = "administrative" }
"#;

    fn reads_with(from: &str, to: &str) -> String {
        edited(READS, from, to)
    }

    #[test]
    fn adds_the_read_function_with_the_owner_rule_as_its_condition() {
        let schema = accepts(READS);
        let notes = schema.table("notes").expect("notes");
        assert!(notes.audit_reads);
        assert_eq!(
            notes.readable_columns(),
            Some(vec!["id".to_owned(), "author_id".to_owned()])
        );
        assert!(notes.selects_by_column(Role::Authenticated));
        assert!(
            !notes.selects_by_column(Role::ServiceRole),
            "service_role bypasses row security"
        );
        let function = schema
            .functions
            .iter()
            .find(|f| f.name == "read_notes")
            .expect("read_notes");
        let args: Vec<(&str, String)> = function
            .args
            .iter()
            .map(|a| (a.name.as_str(), a.sql_type.to_string()))
            .collect();
        assert_eq!(args, [("ids", "uuid[]".to_owned()), ("purpose", "text".to_owned())]);
        assert_eq!(function.returns, Returns::SetOf { setof: "notes".into() });
        assert_eq!(function.execute, [Role::Authenticated, Role::ServiceRole]);
        let FunctionBody::AuditedRead(read) = &function.body else {
            panic!("not an audited read: {:?}", function.body);
        };
        assert_eq!(read.phi_columns, ["body"]);
        let owner_select = notes
            .policies
            .iter()
            .find(|p| p.name == "notes_owner_select")
            .and_then(|p| p.using.clone())
            .expect("the owner rule's select policy");
        let rows: Vec<(Role, Option<String>)> = read.readers.iter().map(|r| (r.role, r.rows.clone())).collect();
        assert_eq!(
            rows,
            [
                (Role::Authenticated, Some(format!("(({owner_select}))"))),
                (Role::ServiceRole, None)
            ]
        );
    }

    #[test]
    fn without_a_purpose_column_the_function_takes_ids_only() {
        let schema = accepts(&reads_with(
            "purpose = { type = \"text\", nullable = true, values = [\"care\"], class = \"administrative\" }\n",
            "",
        ));
        let function = schema
            .functions
            .iter()
            .find(|f| f.name == "read_notes")
            .expect("read_notes");
        assert_eq!(function.args.len(), 1);
    }

    #[test]
    fn refuses_audited_reads_without_an_audit_table_phi_or_a_read_action() {
        rejects(
            &reads_with(r#"audit_table = "audit_logs""#, "# no audit table"),
            5,
            Problem::AuditReadsWithoutAuditTable,
        );
        rejects(
            &reads_with(
                r#"body = { type = "text", class = "phi" }"#,
                r#"body = { type = "text", class = "administrative" }"#,
            ),
            5,
            Problem::AuditReadsWithoutPhi { table: "notes".into() },
        );
        rejects(
            &reads_with(
                r#"values = ["insert", "update", "delete", "read"]"#,
                r#"values = ["insert", "update", "delete"]"#,
            ),
            1,
            Problem::AuditTableCannotRecordReads {
                table: "audit_logs".into(),
            },
        );
        let error = load_text(&reads_with(r#"audit_table = "audit_logs""#, "# no audit table")).expect_err("refused");
        assert_eq!(
            error.summary(),
            "schema.toml:5:15: `audit_reads = true` needs an `audit_table` to record the reads in\nhelp: add `audit_table = \"audit_logs\"` at the top of schema.toml and declare that table"
        );
    }

    #[test]
    fn refuses_a_declared_function_of_the_read_functions_name() {
        let text = format!(
            "{READS}\n[functions.read_notes]\nreturns = \"integer\"\nlanguage = \"sql\"\nbody = \"select 1\"\n"
        );
        let error = load_text(&text).expect_err("refused");
        assert_eq!(
            error.problem(),
            &Problem::ReservedName {
                name: "read_notes".into()
            }
        );
    }
}
