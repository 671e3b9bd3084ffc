//! Retention: a row deleted outside the schema's control (a user deleted in Supabase Auth, a
//! row of any other external table) must not take PHI with it. A foreign key to an external
//! table that cascades on delete is refused when the cascade reaches a table holding a `phi`
//! column, directly or through other cascading keys, unless its column opts out with
//! `allow = ["cascade_phi"]`.

use super::{Result, Validator};
use crate::error::Problem;
use crate::model::*;
use crate::read::RawSchema;
use std::collections::{HashMap, VecDeque};
use std::ops::Range;

impl Validator<'_> {
    pub(super) fn phi_outlives_external_deletes(&self, raw: &RawSchema, tables: &[Table]) -> Result<()> {
        let own = |fk: &ForeignKey| fk.target_schema == SCHEMA && tables.iter().any(|t| t.name == fk.target_table);
        for table in tables {
            for fk in &table.foreign_keys {
                if own(fk) || fk.on_delete != ReferentialAction::Cascade {
                    continue;
                }
                let (span, allowed) = self.external_key_source(raw, table, fk);
                if allowed {
                    continue;
                }
                if let Some(path) = cascade_to_phi(tables, &table.name) {
                    return Err(self.error(
                        span,
                        Problem::CascadeErasesPhi {
                            target: format!("{}.{}", fk.target_schema, fk.target_table),
                            path,
                        },
                    ));
                }
            }
        }
        Ok(())
    }

    /// Where `fk` is written (its `on_delete` if given), and whether its column opts out.
    fn external_key_source(&self, raw: &RawSchema, table: &Table, fk: &ForeignKey) -> (Range<usize>, bool) {
        let Some(raw_table) = raw
            .tables
            .iter()
            .find(|(name, _)| name.get_ref() == &table.name)
            .map(|(_, t)| t.get_ref())
        else {
            return (0..0, false);
        };
        if let [column] = fk.columns.as_slice()
            && let Some((_, raw_column)) = raw_table
                .columns
                .get_ref()
                .iter()
                .find(|(name, _)| name.get_ref() == column)
            && let Some(reference) = &raw_column.get_ref().references
        {
            let raw_column = raw_column.get_ref();
            let span = reference
                .get_ref()
                .on_delete
                .as_ref()
                .map_or_else(|| reference.span(), |action| action.span());
            return (span, raw_column.allow.iter().any(|a| a.get_ref() == "cascade_phi"));
        }
        let span = raw_table
            .foreign_keys
            .iter()
            .find(|raw_fk| {
                let columns: Vec<&String> = raw_fk.get_ref().columns.get_ref().iter().map(|c| c.get_ref()).collect();
                columns.iter().copied().eq(fk.columns.iter())
            })
            .map_or(0..0, |raw_fk| {
                raw_fk
                    .get_ref()
                    .on_delete
                    .as_ref()
                    .map_or_else(|| raw_fk.span(), |action| action.span())
            });
        (span, false)
    }
}

/// The tables a delete of rows in `start` cascades through, `start` first, up to the first
/// one holding a PHI column, described for the message; `None` if no PHI is reached.
fn cascade_to_phi(tables: &[Table], start: &str) -> Option<String> {
    let mut came_from: HashMap<&str, &str> = HashMap::from([(start, start)]);
    let mut queue = VecDeque::from([start]);
    while let Some(current) = queue.pop_front() {
        let table = tables.iter().find(|t| t.name == current)?;
        if let Some(phi) = table.columns.iter().find(|c| c.class == Class::Phi) {
            let mut path = vec![current];
            while let Some(&previous) = came_from.get(path[path.len() - 1])
                && previous != path[path.len() - 1]
            {
                path.push(previous);
            }
            path.reverse();
            let path: Vec<String> = path.iter().map(|t| format!("`{t}`")).collect();
            return Some(format!("to {} (PHI column `{}`)", path.join(" → "), phi.name));
        }
        for child in tables {
            let cascades_here = child.foreign_keys.iter().any(|fk| {
                fk.target_schema == SCHEMA && fk.target_table == current && fk.on_delete == ReferentialAction::Cascade
            });
            if cascades_here && !came_from.contains_key(child.name.as_str()) {
                came_from.insert(&child.name, current);
                queue.push_back(&child.name);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, rejects};
    use crate::error::Problem;

    const USERS: &str = "[external.\"auth.users\"]\ncolumns = { id = \"uuid\" }\nprimary_key = [\"id\"]\n";

    /// `folders` (owned by a user, no PHI) and `notes` (PHI) under it; `folder_fk` and
    /// `user_fk` are the two keys' `on_delete`.
    fn schema(user_fk: &str, folder_fk: &str) -> String {
        format!(
            r#"{USERS}
[tables.folders]
owner = {{ column = "user_id" }}
indexes = [{{ columns = ["user_id"] }}]

[tables.folders.columns]
id = {{ type = "uuid", primary_key = true, class = "administrative" }}
user_id = {{ type = "uuid", references = {{ table = "auth.users", column = "id", on_delete = "{user_fk}" }}, class = "administrative" }}

[tables.notes]
owner = {{ via = "folder_id" }}
indexes = [{{ columns = ["folder_id"] }}]

[tables.notes.columns]
id = {{ type = "uuid", primary_key = true, class = "administrative" }}
folder_id = {{ type = "uuid", references = {{ table = "folders", column = "id", on_delete = "{folder_fk}" }}, class = "administrative" }}
body = {{ type = "text", class = "phi" }}
"#
        )
    }

    #[test]
    fn refuses_a_user_delete_that_cascades_into_phi() {
        rejects(
            &schema("cascade", "cascade"),
            11,
            Problem::CascadeErasesPhi {
                target: "auth.users".into(),
                path: "to `folders` → `notes` (PHI column `body`)".into(),
            },
        );
    }

    #[test]
    fn accepts_restrict_a_cascade_that_stops_before_phi_and_the_opt_out() {
        accepts(&schema("restrict", "cascade"));
        accepts(&schema("no_action", "cascade"));
        accepts(&schema("cascade", "restrict"));
        accepts(&schema("set_null", "cascade").replace(
            "\"set_null\" }, class = \"administrative\" }",
            "\"set_null\" }, nullable = true, class = \"administrative\" }",
        ));
        accepts(&schema("cascade", "cascade").replace(
            "\"cascade\" }, class = \"administrative\" }\n\n[tables.notes]",
            "\"cascade\" }, class = \"administrative\", allow = [\"cascade_phi\"] }\n\n[tables.notes]",
        ));
    }

    #[test]
    fn refuses_a_phi_table_cascading_from_the_user_itself() {
        let text = format!(
            r#"{USERS}
[tables.notes]
owner = {{ column = "user_id" }}
indexes = [{{ columns = ["user_id"] }}]

[tables.notes.columns]
id = {{ type = "uuid", primary_key = true, class = "administrative" }}
user_id = {{ type = "uuid", references = {{ table = "auth.users", column = "id", on_delete = "cascade" }}, class = "administrative" }}
body = {{ type = "text", class = "phi" }}
"#
        );
        rejects(
            &text,
            11,
            Problem::CascadeErasesPhi {
                target: "auth.users".into(),
                path: "to `notes` (PHI column `body`)".into(),
            },
        );
    }
}
