//! Between mapping and writing: the generator's rules are stricter than PostgreSQL (a policy
//! must call `(select auth.uid())`, every foreign key needs an index, one permissive policy per
//! role and command, safe identifiers, …). When the generator refuses the pulled file, the
//! object its error points at is set aside as [`LeftOut`] with the generator's reason, or, for a
//! guessed class, the guess is changed, and the file is rendered again.

use super::map::{LeftOut, Pulled, PulledTable};
use supaschema_build::{Problem, SchemaError};

/// Where in the rendered file an error points.
#[derive(Debug, PartialEq, Eq)]
enum Spot {
    Policy {
        table: String,
        name: String,
    },
    Column {
        table: String,
        column: String,
    },
    /// A key of `[tables.<table>]`, and which element of its array (0 for a single value).
    TableKey {
        table: String,
        key: String,
        index: usize,
    },
    Table {
        table: String,
    },
    Function {
        name: String,
    },
    Elsewhere,
}

/// Sets aside (or, for a guessed class, changes) what `error` is about. Returns `false` when
/// the error points at nothing that can be set aside, so the pull must stop with it.
pub fn set_aside(pulled: &mut Pulled, text: &str, error: &SchemaError) -> bool {
    let reason = format!("schema.toml's rules refuse it: {}", error.problem());
    // Problems that name their object, whatever the span.
    match error.problem() {
        Problem::PhiWithoutRls { table, column } | Problem::PhiWithoutPolicy { table, column }
            if downgrade(pulled, table, Some(column)) =>
        {
            return true;
        }
        Problem::PhiForAnon { table, .. } if downgrade(pulled, table, None) => return true,
        Problem::MultiplePermissive { second, .. } => {
            if let Spot::Policy { table, .. } | Spot::Table { table } | Spot::TableKey { table, .. } =
                locate(text, error.line())
            {
                if remove_policy(pulled, &table, second, &reason) {
                    return true;
                }
            }
        }
        _ => {}
    }
    match locate(text, error.line()) {
        Spot::Policy { table, name } => remove_policy(pulled, &table, &name, &reason),
        Spot::Function { name } => {
            let Some(at) = pulled.functions.iter().position(|f| f.name == name) else {
                return false;
            };
            pulled.functions.remove(at);
            leave(pulled, format!("function {name}"), reason);
            // Its triggers go with it.
            let mut gone = Vec::new();
            for table in &mut pulled.tables {
                let t = table.name.clone();
                table.triggers.retain(|trigger| {
                    let calls = trigger.function == name;
                    if calls {
                        gone.push(format!("trigger {t}.{}", trigger.name));
                    }
                    !calls
                });
            }
            for object in gone {
                leave(pulled, object, format!("it calls `{name}`, which is left out"));
            }
            true
        }
        Spot::Column { table, column } => column_problem(pulled, &table, &column, error, reason),
        Spot::TableKey { table, key, index } => table_key(pulled, &table, &key, index, error, reason),
        Spot::Table { table } => table_problem(pulled, &table, error, reason),
        Spot::Elsewhere => false,
    }
}

fn leave(pulled: &mut Pulled, object: String, reason: String) {
    pulled.left_out.push(LeftOut { object, reason });
}

fn table_mut<'a>(pulled: &'a mut Pulled, name: &str) -> Option<&'a mut PulledTable> {
    pulled.tables.iter_mut().find(|t| t.name == name)
}

/// A guessed `phi` the table cannot hold becomes `administrative`, still marked as a guess.
fn downgrade(pulled: &mut Pulled, table: &str, column: Option<&str>) -> bool {
    let Some(table) = table_mut(pulled, table) else {
        return false;
    };
    let mut changed = false;
    for c in table
        .columns
        .iter_mut()
        .filter(|c| c.class == "phi" && column.is_none_or(|name| c.name == name))
    {
        c.class = "administrative";
        if let Some(first) = c.review.first_mut() {
            *first = "guessed class: the name suggests PHI, but the table is not protected as PHI must be \
                      (row level security with policies, none for anon)"
                .to_owned();
        }
        changed = true;
    }
    changed
}

fn remove_policy(pulled: &mut Pulled, table: &str, name: &str, reason: &str) -> bool {
    if name.starts_with(&format!("{table}_owner_")) && pulled.without_owner_form(table) {
        // The owner rule in its general form: its policies are then judged one by one.
        return true;
    }
    let Some(t) = table_mut(pulled, table) else {
        return false;
    };
    let Some(at) = t.policies.iter().position(|p| p.name == name) else {
        return false;
    };
    t.policies.remove(at);
    leave(pulled, format!("policy {table}.{name}"), reason.to_owned());
    true
}

fn column_problem(pulled: &mut Pulled, table: &str, column: &str, error: &SchemaError, reason: String) -> bool {
    let Some(t) = table_mut(pulled, table) else {
        return false;
    };
    let Some(at) = t.columns.iter().position(|c| c.name == column) else {
        return false;
    };
    let about_reference = matches!(
        error.problem(),
        Problem::UnindexedForeignKey { .. }
            | Problem::CascadeErasesPhi { .. }
            | Problem::UnknownTable { .. }
            | Problem::ReferenceTypeMismatch { .. }
            | Problem::ReferenceNotKey { .. }
    );
    if about_reference && t.columns[at].references.take().is_some() {
        let object = format!("constraint {table}.{table}_{column}_fkey");
        leave(pulled, object, reason);
        return true;
    }
    if matches!(
        error.problem(),
        Problem::RustFieldName { .. } | Problem::DuplicateRustName { .. }
    ) {
        return false;
    }
    if t.columns[at].primary_key {
        return table_problem(pulled, table, error, reason);
    }
    t.columns.remove(at);
    leave(pulled, format!("column {table}.{column}"), reason);
    true
}

fn table_key(pulled: &mut Pulled, table: &str, key: &str, index: usize, error: &SchemaError, reason: String) -> bool {
    let Some(t) = table_mut(pulled, table) else {
        return false;
    };
    let object = match key {
        "foreign_keys" if index < t.foreign_keys.len() => {
            let fk = t.foreign_keys.remove(index);
            let name = fk
                .name
                .unwrap_or_else(|| format!("{table}_{}_fkey", fk.columns.join("_")));
            format!("constraint {table}.{name}")
        }
        "indexes" if index < t.indexes.len() => {
            let ix = t.indexes.remove(index);
            let name = ix
                .name
                .unwrap_or_else(|| format!("{table}_{}_idx", ix.columns.join("_")));
            format!("index {table}.{name}")
        }
        "checks" if index < t.checks.len() => format!("constraint {table}.{}", t.checks.remove(index).0),
        "triggers" if index < t.triggers.len() => format!("trigger {table}.{}", t.triggers.remove(index).name),
        "exclusions" if !t.exclusions.is_empty() => {
            // Exclusions span several lines; the error names the first that fails.
            format!("constraint {table}.{}", t.exclusions.remove(0).name)
        }
        "unique" if !t.unique.is_empty() => {
            let columns = t.unique.remove(index.min(t.unique.len() - 1));
            format!("constraint {table}.{table}_{}_key", columns.join("_"))
        }
        "owner" if t.owner.is_some() => return pulled.without_owner_form(table),
        "rust_name" => return false,
        _ => return table_problem(pulled, table, error, reason),
    };
    leave(pulled, object, reason);
    true
}

/// The table as a whole: a struct name the generated code cannot use gets another; otherwise
/// the table is left out, with what referenced it.
fn table_problem(pulled: &mut Pulled, table: &str, error: &SchemaError, reason: String) -> bool {
    if let Problem::RustTypeName { .. } = error.problem()
        && let Some(t) = table_mut(pulled, table)
        && t.rust_name.is_none()
    {
        let camel: String = table
            .split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut chars = w.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        t.rust_name = Some(format!("{camel}Row"));
        return true;
    }
    let Some(at) = pulled.tables.iter().position(|t| t.name == table) else {
        return false;
    };
    pulled.tables.remove(at);
    leave(pulled, format!("table {table}"), reason);
    // References to it from the other tables cannot stay.
    let mut gone = Vec::new();
    for other in &mut pulled.tables {
        let o = other.name.clone();
        other.foreign_keys.retain(|fk| {
            let keep = fk.references != table;
            if !keep {
                gone.push(format!(
                    "constraint {o}.{}",
                    fk.name
                        .clone()
                        .unwrap_or_else(|| format!("{o}_{}_fkey", fk.columns.join("_")))
                ));
            }
            keep
        });
        for column in &mut other.columns {
            if column.references.as_ref().is_some_and(|r| r.table == table) {
                column.references = None;
                gone.push(format!("constraint {o}.{o}_{}_fkey", column.name));
            }
        }
    }
    for object in gone {
        leave(pulled, object, format!("it references `{table}`, which is left out"));
    }
    true
}

/// Finds what line `line` (1-based) of the rendered file belongs to.
fn locate(text: &str, line: usize) -> Spot {
    let lines: Vec<&str> = text.lines().collect();
    let Some(at) = line.checked_sub(1).filter(|&i| i < lines.len()) else {
        return Spot::Elsewhere;
    };
    let Some(header_at) = (0..=at).rev().find(|&i| lines[i].starts_with('[')) else {
        return Spot::Elsewhere;
    };
    let header = lines[header_at];
    if let Some(table) = header
        .strip_prefix("[[tables.")
        .and_then(|h| h.strip_suffix(".policies]]"))
    {
        let end = (header_at + 1..lines.len())
            .find(|&i| lines[i].starts_with('['))
            .unwrap_or(lines.len());
        let name = lines[header_at + 1..end]
            .iter()
            .find_map(|l| l.strip_prefix("name = "))
            .map(unquote)
            .unwrap_or_default();
        return Spot::Policy {
            table: unquote(table),
            name,
        };
    }
    if let Some(table) = header
        .strip_prefix("[tables.")
        .and_then(|h| h.strip_suffix(".columns]"))
    {
        let table = unquote(table);
        if at == header_at {
            return Spot::Table { table };
        }
        let column = lines[at].split(" = ").next().map(unquote).unwrap_or_default();
        return Spot::Column { table, column };
    }
    if let Some(table) = header.strip_prefix("[tables.").and_then(|h| h.strip_suffix(']')) {
        let table = unquote(table);
        if at == header_at {
            return Spot::Table { table };
        }
        let Some(key_at) = (header_at + 1..=at)
            .rev()
            .find(|&i| !lines[i].starts_with(' ') && !lines[i].starts_with(']'))
        else {
            return Spot::Table { table };
        };
        let key = lines[key_at].split(" = ").next().unwrap_or_default().to_owned();
        let index = (key_at + 1..=at)
            .filter(|&i| lines[i].starts_with("  {"))
            .count()
            .saturating_sub(1);
        return Spot::TableKey { table, key, index };
    }
    if let Some(name) = header.strip_prefix("[functions.").and_then(|h| h.strip_suffix(']')) {
        return Spot::Function { name: unquote(name) };
    }
    Spot::Elsewhere
}

/// A TOML key or string as written by the writer: bare, or in double quotes.
fn unquote(text: &str) -> String {
    let text = text.trim();
    text.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text)
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"[functions.f]
returns = "void"

[tables.t]
owner = { column = "user_id" }
indexes = [
  { columns = ["a"] },
  { columns = ["b"] },
]

[tables.t.columns]
id = { type = "uuid", class = "public" }

[[tables.t.policies]]
name = "t_read"
command = "select"
"#;

    #[test]
    fn finds_the_object_a_line_belongs_to() {
        assert_eq!(locate(TEXT, 2), Spot::Function { name: "f".into() });
        assert_eq!(
            locate(TEXT, 5),
            Spot::TableKey {
                table: "t".into(),
                key: "owner".into(),
                index: 0
            }
        );
        assert_eq!(
            locate(TEXT, 8),
            Spot::TableKey {
                table: "t".into(),
                key: "indexes".into(),
                index: 1
            }
        );
        assert_eq!(
            locate(TEXT, 12),
            Spot::Column {
                table: "t".into(),
                column: "id".into()
            }
        );
        assert_eq!(
            locate(TEXT, 16),
            Spot::Policy {
                table: "t".into(),
                name: "t_read".into()
            }
        );
        assert_eq!(locate(TEXT, 100), Spot::Elsewhere);
    }
}
