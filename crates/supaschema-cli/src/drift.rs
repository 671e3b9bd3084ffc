//! `supaschema drift`: compares a live database with what `schema.toml` promises, object by
//! object through [`crate::catalog`], and says every difference in plain words.

use crate::catalog::{Catalog, ColumnCatalog, PolicyCatalog, TableCatalog, api_roles, expected_catalog, read_catalog};
use crate::finding::{Finding, Kind};
use crate::{DeployError, database};
use std::collections::{BTreeMap, BTreeSet};
use supaschema_build::{Project, load_schema};

/// Reads both catalogs and lists the differences (empty: no drift).
pub fn run(project: &Project, url: &str) -> Result<Vec<Finding>, DeployError> {
    let source = project.schema_source()?;
    let schema = load_schema(&source).map_err(supaschema_build::Error::from)?;
    let mut client = database::connect(url)?;
    let actual =
        read_catalog(&mut client).map_err(|e| DeployError::database("cannot read the database catalog", &e))?;
    let expected = expected_catalog(&mut client, &schema).map_err(|e| {
        DeployError::database(
            "cannot work out what schema.toml expects on this database: that needs auth.users, the \
             schema's extensions, and the tables and trigger functions it references to exist there \
             (run `supaschema push` first)",
            &e,
        )
    })?;
    Ok(compare(&expected, &actual))
}

/// Every difference between the catalog `schema.toml` promises and the live one.
pub fn compare(expected: &Catalog, actual: &Catalog) -> Vec<Finding> {
    let mut found = Vec::new();
    for (name, table) in &expected.tables {
        match actual.tables.get(name) {
            None => found.push(Finding::new(
                Kind::Missing,
                format!("table {name}"),
                format!("table `{name}` is missing"),
            )),
            Some(live) => compare_table(name, table, live, &mut found),
        }
    }
    for name in actual.tables.keys().filter(|n| !expected.tables.contains_key(*n)) {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("table {name}"),
            format!("table `{name}` exists in the database but not in schema.toml"),
        ));
    }
    for (name, function) in &expected.functions {
        match actual.functions.get(name) {
            None => found.push(Finding::new(
                Kind::Missing,
                format!("function {name}"),
                format!("function `{name}` is missing"),
            )),
            Some(live) => {
                let mut differ = |what: &str, want: String, have: String| {
                    if want != have {
                        found.push(Finding::new(
                            Kind::Different,
                            format!("function {name}"),
                            format!("function `{name}`: {what} is {have} in the database; schema.toml says {want}"),
                        ));
                    }
                };
                differ(
                    "the argument list",
                    quoted(&function.arguments),
                    quoted(&live.arguments),
                );
                differ("the return type", quoted(&function.returns), quoted(&live.returns));
                differ(
                    "the security",
                    security(function.security_definer),
                    security(live.security_definer),
                );
                differ("the settings", list(&function.config), list(&live.config));
                differ(
                    "who may execute it",
                    list(&function.executable_by),
                    list(&live.executable_by),
                );
                differ("the comment", comment(&function.comment), comment(&live.comment));
            }
        }
    }
    // Other schemas than `public` (`private`) may hold the project's own helpers: only what
    // the schema puts there is compared.
    let ours = |n: &&String| !n.contains('.');
    for name in actual
        .functions
        .keys()
        .filter(ours)
        .filter(|n| !expected.functions.contains_key(*n))
    {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("function {name}"),
            format!("function `{name}` exists in the database but not in schema.toml"),
        ));
    }
    compare_enums(expected, actual, &mut found);
    compare_buckets(expected, actual, &mut found);
    found
}

/// Enum types by name: missing, extra, or with other values (or another order) or comment.
fn compare_enums(expected: &Catalog, actual: &Catalog, found: &mut Vec<Finding>) {
    for (name, enum_type) in &expected.enums {
        let object = format!("enum {name}");
        let Some(live) = actual.enums.get(name) else {
            found.push(Finding::new(Kind::Missing, object, format!("enum `{name}` is missing")));
            continue;
        };
        if live.values != enum_type.values {
            found.push(Finding::new(
                Kind::Different,
                object.clone(),
                format!(
                    "enum `{name}`: the values are {} in the database; schema.toml says {}",
                    list(&live.values),
                    list(&enum_type.values)
                ),
            ));
        }
        if live.comment != enum_type.comment {
            found.push(Finding::new(
                Kind::Different,
                object,
                format!(
                    "enum `{name}`: the comment is {} in the database; schema.toml says {}",
                    comment(&live.comment),
                    comment(&enum_type.comment)
                ),
            ));
        }
    }
    for name in actual.enums.keys().filter(|n| !expected.enums.contains_key(*n)) {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("enum {name}"),
            format!("enum `{name}` exists in the database but not in schema.toml"),
        ));
    }
}

/// Buckets by id, and the policies on `storage.objects` (those of buckets and any other).
fn compare_buckets(expected: &Catalog, actual: &Catalog, found: &mut Vec<Finding>) {
    for (name, bucket) in &expected.buckets {
        let object = format!("bucket {name}");
        let Some(live) = actual.buckets.get(name) else {
            found.push(Finding::new(
                Kind::Missing,
                object,
                format!("bucket `{name}` is missing"),
            ));
            continue;
        };
        let mut differ = |what: &str, want: String, have: String| {
            if want != have {
                found.push(Finding::new(
                    Kind::Different,
                    object.clone(),
                    format!("bucket `{name}`: {what} is {have} in the database; schema.toml says {want}"),
                ));
            }
        };
        differ("`public`", bucket.public.to_string(), live.public.to_string());
        let limit = |l: Option<i64>| l.map_or_else(|| "none".to_owned(), |l| format!("{l} bytes"));
        differ(
            "`file_size_limit`",
            limit(bucket.file_size_limit),
            limit(live.file_size_limit),
        );
        let types = |t: &Option<Vec<String>>| t.as_deref().map_or_else(|| "any".to_owned(), list);
        differ(
            "`allowed_mime_types`",
            types(&bucket.allowed_mime_types),
            types(&live.allowed_mime_types),
        );
    }
    for name in actual.buckets.keys().filter(|n| !expected.buckets.contains_key(*n)) {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("bucket {name}"),
            format!("bucket `{name}` exists in the database but not in schema.toml"),
        ));
    }
    compare_policies(
        "storage.objects",
        &expected.storage_policies,
        &actual.storage_policies,
        found,
    );
}

fn compare_table(table: &str, expected: &TableCatalog, live: &TableCatalog, found: &mut Vec<Finding>) {
    let object = format!("table {table}");
    let mut differs = |detail: String| found.push(Finding::new(Kind::Different, object.clone(), detail));
    if expected.rls_enabled && !live.rls_enabled {
        differs(format!("row level security is switched off on table `{table}`"));
    } else if !expected.rls_enabled && live.rls_enabled {
        differs(format!(
            "row level security is switched on on table `{table}`, but schema.toml has `rls = false`"
        ));
    }
    if expected.rls_forced != live.rls_forced {
        differs(format!(
            "row level security is {}forced on table `{table}`; schema.toml says it should {}be",
            if live.rls_forced { "" } else { "not " },
            if expected.rls_forced { "" } else { "not " }
        ));
    }
    if expected.realtime != live.realtime {
        differs(format!(
            "table `{table}` is {}in the `supabase_realtime` publication; schema.toml says it should {}be (`realtime`)",
            if live.realtime { "" } else { "not " },
            if expected.realtime { "" } else { "not " }
        ));
    }
    if expected.comment != live.comment {
        differs(format!(
            "table `{table}`: the comment is {} in the database; schema.toml says {}",
            comment(&live.comment),
            comment(&expected.comment)
        ));
    }
    compare_columns(table, &expected.columns, &live.columns, found);
    compare_definitions(table, "constraint", &expected.constraints, &live.constraints, found);
    compare_definitions(table, "index", &expected.indexes, &live.indexes, found);
    compare_definitions(table, "trigger", &expected.triggers, &live.triggers, found);
    compare_policies(table, &expected.policies, &live.policies, found);
    for (column, role, privilege) in live.sequence_grants.difference(&expected.sequence_grants) {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("grant {table}.{column} sequence to {role}"),
            format!(
                "`{role}` holds {privilege} on the sequence of `{table}.{column}`, which schema.toml never grants (a default grant of projects created before 2026)"
            ),
        ));
    }
    for (column, role, privilege) in live.column_grants.difference(&expected.column_grants) {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("grant {table}.{column} to {role}"),
            format!("`{role}` holds {privilege} on column `{table}.{column}`, which schema.toml does not grant"),
        ));
    }
    for (column, role, privilege) in expected.column_grants.difference(&live.column_grants) {
        found.push(Finding::new(
            Kind::Missing,
            format!("grant {table}.{column} to {role}"),
            format!("`{role}` lacks {privilege} on column `{table}.{column}`, which schema.toml grants"),
        ));
    }
    for role in api_roles() {
        let empty = BTreeSet::new();
        let want = expected.grants.get(role).unwrap_or(&empty);
        let have = live.grants.get(role).unwrap_or(&empty);
        let extra: Vec<&str> = have.difference(want).map(String::as_str).collect();
        let missing: Vec<&str> = want.difference(have).map(String::as_str).collect();
        let object = format!("grant {table} to {role}");
        if !extra.is_empty() {
            let detail = format!(
                "`{role}` holds {} on table `{table}`, which schema.toml does not grant",
                extra.join(", ")
            );
            found.push(Finding::new(Kind::Unexpected, object.clone(), detail));
        }
        if !missing.is_empty() {
            let detail = format!(
                "`{role}` lacks {} on table `{table}`, which schema.toml grants",
                missing.join(", ")
            );
            found.push(Finding::new(Kind::Missing, object, detail));
        }
    }
}

fn compare_columns(table: &str, expected: &[ColumnCatalog], live: &[ColumnCatalog], found: &mut Vec<Finding>) {
    for column in expected {
        let name = &column.name;
        let object = format!("column {table}.{name}");
        let Some(have) = live.iter().find(|c| &c.name == name) else {
            let detail = format!("table `{table}`: column `{name}` is missing");
            found.push(Finding::new(Kind::Missing, object, detail));
            continue;
        };
        let mut differs = |detail: String| found.push(Finding::new(Kind::Different, object.clone(), detail));
        if column.data_type != have.data_type {
            differs(format!(
                "table `{table}`: column `{name}` is `{}` in the database; schema.toml says `{}`",
                have.data_type, column.data_type
            ));
        }
        if column.not_null != have.not_null {
            differs(format!(
                "table `{table}`: column `{name}` is {} in the database; schema.toml says {}",
                nullability(have.not_null),
                nullability(column.not_null)
            ));
        }
        if column.default != have.default {
            differs(format!(
                "table `{table}`: column `{name}` has default {} in the database; schema.toml says {}",
                optional(&have.default),
                optional(&column.default)
            ));
        }
        if column.generated != have.generated {
            differs(format!(
                "table `{table}`: column `{name}` is generated as {} in the database; schema.toml says {}",
                optional(&have.generated),
                optional(&column.generated)
            ));
        }
        if column.identity != have.identity {
            differs(format!(
                "table `{table}`: column `{name}` has identity {} in the database; schema.toml says {}",
                identity(&have.identity),
                identity(&column.identity)
            ));
        }
        if column.comment != have.comment {
            differs(format!(
                "table `{table}`: column `{name}` has the comment {} in the database; schema.toml says {}",
                comment(&have.comment),
                comment(&column.comment)
            ));
        }
    }
    for column in live.iter().filter(|c| !expected.iter().any(|e| e.name == c.name)) {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("column {table}.{}", column.name),
            format!(
                "table `{table}`: column `{}` exists in the database but not in schema.toml",
                column.name
            ),
        ));
    }
}

fn compare_definitions(
    table: &str,
    kind: &str,
    expected: &BTreeMap<String, String>,
    live: &BTreeMap<String, String>,
    found: &mut Vec<Finding>,
) {
    let object = |name: &str| format!("{kind} {table}.{name}");
    for (name, definition) in expected {
        match live.get(name) {
            None => found.push(Finding::new(
                Kind::Missing,
                object(name),
                format!("table `{table}`: {kind} `{name}` is missing"),
            )),
            Some(have) if have != definition => found.push(Finding::new(
                Kind::Different,
                object(name),
                format!(
                    "table `{table}`: {kind} `{name}` is `{have}` in the database; schema.toml says `{definition}`"
                ),
            )),
            Some(_) => {}
        }
    }
    for name in live.keys().filter(|n| !expected.contains_key(*n)) {
        found.push(Finding::new(
            Kind::Unexpected,
            object(name),
            format!("table `{table}`: {kind} `{name}` exists in the database but not in schema.toml"),
        ));
    }
}

fn compare_policies(
    table: &str,
    expected: &BTreeMap<String, PolicyCatalog>,
    live: &BTreeMap<String, PolicyCatalog>,
    found: &mut Vec<Finding>,
) {
    for (name, policy) in expected {
        let object = format!("policy {table}.{name}");
        let Some(have) = live.get(name) else {
            let detail = format!("table `{table}`: policy `{name}` is missing");
            found.push(Finding::new(Kind::Missing, object, detail));
            continue;
        };
        let mut differ = |what: &str, want: String, got: String| {
            if want != got {
                found.push(Finding::new(
                    Kind::Different,
                    object.clone(),
                    format!(
                        "table `{table}`: policy `{name}` has {what} {got} in the database; schema.toml says {want}"
                    ),
                ));
            }
        };
        differ("command", policy.command.clone(), have.command.clone());
        differ("roles", list(&policy.roles), list(&have.roles));
        differ(
            "kind",
            permissive(policy.permissive).into(),
            permissive(have.permissive).into(),
        );
        differ("using", optional(&policy.using), optional(&have.using));
        differ("with check", optional(&policy.with_check), optional(&have.with_check));
    }
    for name in live.keys().filter(|n| !expected.contains_key(*n)) {
        found.push(Finding::new(
            Kind::Unexpected,
            format!("policy {table}.{name}"),
            format!("table `{table}`: policy `{name}` exists in the database but not in schema.toml"),
        ));
    }
}

fn quoted(text: &str) -> String {
    format!("`{text}`")
}

fn optional(value: &Option<String>) -> String {
    value.as_deref().map_or_else(|| "none".to_owned(), quoted)
}

fn comment(value: &Option<String>) -> String {
    value.as_deref().map_or_else(|| "none".to_owned(), |c| format!("{c:?}"))
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn security(definer: bool) -> String {
    if definer {
        "security definer"
    } else {
        "security invoker"
    }
    .to_owned()
}

fn nullability(not_null: bool) -> &'static str {
    if not_null { "not null" } else { "nullable" }
}

fn permissive(permissive: bool) -> &'static str {
    if permissive { "permissive" } else { "restrictive" }
}

fn identity(code: &str) -> &'static str {
    match code {
        "a" => "`always`",
        "d" => "`by default`",
        _ => "none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_catalogs_have_no_drift() {
        let mut catalog = Catalog::default();
        catalog.tables.insert("t".into(), TableCatalog::default());
        assert!(compare(&catalog, &catalog).is_empty());
    }

    #[test]
    fn names_missing_and_extra_objects() {
        let mut expected = Catalog::default();
        let mut table = TableCatalog {
            rls_enabled: true,
            ..TableCatalog::default()
        };
        table
            .grants
            .insert("authenticated".into(), ["SELECT".to_owned()].into());
        expected.tables.insert("t".into(), table.clone());
        let mut actual = Catalog::default();
        table.rls_enabled = false;
        table.grants.insert("anon".into(), ["SELECT".to_owned()].into());
        actual.tables.insert("t".into(), table);
        actual.tables.insert("extra".into(), TableCatalog::default());
        let found = compare(&expected, &actual);
        assert!(
            found
                .iter()
                .any(|f| f.detail == "row level security is switched off on table `t`"
                    && f.kind == Kind::Different
                    && f.object == "table t"),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.detail.contains("`anon` holds SELECT on table `t`") && f.kind == Kind::Unexpected),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|f| f.object == "table extra" && f.kind == Kind::Unexpected),
            "{found:?}"
        );
    }
}
