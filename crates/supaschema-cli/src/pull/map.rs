//! Stage 2 of `pull`: decide what `schema.toml` says about each object the database holds. The
//! short forms are used where the database holds exactly what they stand for (value sets, the
//! owner rule, the `updated_at`, audit and append-only triggers, default names); everything else
//! is written in the general form, and what the format cannot say is set aside as [`LeftOut`]
//! with the reason, never dropped silently.

use super::introspect::{Live, LiveColumn, LiveConstraint, LiveFunction, LiveTable};
use std::collections::{BTreeMap, BTreeSet};
use supaschema_build::model::{Builtin, SCHEMA};
use supaschema_build::{Renderer, SqlType, quote_identifier};

/// What the pulled `schema.toml` holds, section by section, in the order it is written.
#[derive(Clone, Debug, Default)]
pub struct Pulled {
    pub extensions: Vec<String>,
    pub revoke_default_grants: bool,
    pub audit_table: Option<String>,
    pub external: Vec<PulledExternal>,
    pub functions: Vec<PulledFunction>,
    pub enums: Vec<PulledEnum>,
    pub tables: Vec<PulledTable>,
    pub left_out: Vec<LeftOut>,
}

/// An enum type, as `[enums.<name>]` says it.
#[derive(Clone, Debug, Default)]
pub struct PulledEnum {
    pub name: String,
    pub values: Vec<String>,
    pub comment: Option<String>,
}

/// Something the database holds that the pulled file does not say, or says differently.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeftOut {
    /// `table t`, `column t.c`, `constraint t.c`, `index t.i`, `policy t.p`, `trigger t.n`,
    /// `function f`, `view v`, …: the spelling `drift` uses for the same object.
    pub object: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct PulledExternal {
    /// `schema.table`.
    pub name: String,
    pub columns: Vec<(String, String)>,
    pub primary_key: Vec<String>,
    pub unique: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledFunction {
    /// `name`, or `schema.name` outside `public`.
    pub name: String,
    pub comment: Option<String>,
    /// `(name, type, default)`.
    pub args: Vec<(String, String, Option<String>)>,
    /// `void`, `trigger`, a type or `setof <table>`; `returns table (…)` is in `table`.
    pub returns: String,
    /// The `(name, type)` columns of `returns table (…)`.
    pub table: Vec<(String, String)>,
    pub language: String,
    pub security_definer: bool,
    /// `immutable` or `stable`; volatile is the default.
    pub volatility: Option<&'static str>,
    pub execute: Vec<String>,
    pub body: String,
}

#[derive(Clone, Debug, Default)]
pub struct PulledTable {
    pub name: String,
    /// The row struct's name, where the one made from the table's name cannot be used.
    pub rust_name: Option<String>,
    pub comment: Option<String>,
    /// `rls = false` when row level security is off.
    pub rls_off: bool,
    pub force_rls: bool,
    pub realtime: bool,
    pub owner: Option<OwnerForm>,
    pub updated_at: bool,
    pub audit: bool,
    /// `audit_reads = true`: the table's read function was generated for it.
    pub audit_reads: bool,
    pub append_only: bool,
    /// A composite primary key; a single one is marked on its column.
    pub primary_key: Option<Vec<String>>,
    pub unique: Vec<Vec<String>>,
    pub foreign_keys: Vec<PulledForeignKey>,
    pub checks: Vec<(String, String)>,
    pub exclusions: Vec<PulledExclusion>,
    pub indexes: Vec<PulledIndex>,
    /// Explicit grants, only for roles whose privileges differ from what the policies imply.
    pub grants: Vec<(String, Vec<String>)>,
    pub triggers: Vec<PulledTrigger>,
    pub columns: Vec<PulledColumn>,
    pub policies: Vec<PulledPolicy>,
    /// The owner policies in the general form, for when the short form turns out not to match.
    pub owner_policies: Vec<PulledPolicy>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OwnerForm {
    /// The owner column, and the claim the rule requires: (dotted path, value).
    Column(String, Option<(String, String)>),
    Via(String),
    Membership(PulledMembership),
}

/// `owner = { membership = {...} }` as read back: the lookup's columns from its body, the roles
/// from the policies' calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PulledMembership {
    pub table: String,
    pub key: String,
    pub group: String,
    pub user: String,
    pub role: Option<String>,
    pub write: Option<Vec<String>>,
    pub delete: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledColumn {
    pub name: String,
    pub sql_type: String,
    pub nullable: bool,
    pub default: Option<String>,
    /// The expression of a generated column.
    pub generated: Option<String>,
    pub primary_key: bool,
    pub unique: bool,
    pub identity: Option<&'static str>,
    pub references: Option<PulledReference>,
    pub values: Option<Vec<String>>,
    pub check: Option<String>,
    pub class: &'static str,
    pub comment: Option<String>,
    pub allow: Vec<&'static str>,
    /// The `# review:` note written after the column: why its class is a guess, and any opt-out
    /// added to keep what the database has.
    pub review: Vec<String>,
    /// Why the database's default is not written, when it is not.
    pub dropped_default: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledReference {
    pub table: String,
    pub column: String,
    pub on_delete: Option<&'static str>,
    /// The columns `on_delete`'s `set_null` / `set_default` is limited to.
    pub on_delete_columns: Vec<String>,
    pub on_update: Option<&'static str>,
    pub deferrable: Option<&'static str>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub references: String,
    pub references_columns: Vec<String>,
    pub on_delete: Option<&'static str>,
    /// The columns `on_delete`'s `set_null` / `set_default` is limited to.
    pub on_delete_columns: Vec<String>,
    pub on_update: Option<&'static str>,
    pub deferrable: Option<&'static str>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledExclusion {
    pub name: String,
    pub using: Option<String>,
    /// `(column or expression, is a column, operator)`.
    pub elements: Vec<(String, bool, String)>,
    pub predicate: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledIndex {
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// Indexed after the columns, as the server prints them.
    pub expressions: Vec<String>,
    pub unique: bool,
    pub using: Option<String>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledPolicy {
    pub name: String,
    pub command: &'static str,
    pub roles: Vec<String>,
    pub restrictive: bool,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct PulledTrigger {
    pub name: String,
    pub timing: &'static str,
    pub events: Vec<&'static str>,
    pub statement: bool,
    pub function: String,
    pub columns: Vec<String>,
    pub when: Option<String>,
}

/// Extensions every Supabase project has before its first migration: never part of a schema.
const PREINSTALLED: &[&str] = &[
    "plpgsql",
    "pgcrypto",
    "uuid-ossp",
    "pg_stat_statements",
    "pg_graphql",
    "supabase_vault",
    "pgsodium",
    "pgjwt",
];

const API_ROLES: [&str; 4] = ["anon", "authenticated", "service_role", "backend"];

/// Maps what the database holds onto `schema.toml`'s vocabulary. `renderer` renders the
/// generator's own trigger functions, so that only a function whose body is exactly one of them
/// is taken for it.
pub fn map(live: &Live, renderer: &Renderer) -> Pulled {
    let mut pulled = Pulled {
        revoke_default_grants: live.revokes_default_grants,
        ..Pulled::default()
    };
    let left_out = &mut pulled.left_out;
    let mut leave = |object: String, reason: String| left_out.push(LeftOut { object, reason });

    for (object, reason) in &live.other_objects {
        leave(object.clone(), reason.clone());
    }
    for live_enum in &live.enums {
        if supaschema_build::quote_identifier(&live_enum.name) == live_enum.name {
            pulled.enums.push(PulledEnum {
                name: live_enum.name.clone(),
                values: live_enum.values.clone(),
                comment: live_enum.comment.clone(),
            });
        } else {
            leave(
                format!("enum type {}", live_enum.name),
                "its name is not a plain lower-case identifier, which schema.toml names types by".to_owned(),
            );
        }
    }
    let enum_names: BTreeSet<&str> = pulled.enums.iter().map(|e| e.name.as_str()).collect();
    for (name, schema) in &live.extensions {
        if PREINSTALLED.contains(&name.as_str()) || schema == "pg_catalog" {
            continue;
        }
        if schema == "extensions" {
            pulled.extensions.push(name.clone());
        } else {
            leave(
                format!("extension {name}"),
                format!("installed in schema `{schema}`; schema.toml installs extensions into `extensions` only"),
            );
        }
    }
    let table_names: BTreeSet<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();

    let builtin_body = |builtin: Builtin, audit_table: &str| -> Option<String> {
        let context = serde_json::json!({ "audit_table": audit_table });
        renderer
            .render_value(&builtin.template(), &context)
            .ok()
            .map(|b| b.trim().to_owned())
    };
    let function = |name: &str| live.functions.iter().find(|f| f.name == name && f.args.is_empty());
    let is_builtin = |name: &str, builtin: Builtin, audit_table: &str| {
        function(name).is_some_and(|f| {
            f.returns == "trigger"
                && f.language == "plpgsql"
                && builtin_body(builtin, audit_table).as_deref() == Some(f.body.trim())
        })
    };
    // The audit table is the one the audit function's body writes to.
    let audit_table = live
        .tables
        .iter()
        .map(|t| t.name.clone())
        .find(|t| is_builtin(Builtin::AuditRowChange.function_name(), Builtin::AuditRowChange, t));
    let set_updated_at = is_builtin(Builtin::SetUpdatedAt.function_name(), Builtin::SetUpdatedAt, "");
    let reject_change = is_builtin(Builtin::RejectChange.function_name(), Builtin::RejectChange, "");

    // Tables first, so the functions the short forms stand for are known; then the functions,
    // and the general triggers may only call what the file declares.
    let mut declared: BTreeSet<String> = BTreeSet::new();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut builtins_used: BTreeSet<&'static str> = BTreeSet::new();
    let mut tables = Vec::new();
    for table in &live.tables {
        let mapped = map_table(
            live,
            table,
            (&table_names, &enum_names),
            audit_table.as_deref(),
            (set_updated_at, reject_change),
            &mut builtins_used,
            &mut leave,
        );
        if let Some(mapped) = mapped {
            tables.push(mapped);
        }
    }
    // The read functions of tables with audited reads stand for `audit_reads = true`.
    let read_functions: BTreeSet<String> = tables
        .iter()
        .filter(|t| t.audit_reads)
        .map(|t| format!("read_{}", t.name))
        .collect();
    for f in &live.functions {
        let object = format!("function {}", f.name);
        if builtins_used.contains(f.name.as_str()) || read_functions.contains(&f.name) {
            continue;
        }
        if !seen.insert(f.name.as_str()) {
            leave(
                object,
                format!(
                    "`{}` is a second function of that name; schema.toml holds one",
                    f.identity
                ),
            );
            continue;
        }
        match map_function(f) {
            Ok((function, notes)) => {
                for note in notes {
                    leave(object.clone(), note);
                }
                declared.insert(function.name.clone());
                pulled.functions.push(function);
            }
            Err(reason) => leave(object, reason),
        }
    }
    // A general trigger must call a declared function.
    for table in &mut tables {
        let name = table.name.clone();
        table.triggers.retain(|trigger| {
            let ok = declared.contains(&trigger.function);
            if !ok {
                leave(
                    format!("trigger {name}.{}", trigger.name),
                    format!("it calls `{}`, which schema.toml cannot declare", trigger.function),
                );
            }
            ok
        });
    }
    pulled.audit_table = audit_table.filter(|_| tables.iter().any(|t| t.audit));
    for (name, external) in &live.external {
        let referenced: Vec<&PulledTable> = tables.iter().collect();
        pulled.external.push(map_external(name, external, &referenced));
    }
    guess_classes(&mut tables);
    for (table, live_table) in tables.iter_mut().filter_map(|t| {
        let live_table = live.tables.iter().find(|l| l.name == t.name)?;
        Some((t, live_table.audited_reads.as_ref()?))
    }) {
        // The columns the API roles may not select are the PHI, exactly.
        for column in &mut table.columns {
            let (class, note) = match live_table.contains(&column.name) {
                true => ("phi", "class from audited reads: the API roles may not select it"),
                false if column.class == "phi" => ("administrative", "guessed class"),
                false => continue,
            };
            column.class = class;
            column.review.retain(|r| !r.starts_with("guessed class"));
            column.review.insert(0, note.to_owned());
        }
    }
    pulled.tables = tables;
    pulled
}

fn map_external(name: &str, external: &super::introspect::LiveExternal, tables: &[&PulledTable]) -> PulledExternal {
    // The columns foreign keys reference, and the key columns, in table order.
    let mut wanted: BTreeSet<String> = external.primary_key.iter().cloned().collect();
    let mut keys: Vec<Vec<String>> = Vec::new();
    for table in tables {
        let references = table
            .foreign_keys
            .iter()
            .filter(|fk| fk.references == name)
            .map(|fk| fk.references_columns.clone())
            .chain(
                table
                    .columns
                    .iter()
                    .filter_map(|c| c.references.as_ref())
                    .filter(|r| r.table == name)
                    .map(|r| vec![r.column.clone()]),
            );
        for columns in references {
            wanted.extend(columns.iter().cloned());
            if columns != external.primary_key && !keys.contains(&columns) {
                keys.push(columns);
            }
        }
    }
    let (primary_key, unique) = if external.primary_key.is_empty() {
        let mut keys = keys.into_iter();
        (keys.next().unwrap_or_default(), keys.collect())
    } else {
        (external.primary_key.clone(), keys)
    };
    PulledExternal {
        name: name.to_owned(),
        columns: external
            .columns
            .iter()
            .filter(|(c, _)| wanted.contains(c))
            .map(|(c, t)| (c.clone(), canonical_type(t).unwrap_or_else(|| t.clone())))
            .collect(),
        primary_key,
        unique,
    }
}

/// The type as `schema.toml` spells it, when the format knows it.
fn canonical_type(data_type: &str) -> Option<String> {
    SqlType::parse(data_type).ok().map(|t| t.to_string())
}

fn action(code: char) -> Option<&'static str> {
    match code {
        'r' => Some("restrict"),
        'c' => Some("cascade"),
        'n' => Some("set_null"),
        'd' => Some("set_default"),
        _ => None,
    }
}

fn command(code: char) -> &'static str {
    match code {
        'r' => "select",
        'a' => "insert",
        'w' => "update",
        'd' => "delete",
        _ => "all",
    }
}

/// The values of a check written as `"col" in ('a', 'b')`, as the server prints it back:
/// `(col = ANY (ARRAY['a'::text, 'b'::text]))`.
fn value_set(expr: &str, column: &str) -> Option<Vec<String>> {
    let inner = expr.strip_prefix('(')?.strip_suffix(')')?;
    let rest = inner
        .strip_prefix(&format!("{} = ANY (ARRAY[", quote_identifier(column)))
        .or_else(|| inner.strip_prefix(&format!("{column} = ANY (ARRAY[")))?;
    let list = rest.strip_suffix("])")?;
    let mut values = Vec::new();
    for item in list.split(", ") {
        let literal = item.strip_suffix("::text")?;
        let value = literal.strip_prefix('\'')?.strip_suffix('\'')?;
        let usable = !value.is_empty()
            && value.len() <= 63
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '))
            && value.chars().any(|c| c.is_ascii_alphanumeric());
        if !usable || values.iter().any(|v| v == value) {
            return None;
        }
        values.push(value.to_owned());
    }
    // Two values giving one Rust variant would be refused; keep such a check general.
    let mut variants = BTreeSet::new();
    for value in &values {
        let variant: String = value
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_lowercase())
            .collect::<Vec<_>>()
            .join("_");
        if !variants.insert(variant) {
            return None;
        }
    }
    (!values.is_empty()).then_some(values)
}

/// Removes one pair of parentheses around the whole expression, as the server adds them.
pub fn unwrap_parens(expr: &str) -> String {
    let trimmed = expr.trim();
    let Some(inner) = trimmed.strip_prefix('(').and_then(|s| s.strip_suffix(')')) else {
        return trimmed.to_owned();
    };
    // `( SELECT …)` is a scalar subquery: its parentheses belong to it.
    if inner
        .trim_start()
        .get(..6)
        .is_some_and(|w| w.eq_ignore_ascii_case("select"))
    {
        return trimmed.to_owned();
    }
    let mut depth = 0i32;
    let mut quoted: Option<char> = None;
    for c in inner.chars() {
        match quoted {
            Some(q) if c == q => quoted = None,
            Some(_) => {}
            None => match c {
                '\'' | '"' => quoted = Some(c),
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth < 0 {
                        return trimmed.to_owned();
                    }
                }
                _ => {}
            },
        }
    }
    if depth == 0 && quoted.is_none() {
        inner.to_owned()
    } else {
        trimmed.to_owned()
    }
}

#[allow(clippy::too_many_lines)]
fn map_table(
    live: &Live,
    table: &LiveTable,
    (table_names, enum_names): (&BTreeSet<&str>, &BTreeSet<&str>),
    audit_table: Option<&str>,
    (set_updated_at, reject_change): (bool, bool),
    builtins_used: &mut BTreeSet<&'static str>,
    leave: &mut impl FnMut(String, String),
) -> Option<PulledTable> {
    let t = table.name.as_str();
    let Some(primary) = table.constraints.iter().find(|c| c.kind == 'p') else {
        leave(
            format!("table {t}"),
            "it has no primary key, which schema.toml requires".to_owned(),
        );
        return None;
    };
    let mut out = PulledTable {
        name: t.to_owned(),
        comment: table.comment.clone(),
        rls_off: !table.rls_enabled,
        force_rls: table.rls_forced,
        realtime: table.realtime,
        audit_reads: table.audited_reads.is_some(),
        ..PulledTable::default()
    };
    // Columns.
    let mut dropped: BTreeSet<String> = BTreeSet::new();
    for column in &table.columns {
        match map_column(column, enum_names) {
            Ok(mapped) => {
                if let Some(reason) = &mapped.dropped_default {
                    leave(format!("column {t}.{}", column.name), reason.clone());
                }
                out.columns.push(mapped);
            }
            Err(reason) => {
                leave(format!("column {t}.{}", column.name), reason);
                dropped.insert(column.name.clone());
            }
        }
    }
    if out.columns.is_empty() {
        leave(format!("table {t}"), "none of its columns can be described".to_owned());
        return None;
    }
    let uses_dropped = |columns: &[String]| columns.iter().any(|c| dropped.contains(c));
    let differs = |c: &LiveConstraint, leave: &mut dyn FnMut(String, String)| {
        let object = format!("constraint {t}.{}", c.name);
        // A foreign key says it is deferrable; other constraints cannot.
        if c.deferrable && c.kind != 'f' {
            leave(object.clone(), "it is deferrable; pulled as not deferrable".to_owned());
        }
        if !c.validated {
            leave(object.clone(), "it is NOT VALID; pulled as validated".to_owned());
        }
        if c.no_inherit && c.kind == 'c' {
            leave(object, "it is NO INHERIT; pulled without".to_owned());
        }
    };

    // Primary key.
    if uses_dropped(&primary.columns) {
        leave(
            format!("table {t}"),
            "its primary key uses a column that cannot be described".to_owned(),
        );
        return None;
    }
    if primary.name != format!("{t}_pkey") {
        leave(
            format!("constraint {t}.{}", primary.name),
            format!("the primary key is pulled under the name schema.toml gives it, `{t}_pkey`"),
        );
    }
    differs(primary, leave);
    if let [single] = primary.columns.as_slice() {
        if let Some(c) = out.columns.iter_mut().find(|c| &c.name == single) {
            c.primary_key = true;
            c.nullable = false;
            if c.sql_type != "uuid" {
                c.allow.push("non_uuid_key");
                c.review
                    .push("allow non_uuid_key: the key is not a uuid in the database".to_owned());
            }
        }
    } else {
        out.primary_key = Some(primary.columns.clone());
    }

    // Unique constraints, checks, foreign keys, exclusions.
    for c in &table.constraints {
        let object = format!("constraint {t}.{}", c.name);
        if c.kind != 'p' && uses_dropped(&c.columns) {
            leave(object, "it uses a column that cannot be described".to_owned());
            continue;
        }
        match c.kind {
            'u' => {
                let default = format!("{t}_{}_key", c.columns.join("_"));
                if c.name != default {
                    leave(
                        object,
                        format!("the unique constraint is pulled under the name schema.toml gives it, `{default}`"),
                    );
                }
                differs(c, leave);
                match c.columns.as_slice() {
                    [single] => {
                        if let Some(col) = out.columns.iter_mut().find(|col| &col.name == single) {
                            col.unique = true;
                        }
                    }
                    _ => out.unique.push(c.columns.clone()),
                }
            }
            'c' => {
                differs(c, leave);
                let Some(expr) = &c.check else { continue };
                let column = c.columns.first().filter(|_| c.columns.len() == 1);
                let as_values = column.and_then(|column| {
                    (c.name == format!("{t}_{column}_check"))
                        .then(|| value_set(expr, column))
                        .flatten()
                        .map(|values| (column.clone(), values))
                });
                let target = as_values
                    .as_ref()
                    .and_then(|(column, _)| out.columns.iter().position(|col| &col.name == column))
                    .filter(|&i| out.columns[i].values.is_none() && is_text(&out.columns[i].sql_type));
                if let (Some((_, values)), Some(i)) = (as_values, target) {
                    out.columns[i].values = Some(values);
                    continue;
                }
                let on_column = column
                    .filter(|column| c.name == format!("{t}_{column}_expr_check"))
                    .and_then(|column| out.columns.iter().position(|col| &col.name == column))
                    .filter(|&i| out.columns[i].check.is_none());
                match on_column {
                    Some(i) => out.columns[i].check = Some(unwrap_parens(expr)),
                    None => out.checks.push((c.name.clone(), unwrap_parens(expr))),
                }
            }
            'f' => {
                differs(c, leave);
                let Some(fk) = &c.foreign else { continue };
                if fk.match_type == 'f' {
                    leave(object.clone(), "it is MATCH FULL; pulled as MATCH SIMPLE".to_owned());
                }
                let references = if fk.target_schema == SCHEMA {
                    if !table_names.contains(fk.target_table.as_str()) {
                        leave(
                            object,
                            format!("it references `{}`, which is not pulled", fk.target_table),
                        );
                        continue;
                    }
                    fk.target_table.clone()
                } else {
                    format!("{}.{}", fk.target_schema, fk.target_table)
                };
                let default_name = format!("{t}_{}_fkey", c.columns.join("_"));
                let on_delete = action(fk.on_delete);
                let on_update = action(fk.on_update);
                let column = match c.columns.as_slice() {
                    [single] if c.name == default_name => out
                        .columns
                        .iter_mut()
                        .find(|col| &col.name == single)
                        .filter(|col| col.references.is_none()),
                    _ => None,
                };
                match column {
                    Some(col) => {
                        col.references = Some(PulledReference {
                            table: references,
                            column: fk.target_columns.first().cloned().unwrap_or_default(),
                            on_delete,
                            on_delete_columns: fk.action_columns.clone(),
                            on_update,
                            deferrable: fk.deferrable,
                        });
                    }
                    None => out.foreign_keys.push(PulledForeignKey {
                        name: (c.name != default_name).then(|| c.name.clone()),
                        columns: c.columns.clone(),
                        references,
                        references_columns: fk.target_columns.clone(),
                        on_delete,
                        on_delete_columns: fk.action_columns.clone(),
                        on_update,
                        deferrable: fk.deferrable,
                    }),
                }
            }
            'x' => {
                differs(c, leave);
                let Some(x) = &c.exclusion else { continue };
                let operators_ok = x.elements.iter().all(|(_, _, op)| {
                    !op.is_empty() && op.len() <= 8 && op.chars().all(|ch| "=<>&|-+*/!@#%^~?".contains(ch))
                });
                if !x.plain || !operators_ok || index_method(&x.method).is_none() {
                    leave(
                        object,
                        format!(
                            "`{}`: only plain columns or expressions with their default operator class can be described",
                            c.definition
                        ),
                    );
                    continue;
                }
                out.exclusions.push(PulledExclusion {
                    name: c.name.clone(),
                    using: (x.method != "gist").then(|| x.method.clone()),
                    elements: x.elements.clone(),
                    predicate: x.predicate.as_deref().map(unwrap_parens),
                });
            }
            _ => {}
        }
    }

    // Indexes.
    for index in &table.indexes {
        let object = format!("index {t}.{}", index.name);
        // schema.toml's key is the columns, then the expressions.
        let columns: Vec<String> = index.columns.iter().map_while(Clone::clone).collect();
        if index.columns[columns.len()..].iter().any(Option::is_some) {
            leave(
                object,
                format!(
                    "`{}`: a column after an expression cannot be described (the key is the columns, then the expressions)",
                    index.definition
                ),
            );
            continue;
        }
        if !index.plain || index_method(&index.method).is_none() {
            leave(
                object,
                format!(
                    "`{}`: only plain columns with their default operator class, order and collation can be described",
                    index.definition
                ),
            );
            continue;
        }
        if uses_dropped(&columns) || uses_dropped(&index.include) {
            leave(object, "it uses a column that cannot be described".to_owned());
            continue;
        }
        // The name an expression index gets by default is the build's to make up: written out.
        let default = format!("{t}_{}_idx", columns.join("_"));
        out.indexes.push(PulledIndex {
            name: (index.name != default || !index.expressions.is_empty()).then(|| index.name.clone()),
            columns,
            expressions: index.expressions.clone(),
            unique: index.unique,
            using: (index.method != "btree").then(|| index.method.clone()),
            include: index.include.clone(),
            predicate: index.predicate.as_deref().map(unwrap_parens),
        });
    }

    // Policies, and the owner rule when its four policies are exactly what it stands for.
    let mut policies = Vec::new();
    for policy in &table.policies {
        let object = format!("policy {t}.{}", policy.name);
        if let Some(role) = policy.roles.iter().find(|r| !API_ROLES.contains(&r.as_str())) {
            leave(
                object,
                format!("it applies to `{role}`; schema.toml names only anon, authenticated, service_role and backend"),
            );
            continue;
        }
        policies.push(PulledPolicy {
            name: policy.name.clone(),
            command: command(policy.command),
            roles: policy.roles.clone(),
            restrictive: !policy.permissive,
            using: policy.using.as_deref().map(unwrap_parens),
            with_check: policy.with_check.as_deref().map(unwrap_parens),
        });
    }
    if let Some((owner, owned)) = owner_form(table, live, &policies) {
        out.owner = Some(owner);
        let (owner_policies, rest): (Vec<_>, Vec<_>) = policies.into_iter().partition(|p| owned.contains(&p.name));
        out.owner_policies = owner_policies;
        out.policies = rest;
    } else {
        out.policies = policies;
    }

    // Triggers: the short forms, then the general ones.
    for trigger in &table.triggers {
        let object = format!("trigger {t}.{}", trigger.name);
        let calls = |name: &str| trigger.function_schema == SCHEMA && trigger.function_name == name;
        // The short forms' triggers fire on every row their events touch.
        let plain = trigger.unusual.is_none() && trigger.columns.is_empty() && trigger.when.is_none();
        let pk_single = primary.columns.len() == 1;
        if set_updated_at
            && trigger.name == format!("{t}_set_updated_at")
            && trigger.timing == "before"
            && trigger.events == ["update"]
            && trigger.row
            && trigger.arguments.is_empty()
            && plain
            && calls(Builtin::SetUpdatedAt.function_name())
            && out
                .columns
                .iter()
                .any(|c| c.name == "updated_at" && c.sql_type == "timestamptz")
        {
            out.updated_at = true;
            builtins_used.insert(Builtin::SetUpdatedAt.function_name());
            continue;
        }
        if audit_table.is_some_and(|a| a != t)
            && trigger.name == format!("{t}_audit")
            && trigger.timing == "after"
            && trigger.events == ["insert", "update", "delete"]
            && trigger.row
            && pk_single
            && trigger.arguments == primary.columns
            && plain
            && calls(Builtin::AuditRowChange.function_name())
            && out.columns.iter().any(|c| c.primary_key && c.sql_type == "uuid")
        {
            out.audit = true;
            builtins_used.insert(Builtin::AuditRowChange.function_name());
            continue;
        }
        if reject_change && calls(Builtin::RejectChange.function_name()) && plain {
            let guard = trigger.name == format!("{t}_append_only")
                && trigger.timing == "before"
                && trigger.events == ["update", "delete"]
                && trigger.row;
            let truncate = trigger.name == format!("{t}_no_truncate")
                && trigger.timing == "before"
                && trigger.events == ["truncate"]
                && !trigger.row;
            let other = if guard { "no_truncate" } else { "append_only" };
            let pair = table.triggers.iter().any(|o| o.name == format!("{t}_{other}"));
            if (guard || truncate) && pair && trigger.arguments.is_empty() {
                out.append_only = true;
                builtins_used.insert(Builtin::RejectChange.function_name());
                continue;
            }
        }
        if let Some(unusual) = trigger.unusual {
            leave(object, format!("`{}` has {unusual}", trigger.definition));
            continue;
        }
        let reserved = supaschema_build::model::RESERVED_SCHEMAS.contains(&trigger.function_schema.as_str());
        if reserved || trigger.function_schema.starts_with("pg_") {
            leave(
                object,
                format!(
                    "it calls `{}.{}`, a function in a schema PostgreSQL or Supabase owns",
                    trigger.function_schema, trigger.function_name
                ),
            );
            continue;
        }
        if !trigger.arguments.is_empty() || trigger.timing == "instead of" {
            leave(
                object,
                format!(
                    "`{}`: trigger arguments and `instead of` cannot be described",
                    trigger.definition
                ),
            );
            continue;
        }
        out.triggers.push(PulledTrigger {
            name: trigger.name.clone(),
            timing: trigger.timing,
            events: trigger.events.clone(),
            statement: !trigger.row,
            function: match trigger.function_schema.as_str() {
                SCHEMA => trigger.function_name.clone(),
                schema => format!("{schema}.{}", trigger.function_name),
            },
            columns: trigger.columns.clone(),
            when: trigger.when.as_deref().map(unwrap_parens),
        });
    }
    // What remains of a pair the short form did not take is a general trigger of a builtin,
    // which the file cannot declare: it is reported when triggers are checked against functions.
    Some(out)
}

fn is_text(sql_type: &str) -> bool {
    sql_type == "text" || sql_type.starts_with("varchar")
}

fn index_method(method: &str) -> Option<&str> {
    ["btree", "hash", "gin", "gist", "brin", "spgist"]
        .into_iter()
        .find(|m| *m == method)
}

/// The owner rule, when the table has the four policies `owner = {...}` stands for: named
/// `<table>_owner_<command>`, permissive, for `authenticated`; the select policy requires the
/// owner (`(select auth.uid())` compared with a column or, through a parent, an `exists`) and
/// perhaps an `app_metadata` claim; the writing ones require the same and that the sign-in is not
/// anonymous. The comparison of the whole catalog afterwards confirms it;
/// [`Pulled::without_owner_form`] undoes it otherwise.
fn owner_form(table: &LiveTable, live: &Live, policies: &[PulledPolicy]) -> Option<(OwnerForm, Vec<String>)> {
    let t = &table.name;
    let find = |command: &str| {
        policies
            .iter()
            .find(|p| p.name == format!("{t}_owner_{command}"))
            .filter(|p| p.command == command && !p.restrictive && p.roles == ["authenticated"])
    };
    let select = find("select")?;
    let insert = find("insert")?;
    let update = find("update")?;
    let delete = find("delete")?;
    let names: Vec<String> = ["select", "insert", "update", "delete"]
        .iter()
        .map(|c| format!("{t}_owner_{c}"))
        .collect();
    if let Some(membership) = membership_form(live, select, insert, update, delete) {
        return Some((OwnerForm::Membership(membership), names));
    }
    let read = conjuncts(select.using.as_deref()?);
    let mut write = read.clone();
    write.push(NOT_ANONYMOUS.to_owned());
    let writes = |clause: &Option<String>| clause.as_deref().is_some_and(|c| conjuncts(c) == write);
    let same = select.with_check.is_none()
        && insert.using.is_none()
        && writes(&insert.with_check)
        && writes(&update.using)
        && writes(&update.with_check)
        && writes(&delete.using)
        && delete.with_check.is_none();
    if !same || read.len() > 2 {
        return None;
    }
    let claim = match read.get(1) {
        Some(claim) => Some(owner_claim(claim)?),
        None => None,
    };
    let row = read[0].as_str();
    let uid = "( SELECT auth.uid() AS uid)";
    for column in &table.columns {
        let candidates = [
            format!("{uid} = {}", column.name),
            format!("{uid} = {}", quote_identifier(&column.name)),
        ];
        if column.data_type == "uuid" && candidates.iter().any(|c| c == row) {
            return Some((OwnerForm::Column(column.name.clone(), claim), names));
        }
    }
    // Through a parent: the first column of a foreign key to another owned table of `public`;
    // the claim is the parent's.
    if row.starts_with("EXISTS ( SELECT 1") {
        for c in table.constraints.iter().filter(|c| c.kind == 'f') {
            let Some(fk) = &c.foreign else { continue };
            if fk.target_schema != SCHEMA || &fk.target_table == t {
                continue;
            }
            let Some(parent) = live.tables.iter().find(|p| p.name == fk.target_table) else {
                continue;
            };
            let parent_has_owner = parent
                .policies
                .iter()
                .any(|p| p.name == format!("{}_owner_select", parent.name));
            let mentions = row.contains(&format!("FROM {} parent", fk.target_table))
                || row.contains(&format!("FROM public.{} parent", fk.target_table));
            if parent_has_owner && mentions {
                if let Some(first) = c.columns.first() {
                    return Some((OwnerForm::Via(first.clone()), names));
                }
            }
        }
    }
    None
}

/// The membership rule, when the four owner policies call one membership lookup the way
/// `owner = { membership = {...} }` writes them: the select policy alone, the writing ones
/// with the refusal of anonymous sign-ins, insert and update with the same roles.
fn membership_form(
    live: &Live,
    select: &PulledPolicy,
    insert: &PulledPolicy,
    update: &PulledPolicy,
    delete: &PulledPolicy,
) -> Option<PulledMembership> {
    let (function, key, read_roles) = lookup_call(select.using.as_deref()?)?;
    // PostgreSQL prints a call without parentheses of its own: `f(…) AND (NOT …)`.
    let writing = |clause: Option<&str>| -> Option<Option<Vec<String>>> {
        let call = clause?.strip_suffix(&format!(" AND ({NOT_ANONYMOUS})"))?;
        let (f, k, roles) = lookup_call(call)?;
        (f == function && k == key).then_some(roles)
    };
    let write = writing(insert.with_check.as_deref())?;
    let same_write = writing(update.using.as_deref())? == write && writing(update.with_check.as_deref())? == write;
    let deleting = writing(delete.using.as_deref())?;
    let plain = select.with_check.is_none() && insert.using.is_none() && delete.with_check.is_none();
    if read_roles.is_some() || !same_write || !plain {
        return None;
    }
    let table = function.strip_suffix("_member")?.to_owned();
    let body = live.membership_lookups.get(&function)?;
    let column = |before: &str, after: &str| -> Option<String> {
        let start = body.find(before)? + before.len();
        let rest = &body[start..];
        let end = rest.find(after)?;
        Some(rest[..end].trim_matches('"').to_owned())
    };
    if !body.contains(&format!("from public.{} member", quote_identifier(&table))) {
        return None;
    }
    Some(PulledMembership {
        table,
        key,
        group: column("where member.", " = group_id")?,
        user: column("and member.", " = (select auth.uid())")?,
        // Compared as text since enum role columns; before, as the column itself.
        role: column("roles is null or member.", "::text = any (roles)")
            .or_else(|| column("roles is null or member.", " = any (roles)")),
        delete: (deleting != write).then_some(deleting).flatten(),
        write,
    })
}

/// `private.<function>(<key>, <roles>)` as PostgreSQL prints it: the function, the key column,
/// and the roles (`ARRAY['owner'::text, …]`, or `NULL::text[]` for every member).
fn lookup_call(term: &str) -> Option<(String, String, Option<Vec<String>>)> {
    let rest = term.strip_prefix(&format!("{}.", supaschema_build::model::PRIVATE_SCHEMA))?;
    let (function, args) = rest.split_once('(')?;
    let args = args.strip_suffix(')')?;
    let (key, roles) = args.split_once(", ")?;
    let roles = match roles {
        "NULL::text[]" => None,
        array => {
            let inner = array.strip_prefix("ARRAY[")?.strip_suffix(']')?;
            let roles: Option<Vec<String>> = inner
                .split(", ")
                .map(|r| {
                    r.strip_suffix("::text")
                        .and_then(|r| r.strip_prefix('\''))
                        .and_then(|r| r.strip_suffix('\''))
                        .filter(|r| !r.contains('\''))
                        .map(str::to_owned)
                })
                .collect();
            Some(roles?)
        }
    };
    Some((
        function.trim_matches('"').to_owned(),
        key.trim_matches('"').to_owned(),
        roles,
    ))
}

/// How PostgreSQL prints the owner rule's refusal of anonymous sign-ins (one term of the
/// conjunction, without its parentheses).
const NOT_ANONYMOUS: &str = "NOT COALESCE(((( SELECT auth.jwt() AS jwt) ->> 'is_anonymous'::text))::boolean, false)";

/// The terms of a printed `a AND b AND c` (PostgreSQL prints `((a) AND (b) AND (c))`, the
/// outer parentheses perhaps already taken off), each without its parentheses; an expression
/// that is no conjunction is its only term.
fn conjuncts(expr: &str) -> Vec<String> {
    let terms = split_and(expr);
    if terms.len() > 1 {
        return terms;
    }
    match expr.strip_prefix('(').and_then(|e| e.strip_suffix(')')) {
        Some(inner) if split_and(inner).len() > 1 => split_and(inner),
        _ => vec![expr.to_owned()],
    }
}

/// `(a) AND (b)` split at its top level into `a`, `b`; anything else as one term.
fn split_and(expr: &str) -> Vec<String> {
    let mut terms = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0usize);
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            b' ' if !quoted && depth == 0 && expr[i..].starts_with(" AND ") => {
                terms.push(&expr[start..i]);
                i += " AND ".len();
                start = i;
                continue;
            }
            _ => {}
        }
        if depth < 0 {
            return vec![expr.to_owned()];
        }
        i += 1;
    }
    terms.push(&expr[start..]);
    if depth != 0 || quoted || terms.len() < 2 {
        return vec![expr.to_owned()];
    }
    // Every term is parenthesised as a whole: `(a) AND (b)`, never `(a) = (b) AND …`.
    let unwrapped: Option<Vec<String>> = terms
        .iter()
        .map(|t| {
            let inner = t.strip_prefix('(')?.strip_suffix(')')?;
            balanced(inner).then(|| inner.to_owned())
        })
        .collect();
    unwrapped.unwrap_or_else(|| vec![expr.to_owned()])
}

/// Whether the parentheses outside quotes never close more than they opened, and all close.
fn balanced(expr: &str) -> bool {
    let (mut depth, mut quoted) = (0i32, false);
    for b in expr.bytes() {
        match b {
            b'\'' => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0 && !quoted
}

/// The owner claim `((( SELECT auth.jwt() AS jwt) -> 'app_metadata'::text) ->> 'role'::text) =
/// 'doctor'::text` as (`app_metadata.role`, `doctor`), when it is printed exactly so.
fn owner_claim(term: &str) -> Option<(String, String)> {
    let mut literals = Vec::new();
    let mut rest = term;
    while let Some(at) = rest.find('\'') {
        let after = &rest[at + 1..];
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next()? {
                (i, '\'') if after[i + 1..].starts_with('\'') => {
                    value.push('\'');
                    chars.next();
                }
                (i, '\'') => break i,
                (_, c) => value.push(c),
            }
        };
        literals.push(value);
        rest = &after[end + 1..];
    }
    let (equals, path) = literals.split_last()?;
    if path.len() < 2 || path[0] != "app_metadata" || equals.is_empty() {
        return None;
    }
    let literal = |v: &str| format!("'{}'::text", v.replace('\'', "''"));
    let mut value = "( SELECT auth.jwt() AS jwt)".to_owned();
    for (i, key) in path.iter().enumerate() {
        let arrow = if i + 1 == path.len() { "->>" } else { "->" };
        value = format!("({value} {arrow} {})", literal(key));
    }
    (format!("{value} = {}", literal(equals)) == term).then(|| (path.join("."), equals.clone()))
}

impl Pulled {
    /// Writes table `name`'s owner rule as its four policies instead of the short form.
    pub fn without_owner_form(&mut self, name: &str) -> bool {
        let Some(table) = self.tables.iter_mut().find(|t| t.name == name && t.owner.is_some()) else {
            return false;
        };
        table.owner = None;
        let mut policies = std::mem::take(&mut table.owner_policies);
        policies.append(&mut table.policies);
        table.policies = policies;
        true
    }
}

/// A column of one of `enums` (or an array of one) names it as its type.
fn map_column(column: &LiveColumn, enums: &BTreeSet<&str>) -> Result<PulledColumn, String> {
    if column.custom_collation {
        return Err("a column with its own collation cannot be described".to_owned());
    }
    let kind = match column.type_kind.as_str() {
        "e" => "an enum type",
        "d" => "a domain",
        "c" => "a composite type",
        _ => "a type",
    };
    // The server qualifies a type outside the search path: `public.mood`, `public.mood[]`.
    let unqualified = column.data_type.strip_prefix("public.").unwrap_or(&column.data_type);
    let (element, array) = match unqualified.strip_suffix("[]") {
        Some(element) => (element, true),
        None => (unqualified, false),
    };
    let sql_type = match enums.contains(element) {
        true if array => SqlType::Array(Box::new(SqlType::Enum(element.to_owned()))),
        true => SqlType::Enum(element.to_owned()),
        false => SqlType::parse(&column.data_type)
            .map_err(|_| format!("its type `{}` is {kind} schema.toml does not know", column.data_type))?,
    };
    let mut mapped = PulledColumn {
        name: column.name.clone(),
        sql_type: match &sql_type {
            SqlType::Enum(_) => element.to_owned(),
            SqlType::Array(inner) if matches!(**inner, SqlType::Enum(_)) => unqualified.to_owned(),
            other => other.to_string(),
        },
        nullable: !column.not_null,
        comment: column.comment.clone(),
        ..PulledColumn::default()
    };
    let mut innermost = &sql_type;
    while let SqlType::Array(inner) = innermost {
        innermost = inner;
    }
    let allow = match innermost {
        SqlType::Varchar(_) => Some("varchar"),
        SqlType::Timestamp => Some("timestamp"),
        SqlType::Json => Some("json"),
        _ => None,
    };
    if let Some(allow) = allow {
        mapped.allow.push(allow);
        mapped
            .review
            .push(format!("allow {allow}: the database has `{}`", column.data_type));
    }
    match column.identity.as_str() {
        "a" => mapped.identity = Some("always"),
        "d" => mapped.identity = Some("by_default"),
        _ => {}
    }
    if column.generated == "s" {
        mapped.generated = column.default.clone();
    } else if mapped.identity.is_some() {
        mapped.nullable = false;
    } else if let Some(default) = &column.default {
        if default.starts_with("nextval(") {
            mapped.dropped_default = Some(format!(
                "its default `{default}` draws from a sequence, which schema.toml cannot say; pulled without \
                 the default (make it an identity column, `alter table … alter column … add generated by \
                 default as identity`, and pull again)"
            ));
            return Ok(mapped);
        }
        mapped.default = Some(plain_literal(default, &column.data_type));
    }
    Ok(mapped)
}

/// A default that is one string literal cast to the column's own type (`'pending'::text`), as
/// the server prints it, without the cast: the column's type applies it again.
fn plain_literal(default: &str, data_type: &str) -> String {
    let Some(literal) = default.strip_suffix(&format!("::{data_type}")) else {
        return default.to_owned();
    };
    let simple = literal.len() >= 2
        && literal.starts_with('\'')
        && literal.ends_with('\'')
        && !literal[1..literal.len() - 1].replace("''", "").contains('\'');
    if simple { literal.to_owned() } else { default.to_owned() }
}

fn map_function(f: &LiveFunction) -> Result<(PulledFunction, Vec<String>), String> {
    if let Some(unusual) = f.unusual {
        return Err(format!("`{}`: {unusual}", f.identity));
    }
    if f.language != "sql" && f.language != "plpgsql" {
        return Err(format!(
            "it is written in `{}`; schema.toml holds sql and plpgsql",
            f.language
        ));
    }
    let known = |name: &str, data_type: &str, what: &str| {
        SqlType::parse(data_type)
            .map(|t| t.to_string())
            .map_err(|_| format!("its {what} `{name}` is of type `{data_type}`, which schema.toml does not know"))
    };
    let mut args = Vec::new();
    // The defaults belong to the last arguments.
    let first_default = f.args.len().saturating_sub(f.defaults.len());
    for (i, (name, data_type)) in f.args.iter().enumerate() {
        if name.is_empty() {
            return Err(format!("`{}` has an argument without a name", f.identity));
        }
        let default = i.checked_sub(first_default).and_then(|d| f.defaults.get(d)).cloned();
        args.push((name.clone(), known(name, data_type, "argument")?, default));
    }
    let mut table = Vec::new();
    for (name, data_type) in &f.table {
        table.push((name.clone(), known(name, data_type, "result column")?));
    }
    let returns = match (&f.setof, f.returns.as_str()) {
        (Some(setof), _) => format!("setof {setof}"),
        _ if !table.is_empty() => String::new(),
        (None, "void" | "trigger") => f.returns.clone(),
        (None, other) => SqlType::parse(other)
            .map_err(|_| format!("it returns `{other}`, which schema.toml does not know"))?
            .to_string(),
    };
    let body = f.body.trim().to_owned();
    if body.is_empty() || body.contains("$function$") || body.contains('\0') {
        return Err("its body is empty or contains `$function$`, the delimiter schema.toml's bodies use".to_owned());
    }
    if has_escape_string(&body) {
        return Err("its body uses an E'…' string, which the Supabase CLI splits wrongly".to_owned());
    }
    let mut notes = Vec::new();
    if f.config != ["search_path=\"\""] {
        let had = if f.config.is_empty() {
            "no settings".to_owned()
        } else {
            f.config.join(", ")
        };
        notes.push(format!(
            "it has {had}; schema.toml pins every function to `set search_path = ''`, so check that the body \
             qualifies every name"
        ));
    }
    let mut execute: Vec<String> = f.executable_by.clone();
    if f.security_definer && execute.iter().any(|r| r == "anon") {
        execute.retain(|r| r != "anon");
        notes.push(
            "it is security definer and executable by anon, which schema.toml refuses; pulled without anon".to_owned(),
        );
    }
    Ok((
        PulledFunction {
            name: f.name.clone(),
            comment: f.comment.clone(),
            args,
            returns,
            table,
            language: f.language.clone(),
            security_definer: f.security_definer,
            volatility: match f.volatility {
                'i' => Some("immutable"),
                's' => Some("stable"),
                _ => None,
            },
            execute,
            body,
        },
        notes,
    ))
}

/// Whether the text holds an `E'…'` string literal outside other literals.
fn has_escape_string(body: &str) -> bool {
    let bytes = body.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        matches!(b, b'e' | b'E')
            && bytes.get(i + 1) == Some(&b'\'')
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
    })
}

/// Tables whose names say they hold people: a bare `name` column there is a person's name.
const PEOPLE: &[&str] = &[
    "patient", "user", "people", "person", "contact", "customer", "client", "member", "profile", "employee", "doctor",
    "staff", "student", "guest", "lead", "account",
];

/// Column names (or endings) that hold PHI: names, contact details, dates of birth, identifiers
/// and free text a person wrote.
const PHI_NAMES: &[&str] = &[
    "full_name",
    "first_name",
    "last_name",
    "middle_name",
    "given_name",
    "family_name",
    "maiden_name",
    "display_name",
    "surname",
    "nickname",
    "phone",
    "phone_number",
    "mobile",
    "telephone",
    "fax",
    "email",
    "email_address",
    "date_of_birth",
    "dob",
    "birth_date",
    "birthdate",
    "birthday",
    "address",
    "street",
    "postal_code",
    "zip_code",
    "ssn",
    "social_security_number",
    "insurance_number",
    "medical_record_number",
    "mrn",
    "diagnosis",
    "symptoms",
    "allergies",
    "medications",
    "medical_history",
    "content",
    "body",
    "message",
    "message_body",
    "text",
    "transcript",
    "notes",
    "note",
    "reason",
    "social_handle",
    "handle",
];

/// Every column gets a class; the database cannot say it, so each is a guess marked for review.
/// A name that looks like PHI is guessed `phi` where the table is protected as PHI must be (row
/// level security with policies, none for anon), else `administrative` with the reason.
fn guess_classes(tables: &mut [PulledTable]) {
    let mut phi_tables: BTreeSet<String> = BTreeSet::new();
    for table in tables.iter_mut() {
        let has_policies = table.owner.is_some() || !table.policies.is_empty();
        let anon = table.policies.iter().any(|p| p.roles.iter().any(|r| r == "anon"));
        let protected = !table.rls_off && has_policies && !anon;
        let people = PEOPLE.iter().any(|p| table.name.contains(p));
        for column in &mut table.columns {
            let name = column.name.as_str();
            let looks_phi = PHI_NAMES
                .iter()
                .any(|p| name == *p || name.ends_with(&format!("_{p}")) || name.starts_with(&format!("{p}_")))
                && !name.ends_with("_id")
                && !name.ends_with("_at")
                && name != "table_name"
                || (name == "name" && people);
            let looks_phi = looks_phi && column.values.is_none() && column.references.is_none() && !column.primary_key;
            if looks_phi && protected {
                column.class = "phi";
                column
                    .review
                    .insert(0, "guessed class: the name suggests PHI".to_owned());
                phi_tables.insert(table.name.clone());
            } else if looks_phi {
                column.class = "administrative";
                column.review.insert(
                    0,
                    "guessed class: the name suggests PHI, but the table is not protected as PHI must be \
                     (row level security with policies, none for anon)"
                        .to_owned(),
                );
            } else {
                column.class = "administrative";
                column.review.insert(0, "guessed class".to_owned());
            }
        }
    }
    // A user deleted in Auth takes rows with them where a key cascades from an external table;
    // where that reaches PHI, the database already does it, so the opt-out keeps it (marked).
    let cascades_into: BTreeMap<String, Vec<String>> = {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for table in tables.iter() {
            for (target, on_delete) in table
                .foreign_keys
                .iter()
                .map(|fk| (fk.references.clone(), fk.on_delete))
                .chain(
                    table
                        .columns
                        .iter()
                        .filter_map(|c| c.references.as_ref().map(|r| (r.table.clone(), r.on_delete))),
                )
            {
                if on_delete == Some("cascade") {
                    map.entry(target).or_default().push(table.name.clone());
                }
            }
        }
        map
    };
    let reaches_phi = |start: &str| {
        let mut queue = vec![start.to_owned()];
        let mut seen = BTreeSet::new();
        while let Some(table) = queue.pop() {
            if phi_tables.contains(&table) {
                return true;
            }
            if seen.insert(table.clone()) {
                queue.extend(cascades_into.get(&table).into_iter().flatten().cloned());
            }
        }
        false
    };
    let own: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    for table in tables.iter_mut() {
        if !reaches_phi(&table.name) {
            continue;
        }
        for column in &mut table.columns {
            let external_cascade = column
                .references
                .as_ref()
                .is_some_and(|r| !own.contains(&r.table) && r.on_delete == Some("cascade"));
            if external_cascade {
                column.allow.push("cascade_phi");
                column.review.push(
                    "allow cascade_phi: deleting the referenced row erases PHI, as the database does now".to_owned(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As PostgreSQL 15 prints the owner policies of
    /// `owner = { column = "doctor_id", claim = { path = "app_metadata.role", equals = "doctor" } }`.
    #[test]
    fn reads_the_owner_rule_and_its_claim_back_from_the_server_spelling() {
        let row = "( SELECT auth.uid() AS uid) = doctor_id";
        let claim = "((( SELECT auth.jwt() AS jwt) -> 'app_metadata'::text) ->> 'role'::text) = 'doctor'::text";
        let read = format!("(({row}) AND ({claim}))");
        assert_eq!(conjuncts(&read), vec![row.to_owned(), claim.to_owned()]);
        assert_eq!(conjuncts(row), vec![row.to_owned()]);
        // As `pull` holds it: the outer parentheses taken off.
        assert_eq!(
            conjuncts(&format!("({row}) AND ({claim})")),
            vec![row.to_owned(), claim.to_owned()]
        );
        let written = format!("(({row}) AND ({claim}) AND ({NOT_ANONYMOUS}))");
        assert_eq!(conjuncts(&written)[2], NOT_ANONYMOUS);
        // `(a) = (b)` is one term.
        let compared = "(( SELECT auth.uid() AS uid)) = (doctor_id)";
        assert_eq!(conjuncts(compared), vec![compared.to_owned()]);
        assert_eq!(
            owner_claim(claim),
            Some(("app_metadata.role".to_owned(), "doctor".to_owned()))
        );
        let deep =
            "(((( SELECT auth.jwt() AS jwt) -> 'app_metadata'::text) -> 'x'::text) ->> 'role'::text) = 'o''k'::text";
        assert_eq!(
            owner_claim(deep),
            Some(("app_metadata.x.role".to_owned(), "o'k".to_owned()))
        );
        // user_metadata is no owner claim; nor is another comparison.
        assert_eq!(owner_claim(&claim.replace("app_metadata", "user_metadata")), None);
        assert_eq!(owner_claim(&claim.replace(" = ", " <> ")), None);
        // A parenthesised term that is no conjunction stays whole.
        assert_eq!(conjuncts("(a) OR (b)"), vec!["(a) OR (b)".to_owned()]);
    }

    #[test]
    fn reads_a_value_set_back_from_the_server_spelling() {
        let expr = "(status = ANY (ARRAY['pending'::text, 'no-show'::text]))";
        assert_eq!(
            value_set(expr, "status"),
            Some(vec!["pending".into(), "no-show".into()])
        );
        assert_eq!(
            value_set(r#"("user" = ANY (ARRAY['a'::text]))"#, "user"),
            Some(vec!["a".into()])
        );
        // Not a plain list of text values: stays a general check.
        assert_eq!(
            value_set("(status = ANY (ARRAY['a'::text, 'a'::text]))", "status"),
            None
        );
        assert_eq!(value_set("(status = ANY (ARRAY['it''s'::text]))", "status"), None);
        assert_eq!(value_set("(priority = ANY (ARRAY[1, 2]))", "priority"), None);
        assert_eq!(value_set("(char_length(status) > 1)", "status"), None);
    }

    #[test]
    fn unwraps_only_parentheses_around_the_whole_expression() {
        assert_eq!(unwrap_parens("(ends_at > starts_at)"), "ends_at > starts_at");
        assert_eq!(unwrap_parens("(a > 1) AND (b > 1)"), "(a > 1) AND (b > 1)");
        assert_eq!(unwrap_parens("((a > 1) AND (b > 1))"), "(a > 1) AND (b > 1)");
        assert_eq!(unwrap_parens("(x = ')(')"), "x = ')('");
        assert_eq!(unwrap_parens("( SELECT public.f() AS f)"), "( SELECT public.f() AS f)");
    }

    #[test]
    fn drops_only_a_cast_to_the_column_s_own_type() {
        assert_eq!(plain_literal("'pending'::text", "text"), "'pending'");
        assert_eq!(plain_literal("'{}'::text[]", "text[]"), "'{}'");
        assert_eq!(plain_literal("'a''b'::text", "text"), "'a''b'");
        assert_eq!(
            plain_literal("'x'::character varying", "character varying(12)"),
            "'x'::character varying"
        );
        assert_eq!(
            plain_literal("('a'::text || 'b'::text)", "text"),
            "('a'::text || 'b'::text)"
        );
    }
}
