//! Reads what a live database holds into a [`Catalog`], and builds the [`Catalog`] a schema
//! promises, so the two can be compared object by object. SQL expressions (defaults, checks,
//! predicates, policies) are compared in the server's own normalized spelling: the expected
//! ones are put on a scratch copy of the table and read back, inside a transaction that is
//! rolled back.

use postgres::{Client, GenericClient};
use std::collections::{BTreeMap, BTreeSet};
use supaschema_build::model::{
    Column, Command, Function, PRIVATE_SCHEMA, Policy, RESERVED_SCHEMAS, ReferentialAction, Returns, Role, SCHEMA,
    Schema, Table, qualified_function,
};
use supaschema_build::{SqlType, quote_identifier};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub tables: BTreeMap<String, TableCatalog>,
    pub functions: BTreeMap<String, FunctionCatalog>,
    /// Enum types of `public`, by name.
    pub enums: BTreeMap<String, EnumCatalog>,
    /// Rows of `storage.buckets` by id; empty where the database has no `storage` schema.
    pub buckets: BTreeMap<String, BucketCatalog>,
    /// Policies on `storage.objects`, by name.
    pub storage_policies: BTreeMap<String, PolicyCatalog>,
}

/// An enum type: its labels in their order, and its comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumCatalog {
    pub values: Vec<String>,
    pub comment: Option<String>,
}

/// A Storage bucket's settings, as `storage.buckets` holds them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BucketCatalog {
    pub public: bool,
    pub file_size_limit: Option<i64>,
    /// `None`: every type.
    pub allowed_mime_types: Option<Vec<String>>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableCatalog {
    pub comment: Option<String>,
    pub columns: Vec<ColumnCatalog>,
    /// Constraints by name: `p`rimary, `u`nique, `c`heck, `x` exclusion, `f`oreign, with the
    /// server's definition text.
    pub constraints: BTreeMap<String, String>,
    /// Indexes that no constraint owns, with the server's definition text.
    pub indexes: BTreeMap<String, String>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub policies: BTreeMap<String, PolicyCatalog>,
    /// Privileges of the API roles: role → `SELECT`, `INSERT`, …
    pub grants: BTreeMap<String, BTreeSet<String>>,
    /// Column privileges of the API roles, as (column, role, privilege): the non-PHI columns a
    /// table with `audit_reads` lets them select.
    pub column_grants: BTreeSet<(String, String, String)>,
    /// Privileges of the API roles on the sequences of the table's identity and serial
    /// columns, as (column, role, privilege). The generator revokes them all, so none is expected.
    pub sequence_grants: BTreeSet<(String, String, String)>,
    /// Triggers by name, with the server's definition text.
    pub triggers: BTreeMap<String, String>,
    /// In the `supabase_realtime` publication.
    pub realtime: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnCatalog {
    pub name: String,
    pub data_type: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// The expression of a generated (stored) column.
    pub generated: Option<String>,
    /// `a` (always), `d` (by default), or empty.
    pub identity: String,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyCatalog {
    pub command: String,
    pub roles: Vec<String>,
    pub permissive: bool,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionCatalog {
    pub arguments: String,
    pub returns: String,
    pub security_definer: bool,
    pub config: Vec<String>,
    /// The API roles that may execute it.
    pub executable_by: Vec<String>,
    pub comment: Option<String>,
}

/// The roles schema.toml grants to, by name: the Data API's, and `backend`, which exists only
/// where a migration created it (queries that need the role itself check with `to_regrole`).
pub fn api_roles() -> [&'static str; 4] {
    Role::ALL.map(Role::sql)
}

/// Everything in schema `public` of the connected database, and its Storage buckets.
pub fn read_catalog(client: &mut impl GenericClient) -> Result<Catalog, postgres::Error> {
    let mut catalog = Catalog::default();
    let tables = client.query(
        "select c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity, obj_description(c.oid, 'pg_class')
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'p')
          order by c.relname",
        &[&SCHEMA],
    )?;
    for row in tables {
        let oid: postgres::types::Oid = row.get(0);
        let name: String = row.get(1);
        let table = read_table(client, oid, row.get(2), row.get(3), row.get(4))?;
        catalog.tables.insert(name, table);
    }
    // Functions by the name schema.toml gives them: `name` in `public`, `schema.name` in the
    // other schemas that neither PostgreSQL nor Supabase owns (`private`, the membership
    // lookups'), those of extensions left out.
    let reserved: Vec<&str> = RESERVED_SCHEMAS
        .iter()
        .copied()
        .chain(["supaschema_expected"])
        .collect();
    let functions = client.query(
        "select p.oid, case when n.nspname = $1 then p.proname::text else n.nspname || '.' || p.proname end,
                pg_get_function_arguments(p.oid), pg_get_function_result(p.oid),
                p.prosecdef, coalesce(p.proconfig, '{}'), obj_description(p.oid, 'pg_proc'),
                array(select r from unnest($2::text[]) with ordinality as roles(r, i)
                       where case when to_regrole(r) is null then false
                                  else has_function_privilege(r, p.oid, 'execute') end
                       order by r)
           from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname <> all($3::text[]) and n.nspname not like 'pg\\_%'
            and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
          order by 2",
        &[&SCHEMA, &api_roles().to_vec(), &reserved],
    )?;
    for row in functions {
        let executable_by: Vec<String> = row.get(7);
        catalog.functions.insert(
            row.get(1),
            FunctionCatalog {
                arguments: row.get(2),
                returns: row.get(3),
                security_definer: row.get(4),
                config: row.get(5),
                executable_by,
                comment: row.get(6),
            },
        );
    }
    for row in client.query(
        "select t.typname::text, array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder),
                obj_description(t.oid, 'pg_type')
           from pg_type t join pg_namespace n on n.oid = t.typnamespace
          where n.nspname = $1 and t.typtype = 'e'
            and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')",
        &[&SCHEMA],
    )? {
        catalog.enums.insert(
            row.get(0),
            EnumCatalog {
                values: row.get(1),
                comment: row.get(2),
            },
        );
    }
    read_storage(client, &mut catalog)?;
    Ok(catalog)
}

/// The buckets and the policies on `storage.objects`, where Supabase Storage's schema exists (a
/// plain PostgreSQL has none).
fn read_storage(client: &mut impl GenericClient, catalog: &mut Catalog) -> Result<(), postgres::Error> {
    let objects: Option<postgres::types::Oid> = client
        .query_one("select to_regclass('storage.objects')::oid", &[])?
        .get(0);
    let Some(objects) = objects else {
        return Ok(());
    };
    for row in client.query(
        "select id, coalesce(public, false), file_size_limit, allowed_mime_types from storage.buckets order by id",
        &[],
    )? {
        catalog.buckets.insert(
            row.get(0),
            BucketCatalog {
                public: row.get(1),
                file_size_limit: row.get(2),
                allowed_mime_types: row.get(3),
            },
        );
    }
    catalog.storage_policies = read_policies(client, objects)?;
    Ok(())
}

/// The policies on a table, by name.
fn read_policies(
    client: &mut impl GenericClient,
    oid: postgres::types::Oid,
) -> Result<BTreeMap<String, PolicyCatalog>, postgres::Error> {
    let mut policies = BTreeMap::new();
    for r in client.query(
        "select polname, polcmd::text, polpermissive, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid),
                array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end from unnest(polroles) r order by 1)
           from pg_policy where polrelid = $1",
        &[&oid],
    )? {
        let command = match r.get::<_, String>(1).as_str() {
            "r" => "select",
            "a" => "insert",
            "w" => "update",
            "d" => "delete",
            _ => "all",
        };
        policies.insert(
            r.get(0),
            PolicyCatalog { command: command.to_owned(), roles: r.get(5), permissive: r.get(2), using: r.get(3), with_check: r.get(4) },
        );
    }
    Ok(policies)
}

fn read_table(
    client: &mut impl GenericClient,
    oid: postgres::types::Oid,
    rls_enabled: bool,
    rls_forced: bool,
    comment: Option<String>,
) -> Result<TableCatalog, postgres::Error> {
    let columns = client
        .query(
            "select a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    case when a.attgenerated = '' then pg_get_expr(d.adbin, d.adrelid) end, a.attidentity::text,
                    col_description(a.attrelid, a.attnum),
                    case when a.attgenerated <> '' then pg_get_expr(d.adbin, d.adrelid) end
               from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
              where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
              order by a.attnum",
            &[&oid],
        )?
        .into_iter()
        .map(|r| ColumnCatalog {
            name: r.get(0),
            data_type: r.get(1),
            not_null: r.get(2),
            default: r.get(3),
            generated: r.get(6),
            identity: r.get(4),
            comment: r.get(5),
        })
        .collect();
    let constraints = pairs(
        client,
        "select conname, contype::text || ' ' || pg_get_constraintdef(oid) from pg_constraint
          where conrelid = $1 and contype in ('p', 'u', 'c', 'x', 'f')",
        oid,
    )?;
    let indexes = pairs(
        client,
        "select c.relname, regexp_replace(pg_get_indexdef(i.indexrelid), ' INDEX \\S+ ON ', ' INDEX ON ')
           from pg_index i join pg_class c on c.oid = i.indexrelid
          where i.indrelid = $1 and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)",
        oid,
    )?;
    let triggers = pairs(
        client,
        "select tgname, regexp_replace(pg_get_triggerdef(oid), 'TRIGGER \\S+ ', 'TRIGGER ')
           from pg_trigger where tgrelid = $1 and not tgisinternal",
        oid,
    )?;
    let policies = read_policies(client, oid)?;
    let mut grants: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in client.query(
        "select g.grantee::regrole::text, g.privilege_type
           from pg_class c, aclexplode(c.relacl) g
          where c.oid = $1 and g.grantee::regrole::text = any($2)",
        &[&oid, &api_roles().to_vec()],
    )? {
        grants.entry(r.get(0)).or_default().insert(r.get(1));
    }
    let mut column_grants = BTreeSet::new();
    for r in client.query(
        "select a.attname::text, g.grantee::regrole::text, g.privilege_type
           from pg_attribute a, aclexplode(a.attacl) g
          where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
            and g.grantee::regrole::text = any($2)",
        &[&oid, &api_roles().to_vec()],
    )? {
        column_grants.insert((r.get(0), r.get(1), r.get(2)));
    }
    let mut sequence_grants = BTreeSet::new();
    for r in client.query(
        "select a.attname::text, g.grantee::regrole::text, g.privilege_type
           from pg_depend d
           join pg_class s on s.oid = d.objid and s.relkind = 'S'
           join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
          cross join aclexplode(s.relacl) g
          where d.classid = 'pg_class'::regclass and d.refobjid = $1 and d.deptype in ('a', 'i')
            and g.grantee::regrole::text = any($2)",
        &[&oid, &api_roles().to_vec()],
    )? {
        sequence_grants.insert((r.get(0), r.get(1), r.get(2)));
    }
    let realtime = in_realtime(client, oid)?;
    Ok(TableCatalog {
        comment,
        columns,
        constraints,
        indexes,
        rls_enabled,
        rls_forced,
        policies,
        grants,
        column_grants,
        sequence_grants,
        triggers,
        realtime,
    })
}

/// Whether Realtime sends the table's changes: it is in the `supabase_realtime` publication.
pub(crate) fn in_realtime(client: &mut impl GenericClient, oid: postgres::types::Oid) -> Result<bool, postgres::Error> {
    Ok(client
        .query_one(
            "select exists (select 1 from pg_publication p
                             where p.pubname = 'supabase_realtime'
                               and (p.puballtables or exists (select 1 from pg_publication_rel r
                                                               where r.prpubid = p.oid and r.prrelid = $1)))",
            &[&oid],
        )?
        .get(0))
}

fn pairs(
    client: &mut impl GenericClient,
    sql: &str,
    oid: postgres::types::Oid,
) -> Result<BTreeMap<String, String>, postgres::Error> {
    Ok(client
        .query(sql, &[&oid])?
        .into_iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// A function's arguments (defaults included) and result as the server prints them, from a
/// stand-in of the same signature; as schema.toml spells them if the server cannot build it
/// (the table a `setof` names is missing: drift reports that table).
fn expected_signature(
    tx: &mut postgres::Transaction,
    function: &Function,
    in_public: &str,
) -> Result<(String, String), postgres::Error> {
    let args: Vec<String> = function
        .args
        .iter()
        .map(|a| {
            let default = a.default.as_ref().map(|d| format!(" default {d}")).unwrap_or_default();
            format!("{} {}{default}", quote_identifier(&a.name), scratch_type(&a.sql_type))
        })
        .collect();
    // Enum types as schema.toml has them: the stand-ins in `supaschema_expected`.
    let returns = match &function.returns {
        Returns::Type(sql) => match sql.strip_prefix(&format!("{SCHEMA}.")) {
            Some(enum_type) => format!("{EXPECTED}.{enum_type}"),
            None => sql.clone(),
        },
        Returns::Table { table } => {
            let columns: Vec<String> = table
                .iter()
                .map(|(name, sql_type)| format!("{} {}", quote_identifier(name), scratch_type(sql_type)))
                .collect();
            format!("table ({})", columns.join(", "))
        }
        setof @ Returns::SetOf { .. } => setof.sql(),
    };
    let as_in_public = |text: String| text.replace(&format!("{EXPECTED}."), in_public);
    let mut stand_in = tx.transaction()?;
    let created = stand_in.batch_execute(&format!(
        "create function supaschema_expected.f({}) returns {returns} language plpgsql as 'begin end'",
        args.join(", "),
    ));
    if created.is_err() {
        return Ok((as_in_public(args.join(", ")), as_in_public(returns)));
    }
    let row = stand_in.query_one(
        "select pg_get_function_arguments(p.oid), pg_get_function_result(p.oid) from pg_proc p
          where p.proname = 'f' and p.pronamespace = 'supaschema_expected'::regnamespace",
        &[],
    )?;
    // Rolled back with the stand-in.
    Ok((as_in_public(row.get(0)), as_in_public(row.get(1))))
}

/// The catalog `schema` promises, with every expression in the server's spelling. Needs the
/// referenced objects (`auth.users`, extensions, other tables) to exist on the server; creates
/// nothing that outlives the call.
pub fn expected_catalog(client: &mut Client, schema: &Schema) -> Result<Catalog, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.batch_execute("create schema supaschema_expected")?;
    let mut catalog = Catalog::default();
    // The enums as schema.toml has them, whatever the database has: the scratch tables' columns
    // are of these, and what the server prints of them is written as it names those of `public`.
    for enum_type in &schema.enums {
        let values: Vec<String> = enum_type
            .values
            .iter()
            .map(|v| supaschema_build::quote_literal(v))
            .collect();
        tx.batch_execute(&format!(
            "create type {EXPECTED}.{} as enum ({})",
            quote_identifier(&enum_type.name),
            values.join(", ")
        ))?;
        catalog.enums.insert(
            enum_type.name.clone(),
            EnumCatalog {
                values: enum_type.values.clone(),
                comment: enum_type.comment.clone(),
            },
        );
    }
    // The server names a type of `public` without its schema when `public` is on the search path.
    let public_visible: bool = tx
        .query_one("select $1 = any(current_schemas(false))", &[&SCHEMA])?
        .get(0);
    let in_public = if public_visible {
        String::new()
    } else {
        format!("{SCHEMA}.")
    };
    for table in &schema.tables {
        let mut expected = expected_table(&mut tx, table)?;
        if !schema.enums.is_empty() {
            as_in_public(&mut expected, &in_public);
        }
        catalog.tables.insert(table.name.clone(), expected);
    }
    for function in &schema.functions {
        let mut executable_by: Vec<String> = function.execute.iter().map(|r| r.sql().to_owned()).collect();
        executable_by.sort();
        let (arguments, returns) = expected_signature(&mut tx, function, &in_public)?;
        catalog.functions.insert(
            function.key(),
            FunctionCatalog {
                arguments,
                returns,
                security_definer: function.security == supaschema_build::model::Security::Definer,
                config: vec!["search_path=\"\"".to_owned()],
                executable_by,
                comment: function.comment.clone(),
            },
        );
    }
    for lookup in schema.membership_lookups() {
        catalog.functions.insert(
            format!("{PRIVATE_SCHEMA}.{}", lookup.function_name()),
            FunctionCatalog {
                arguments: "group_id uuid, roles text[]".to_owned(),
                returns: "boolean".to_owned(),
                security_definer: true,
                config: vec!["search_path=\"\"".to_owned()],
                executable_by: vec![Role::Authenticated.sql().to_owned()],
                comment: None,
            },
        );
    }
    if !schema.buckets.is_empty() {
        // The policies' expressions in the server's spelling, on a copy of `storage.objects`.
        let scratch = "supaschema_expected.objects";
        tx.batch_execute(&format!("create table {scratch} (like storage.objects)"))?;
        for bucket in &schema.buckets {
            catalog.buckets.insert(
                bucket.name.clone(),
                BucketCatalog {
                    public: bucket.public,
                    file_size_limit: bucket.file_size_limit,
                    allowed_mime_types: (!bucket.allowed_mime_types.is_empty())
                        .then(|| bucket.allowed_mime_types.clone()),
                },
            );
            for policy in &bucket.policies {
                catalog
                    .storage_policies
                    .insert(policy.name.clone(), expected_policy(&mut tx, scratch, policy)?);
            }
        }
    }
    tx.rollback()?;
    Ok(catalog)
}

/// The schema the expected objects are built in, inside a transaction that is rolled back.
const EXPECTED: &str = "supaschema_expected";

/// A scratch table's catalog with its enum types named as those of `public` print (qualified by
/// `in_public`): the server qualifies a type outside the search path
/// (`'booked'::supaschema_expected.visit_status`).
fn as_in_public(table: &mut TableCatalog, in_public: &str) {
    let prefix = format!("{EXPECTED}.");
    let strip = |text: &mut String| {
        if text.contains(&prefix) {
            *text = text.replace(&prefix, in_public);
        }
    };
    for column in &mut table.columns {
        strip(&mut column.data_type);
        column.default.iter_mut().for_each(strip);
    }
    table.constraints.values_mut().for_each(strip);
    table.indexes.values_mut().for_each(strip);
    table.triggers.values_mut().for_each(strip);
    for policy in table.policies.values_mut() {
        policy.using.iter_mut().for_each(strip);
        policy.with_check.iter_mut().for_each(strip);
    }
}

/// A column type as the scratch tables spell it: an enum type is the expected one.
fn scratch_type(sql_type: &SqlType) -> String {
    match sql_type {
        SqlType::Enum(name) => format!("{EXPECTED}.{}", quote_identifier(name)),
        SqlType::Array(inner) => format!("{}[]", scratch_type(inner)),
        other => other.to_string(),
    }
}

fn expected_table(tx: &mut postgres::Transaction<'_>, table: &Table) -> Result<TableCatalog, postgres::Error> {
    // A scratch table with the same columns and types, in a schema of its own so that the
    // definitions the server prints can name it like the real one.
    let scratch = format!("supaschema_expected.{}", quote_identifier(&table.name));
    let columns_sql: Vec<String> = table
        .columns
        .iter()
        .map(|c| match &c.generated {
            Some(expr) => format!(
                "{} {} generated always as ({expr}) stored",
                quote_identifier(&c.name),
                scratch_type(&c.sql_type)
            ),
            None => format!("{} {}", quote_identifier(&c.name), scratch_type(&c.sql_type)),
        })
        .collect();
    tx.batch_execute(&format!("create table {scratch} ({})", columns_sql.join(", ")))?;
    let mut expected = TableCatalog {
        comment: table.comment.clone(),
        rls_enabled: table.rls.enabled,
        rls_forced: table.rls.forced,
        realtime: table.realtime,
        ..TableCatalog::default()
    };
    for column in &table.columns {
        expected.columns.push(expected_column(tx, &scratch, column)?);
    }
    let mut definitions: Vec<(String, String, String)> = Vec::new();
    definitions.push((
        table.primary_key.name.clone(),
        "p".into(),
        format!("primary key ({})", idents(&table.primary_key.columns)),
    ));
    for unique in &table.uniques {
        definitions.push((
            unique.name.clone(),
            "u".into(),
            format!("unique ({})", idents(&unique.columns)),
        ));
    }
    for check in &table.checks {
        definitions.push((check.name.clone(), "c".into(), format!("check ({})", check.expr)));
    }
    for exclusion in &table.exclusions {
        let elements: Vec<String> = exclusion
            .elements
            .iter()
            .map(|e| format!("{} with {}", e.sql, e.operator))
            .collect();
        let predicate = exclusion
            .predicate
            .as_ref()
            .map(|p| format!(" where ({p})"))
            .unwrap_or_default();
        let method = serde_plain(&exclusion.method);
        definitions.push((
            exclusion.name.clone(),
            "x".into(),
            format!("exclude using {method} ({}){predicate}", elements.join(", ")),
        ));
    }
    for fk in &table.foreign_keys {
        let mut definition = format!(
            "foreign key ({}) references {}.{} ({})",
            idents(&fk.columns),
            quote_identifier(&fk.target_schema),
            quote_identifier(&fk.target_table),
            idents(&fk.target_columns)
        );
        for (action, word, columns) in [
            (fk.on_delete, "delete", fk.on_delete_columns.as_slice()),
            (fk.on_update, "update", &[]),
        ] {
            if action != ReferentialAction::NoAction {
                definition.push_str(&format!(" on {word} {}", action.sql()));
            }
            if !columns.is_empty() {
                definition.push_str(&format!(" ({})", idents(columns)));
            }
        }
        if let Some(deferrable) = fk.deferrable {
            definition.push_str(&format!(" deferrable {}", serde_plain(&deferrable).replace('_', " ")));
        }
        definitions.push((fk.name.clone(), "f".into(), definition));
    }
    for (name, kind, definition) in definitions {
        tx.batch_execute(&format!(
            "alter table {scratch} add constraint {} {definition}",
            quote_identifier(&name)
        ))?;
        let text: String = tx
            .query_one(
                "select pg_get_constraintdef(oid) from pg_constraint where conrelid = $1::text::regclass and conname = $2",
                &[&scratch, &name],
            )?
            .get(0);
        expected.constraints.insert(name, format!("{kind} {text}"));
    }
    for index in &table.indexes {
        let key: Vec<String> = index
            .columns
            .iter()
            .map(|c| quote_identifier(c))
            .chain(index.expressions.iter().map(|e| format!("({e})")))
            .collect();
        let mut sql = format!(
            "create {}index {} on {scratch} using {} ({})",
            if index.unique { "unique " } else { "" },
            quote_identifier(&index.name),
            serde_plain(&index.method),
            key.join(", ")
        );
        if !index.include.is_empty() {
            sql.push_str(&format!(" include ({})", idents(&index.include)));
        }
        if let Some(predicate) = &index.predicate {
            sql.push_str(&format!(" where ({predicate})"));
        }
        tx.batch_execute(&sql)?;
        let text: String = tx
            .query_one(
                "select regexp_replace(pg_get_indexdef($1::text::regclass), ' INDEX \\S+ ON ', ' INDEX ON ')",
                &[&format!("supaschema_expected.{}", quote_identifier(&index.name))],
            )?
            .get(0);
        expected.indexes.insert(
            index.name.clone(),
            text.replace("supaschema_expected.", &format!("{SCHEMA}.")),
        );
    }
    for policy in &table.policies {
        expected
            .policies
            .insert(policy.name.clone(), expected_policy(tx, &scratch, policy)?);
    }
    for grant in &table.grants {
        let by_column = table.selects_by_column(grant.role);
        if by_column {
            for column in table.readable_columns().unwrap_or_default() {
                expected
                    .column_grants
                    .insert((column, grant.role.sql().to_owned(), "SELECT".to_owned()));
            }
        }
        let privileges = grant
            .privileges
            .iter()
            .flat_map(|c| c.expand())
            .filter(|c| !(by_column && **c == Command::Select))
            .map(|c| match c {
                Command::Select => "SELECT",
                Command::Insert => "INSERT",
                Command::Update => "UPDATE",
                _ => "DELETE",
            })
            .map(str::to_owned)
            .collect();
        expected.grants.insert(grant.role.sql().to_owned(), privileges);
    }
    for trigger in &table.triggers {
        let events: Vec<String> = trigger
            .events
            .iter()
            .map(|event| match event {
                supaschema_build::model::TriggerEvent::Update if !trigger.columns.is_empty() => {
                    format!("update of {}", idents(&trigger.columns))
                }
                _ => serde_plain(event),
            })
            .collect();
        let when = trigger
            .when
            .as_ref()
            .map(|when| format!(" when ({when})"))
            .unwrap_or_default();
        let arguments: Vec<String> = trigger
            .arguments
            .iter()
            .map(|a| supaschema_build::quote_literal(a))
            .collect();
        tx.batch_execute(&format!(
            "create trigger {} {} {} on {scratch} for each {}{when} execute function {}({})",
            quote_identifier(&trigger.name),
            serde_plain(&trigger.timing),
            events.join(" or "),
            serde_plain(&trigger.for_each),
            qualified_function(&trigger.function),
            arguments.join(", ")
        ))?;
        let text: String = tx
            .query_one(
                "select regexp_replace(pg_get_triggerdef(oid), 'TRIGGER \\S+ ', 'TRIGGER ') from pg_trigger
                  where tgrelid = $1::text::regclass and tgname = $2",
                &[&scratch, &trigger.name],
            )?
            .get(0);
        expected.triggers.insert(
            trigger.name.clone(),
            text.replace("supaschema_expected.", &format!("{SCHEMA}.")),
        );
    }
    Ok(expected)
}

/// A policy as the server prints it, created on `scratch`, a copy of its table's columns.
fn expected_policy(
    tx: &mut postgres::Transaction<'_>,
    scratch: &str,
    policy: &Policy,
) -> Result<PolicyCatalog, postgres::Error> {
    let mut sql = format!(
        "create policy {} on {scratch} as {} for {} to {}",
        quote_identifier(&policy.name),
        if policy.permissive { "permissive" } else { "restrictive" },
        policy.command.sql(),
        policy.roles.iter().map(|r| r.sql()).collect::<Vec<_>>().join(", ")
    );
    if let Some(using) = &policy.using {
        sql.push_str(&format!(" using ({using})"));
    }
    if let Some(check) = &policy.with_check {
        sql.push_str(&format!(" with check ({check})"));
    }
    tx.batch_execute(&sql)?;
    let row = tx.query_one(
        "select pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid) from pg_policy
          where polrelid = $1::text::regclass and polname = $2",
        &[&scratch, &policy.name],
    )?;
    let mut roles: Vec<String> = policy.roles.iter().map(|r| r.sql().to_owned()).collect();
    roles.sort();
    Ok(PolicyCatalog {
        command: policy.command.sql().to_owned(),
        roles,
        permissive: policy.permissive,
        using: row.get(0),
        with_check: row.get(1),
    })
}

fn expected_column(
    tx: &mut postgres::Transaction<'_>,
    scratch: &str,
    column: &Column,
) -> Result<ColumnCatalog, postgres::Error> {
    let name = quote_identifier(&column.name);
    if let Some(expr) = &column.default {
        tx.batch_execute(&format!("alter table {scratch} alter column {name} set default {expr}"))?;
    }
    // The default, or the generation expression the scratch table was created with.
    let expression: Option<String> = match column.default.is_some() || column.generated.is_some() {
        true => tx
            .query_one(
                "select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d
                   join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
                  where d.adrelid = $1::text::regclass and a.attname = $2",
                &[&scratch, &column.name],
            )?
            .get(0),
        false => None,
    };
    let (default, generated) = match column.generated {
        Some(_) => (None, expression),
        None => (expression, None),
    };
    let data_type: String = tx
        .query_one(
            "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = $1::text::regclass and attname = $2",
            &[&scratch, &column.name],
        )?
        .get(0);
    Ok(ColumnCatalog {
        name: column.name.clone(),
        data_type,
        not_null: !column.nullable || column.identity.is_some(),
        default,
        generated,
        identity: match column.identity {
            Some(supaschema_build::model::Identity::Always) => "a".into(),
            Some(supaschema_build::model::Identity::ByDefault) => "d".into(),
            None => String::new(),
        },
        comment: column.comment.clone(),
    })
}

fn idents(names: &[String]) -> String {
    names.iter().map(|n| quote_identifier(n)).collect::<Vec<_>>().join(", ")
}

/// The snake_case name serde gives a model enum (`by_default`, `gist`).
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}
