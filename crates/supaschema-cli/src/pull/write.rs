//! Stage 3 of `pull`: lay [`Pulled`] out as a `schema.toml` (through `toml_edit`, so every
//! string is quoted as TOML needs), and write it with the lock, each file atomically.

use super::map::{Pulled, PulledColumn, PulledFunction, PulledPolicy, PulledTable};
use crate::DeployError;
use std::path::PathBuf;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Table, Value};

const HEADER: &str = "\
# Pulled from a live database by `supaschema pull`: what it held, as schema.toml says it. The
# lock (supabase/schema.lock.json) records this as deployed, so `cargo build` writes no migration
# until you change something here.
#
# The database cannot say how sensitive a column is: every `class` is a guess, marked
# `# review: guessed`. Check each one (`phi` for anything that identifies or describes a patient)
# and delete the mark. `allow = [...]` opt-outs keep what the database has; reconsider them.
";

/// The text of the pulled `schema.toml`.
pub fn render(pulled: &Pulled) -> String {
    let mut doc = DocumentMut::new();
    if !pulled.extensions.is_empty() {
        doc["extensions"] = Item::Value(strings(&pulled.extensions));
    }
    if let Some(audit) = &pulled.audit_table {
        doc["audit_table"] = toml_edit::value(audit.as_str());
    }
    if pulled.revoke_default_grants {
        doc["revoke_default_grants"] = toml_edit::value(true);
    }
    if !pulled.external.is_empty() {
        let mut external = Table::new();
        external.set_implicit(true);
        for ext in &pulled.external {
            let mut table = Table::new();
            let mut columns = InlineTable::new();
            for (name, sql_type) in &ext.columns {
                columns.insert(name, Value::from(sql_type.as_str()));
            }
            table["columns"] = Item::Value(Value::InlineTable(columns));
            table["primary_key"] = Item::Value(strings(&ext.primary_key));
            if !ext.unique.is_empty() {
                table["unique"] = Item::Value(lists(&ext.unique));
            }
            external[ext.name.as_str()] = Item::Table(table);
        }
        doc["external"] = Item::Table(external);
    }
    if !pulled.functions.is_empty() {
        let mut functions = Table::new();
        functions.set_implicit(true);
        for function in &pulled.functions {
            functions[function.name.as_str()] = Item::Table(function_table(function));
        }
        doc["functions"] = Item::Table(functions);
    }
    if !pulled.enums.is_empty() {
        let mut enums = Table::new();
        enums.set_implicit(true);
        for pulled_enum in &pulled.enums {
            let mut table = Table::new();
            table["values"] = Item::Value(strings(&pulled_enum.values));
            if let Some(comment) = &pulled_enum.comment {
                table["comment"] = toml_edit::value(comment.as_str());
            }
            enums[pulled_enum.name.as_str()] = Item::Table(table);
        }
        doc["enums"] = Item::Table(enums);
    }
    let mut tables = Table::new();
    tables.set_implicit(true);
    for table in &pulled.tables {
        tables[table.name.as_str()] = Item::Table(table_table(table));
    }
    doc["tables"] = Item::Table(tables);
    let body = doc.to_string();
    format!("{HEADER}\n{}", body.trim_start())
}

fn strings(values: &[impl AsRef<str>]) -> Value {
    let mut array = Array::new();
    for value in values {
        array.push(value.as_ref());
    }
    Value::Array(array)
}

fn lists(lists: &[Vec<String>]) -> Value {
    let mut array = Array::new();
    for list in lists {
        array.push(strings(list));
    }
    Value::Array(array)
}

/// An array of inline tables, one per line when there is more than one.
fn inline_tables(items: Vec<InlineTable>) -> Value {
    let many = items.len() > 1;
    let mut array = Array::new();
    for item in items {
        let mut value = Value::InlineTable(item);
        if many {
            value.decor_mut().set_prefix("\n  ");
        }
        array.push_formatted(value);
    }
    if many {
        array.set_trailing("\n");
        array.set_trailing_comma(true);
    }
    Value::Array(array)
}

/// A string as a multi-line literal (`'''…'''`) when it can be one, so a function body reads as
/// written; otherwise as TOML's default quoting.
fn body_value(body: &str) -> Value {
    if !body.contains("'''") && !body.contains('\r') && !body.ends_with('\'') {
        if let Ok(value) = format!("'''\n{body}\n'''").parse::<Value>() {
            return value;
        }
    }
    Value::from(body)
}

fn function_table(function: &PulledFunction) -> Table {
    let mut table = Table::new();
    if let Some(comment) = &function.comment {
        table["comment"] = toml_edit::value(comment.as_str());
    }
    if !function.args.is_empty() {
        let args = function
            .args
            .iter()
            .map(|(name, sql_type, default)| {
                let mut arg = InlineTable::new();
                arg.insert("name", Value::from(name.as_str()));
                arg.insert("type", Value::from(sql_type.as_str()));
                if let Some(default) = default {
                    arg.insert("default", Value::from(default.as_str()));
                }
                arg
            })
            .collect();
        table["args"] = Item::Value(inline_tables(args));
    }
    if function.table.is_empty() {
        table["returns"] = toml_edit::value(function.returns.as_str());
    } else {
        let columns = function
            .table
            .iter()
            .map(|(name, sql_type)| {
                let mut column = InlineTable::new();
                column.insert("name", Value::from(name.as_str()));
                column.insert("type", Value::from(sql_type.as_str()));
                column
            })
            .collect();
        let mut returns = InlineTable::new();
        returns.insert("table", inline_tables(columns));
        table["returns"] = toml_edit::value(returns);
    }
    table["language"] = toml_edit::value(function.language.as_str());
    if function.security_definer {
        table["security"] = toml_edit::value("definer");
    }
    if let Some(volatility) = function.volatility {
        table["volatility"] = toml_edit::value(volatility);
    }
    if !function.execute.is_empty() {
        table["execute"] = Item::Value(strings(&function.execute));
    }
    table["body"] = Item::Value(body_value(&function.body));
    table
}

fn table_table(table: &PulledTable) -> Table {
    let mut out = Table::new();
    if let Some(comment) = &table.comment {
        out["comment"] = toml_edit::value(comment.as_str());
    }
    if let Some(rust_name) = &table.rust_name {
        out["rust_name"] = toml_edit::value(rust_name.as_str());
    }
    if table.rls_off {
        out["rls"] = toml_edit::value(false);
    }
    if table.force_rls {
        out["force_rls"] = toml_edit::value(true);
    }
    if let Some(owner) = &table.owner {
        let mut inline = InlineTable::new();
        match owner {
            super::map::OwnerForm::Column(c, claim) => {
                inline.insert("column", Value::from(c.as_str()));
                if let Some((path, equals)) = claim {
                    let mut claim = InlineTable::new();
                    claim.insert("path", Value::from(path.as_str()));
                    claim.insert("equals", Value::from(equals.as_str()));
                    inline.insert("claim", Value::InlineTable(claim));
                }
            }
            super::map::OwnerForm::Via(c) => {
                inline.insert("via", Value::from(c.as_str()));
            }
            super::map::OwnerForm::Membership(m) => {
                let mut membership = InlineTable::new();
                membership.insert("table", Value::from(m.table.as_str()));
                membership.insert("key", Value::from(m.key.as_str()));
                // Only what differs from the defaults.
                let optional = [
                    ("group", Some(&m.group).filter(|g| **g != m.key)),
                    ("user", Some(&m.user).filter(|u| *u != "user_id")),
                    ("role", m.role.as_ref().filter(|r| *r != "role")),
                ];
                for (key, value) in optional {
                    if let Some(value) = value {
                        membership.insert(key, Value::from(value.as_str()));
                    }
                }
                for (key, roles) in [("write", &m.write), ("delete", &m.delete)] {
                    if let Some(roles) = roles {
                        membership.insert(key, Value::Array(roles.iter().map(|r| r.as_str()).collect()));
                    }
                }
                inline.insert("membership", Value::InlineTable(membership));
            }
        }
        out["owner"] = Item::Value(Value::InlineTable(inline));
    }
    for (flag, key) in [
        (table.updated_at, "updated_at"),
        (table.audit, "audit"),
        (table.audit_reads, "audit_reads"),
        (table.append_only, "append_only"),
        (table.realtime, "realtime"),
    ] {
        if flag {
            out[key] = toml_edit::value(true);
        }
    }
    if let Some(key) = &table.primary_key {
        out["primary_key"] = Item::Value(strings(key));
    }
    if !table.unique.is_empty() {
        out["unique"] = Item::Value(lists(&table.unique));
    }
    if !table.foreign_keys.is_empty() {
        let fks = table
            .foreign_keys
            .iter()
            .map(|fk| {
                let mut inline = InlineTable::new();
                if let Some(name) = &fk.name {
                    inline.insert("name", Value::from(name.as_str()));
                }
                inline.insert("columns", strings(&fk.columns));
                inline.insert("references", Value::from(fk.references.as_str()));
                inline.insert("references_columns", strings(&fk.references_columns));
                if let Some(action) = fk.on_delete {
                    inline.insert("on_delete", delete_action(action, &fk.on_delete_columns));
                }
                if let Some(deferrable) = fk.deferrable {
                    inline.insert("deferrable", Value::from(deferrable));
                }
                if let Some(action) = fk.on_update {
                    inline.insert("on_update", Value::from(action));
                }
                inline
            })
            .collect();
        out["foreign_keys"] = Item::Value(inline_tables(fks));
    }
    if !table.checks.is_empty() {
        let checks = table
            .checks
            .iter()
            .map(|(name, expr)| {
                let mut inline = InlineTable::new();
                inline.insert("name", Value::from(name.as_str()));
                inline.insert("expr", Value::from(expr.as_str()));
                inline
            })
            .collect();
        out["checks"] = Item::Value(inline_tables(checks));
    }
    if !table.exclusions.is_empty() {
        let exclusions = table
            .exclusions
            .iter()
            .map(|x| {
                let mut inline = InlineTable::new();
                inline.insert("name", Value::from(x.name.as_str()));
                if let Some(using) = &x.using {
                    inline.insert("using", Value::from(using.as_str()));
                }
                let elements = x
                    .elements
                    .iter()
                    .map(|(sql, is_column, operator)| {
                        let mut element = InlineTable::new();
                        element.insert(if *is_column { "column" } else { "expr" }, Value::from(sql.as_str()));
                        element.insert("with", Value::from(operator.as_str()));
                        element
                    })
                    .collect();
                inline.insert("elements", inline_tables(elements));
                if let Some(predicate) = &x.predicate {
                    inline.insert("where", Value::from(predicate.as_str()));
                }
                inline
            })
            .collect();
        out["exclusions"] = Item::Value(inline_tables(exclusions));
    }
    if !table.indexes.is_empty() {
        let indexes = table
            .indexes
            .iter()
            .map(|index| {
                let mut inline = InlineTable::new();
                if let Some(name) = &index.name {
                    inline.insert("name", Value::from(name.as_str()));
                }
                if !index.columns.is_empty() {
                    inline.insert("columns", strings(&index.columns));
                }
                if !index.expressions.is_empty() {
                    inline.insert("expressions", strings(&index.expressions));
                }
                if index.unique {
                    inline.insert("unique", Value::from(true));
                }
                if let Some(using) = &index.using {
                    inline.insert("using", Value::from(using.as_str()));
                }
                if !index.include.is_empty() {
                    inline.insert("include", strings(&index.include));
                }
                if let Some(predicate) = &index.predicate {
                    inline.insert("where", Value::from(predicate.as_str()));
                }
                inline
            })
            .collect();
        out["indexes"] = Item::Value(inline_tables(indexes));
    }
    if !table.grants.is_empty() {
        let mut grants = InlineTable::new();
        for (role, privileges) in &table.grants {
            grants.insert(role, strings(privileges));
        }
        out["grants"] = Item::Value(Value::InlineTable(grants));
    }
    if !table.triggers.is_empty() {
        let triggers = table
            .triggers
            .iter()
            .map(|trigger| {
                let mut inline = InlineTable::new();
                inline.insert("name", Value::from(trigger.name.as_str()));
                inline.insert("timing", Value::from(trigger.timing));
                inline.insert("events", strings(&trigger.events));
                if trigger.statement {
                    inline.insert("for_each", Value::from("statement"));
                }
                inline.insert("function", Value::from(trigger.function.as_str()));
                if !trigger.columns.is_empty() {
                    inline.insert("columns", strings(&trigger.columns));
                }
                if let Some(when) = &trigger.when {
                    inline.insert("when", Value::from(when.as_str()));
                }
                inline
            })
            .collect();
        out["triggers"] = Item::Value(inline_tables(triggers));
    }
    let mut columns = Table::new();
    for column in &table.columns {
        columns[column.name.as_str()] = Item::Value(column_value(column));
    }
    out["columns"] = Item::Table(columns);
    if !table.policies.is_empty() {
        let mut policies = ArrayOfTables::new();
        for policy in &table.policies {
            policies.push(policy_table(policy));
        }
        out["policies"] = Item::ArrayOfTables(policies);
    }
    out
}

fn column_value(column: &PulledColumn) -> Value {
    let mut inline = InlineTable::new();
    inline.insert("type", Value::from(column.sql_type.as_str()));
    if column.primary_key {
        inline.insert("primary_key", Value::from(true));
    }
    if column.nullable {
        inline.insert("nullable", Value::from(true));
    }
    if column.unique {
        inline.insert("unique", Value::from(true));
    }
    if let Some(identity) = column.identity {
        inline.insert("identity", Value::from(identity));
    }
    if let Some(default) = &column.default {
        inline.insert("default", Value::from(default.as_str()));
    }
    if let Some(generated) = &column.generated {
        inline.insert("generated", Value::from(generated.as_str()));
    }
    if let Some(values) = &column.values {
        inline.insert("values", strings(values));
    }
    if let Some(reference) = &column.references {
        let mut r = InlineTable::new();
        r.insert("table", Value::from(reference.table.as_str()));
        r.insert("column", Value::from(reference.column.as_str()));
        if let Some(action) = reference.on_delete {
            r.insert("on_delete", delete_action(action, &reference.on_delete_columns));
        }
        if let Some(deferrable) = reference.deferrable {
            r.insert("deferrable", Value::from(deferrable));
        }
        if let Some(action) = reference.on_update {
            r.insert("on_update", Value::from(action));
        }
        inline.insert("references", Value::InlineTable(r));
    }
    if let Some(check) = &column.check {
        inline.insert("check", Value::from(check.as_str()));
    }
    inline.insert("class", Value::from(column.class));
    if !column.allow.is_empty() {
        inline.insert("allow", strings(&column.allow));
    }
    if let Some(comment) = &column.comment {
        inline.insert("comment", Value::from(comment.as_str()));
    }
    let mut value = Value::InlineTable(inline);
    if !column.review.is_empty() {
        let note = column.review.join("; ").replace(['\n', '\r'], " ");
        value.decor_mut().set_suffix(format!(" # review: {note}"));
    }
    value
}

fn policy_table(policy: &PulledPolicy) -> Table {
    let mut table = Table::new();
    table["name"] = toml_edit::value(policy.name.as_str());
    table["command"] = toml_edit::value(policy.command);
    table["roles"] = Item::Value(strings(&policy.roles));
    if policy.restrictive {
        table["restrictive"] = toml_edit::value(true);
    }
    if let Some(using) = &policy.using {
        table["using"] = toml_edit::value(using.as_str());
    }
    if let Some(check) = &policy.with_check {
        table["with_check"] = toml_edit::value(check.as_str());
    }
    table
}

/// A file to write and its new contents.
pub struct Output {
    pub path: PathBuf,
    pub contents: String,
}

/// Writes every file, each through a temporary file renamed into place. If one fails, the files
/// already written get their earlier contents back (or are removed), so a failed pull leaves the
/// project as it was.
pub fn write_all(outputs: &[Output]) -> Result<(), DeployError> {
    let mut done: Vec<(&PathBuf, Option<Vec<u8>>)> = Vec::new();
    for output in outputs {
        let before = std::fs::read(&output.path).ok();
        let file = supaschema_build::PlannedFile {
            path: output.path.clone(),
            contents: output.contents.clone(),
        };
        if let Err(error) = file.write() {
            for (path, previous) in done.into_iter().rev() {
                match previous {
                    Some(bytes) => {
                        let _ = std::fs::write(path, bytes);
                    }
                    None => {
                        let _ = std::fs::remove_file(path);
                    }
                }
            }
            return Err(error.into());
        }
        done.push((&output.path, before));
    }
    Ok(())
}

/// `on_delete`: the action, or `{ set_null = [columns] }` when the database limits it to some
/// of the key's columns.
fn delete_action(action: &str, columns: &[String]) -> Value {
    if columns.is_empty() {
        return Value::from(action);
    }
    let mut limited = InlineTable::new();
    limited.insert(action, strings(columns));
    Value::InlineTable(limited)
}
