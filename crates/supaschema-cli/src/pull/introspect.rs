//! Stage 1 of `pull`: read what a live database holds in schema `public` (and the tables it
//! references elsewhere, such as `auth.users`) into plain structs, in the server's own spelling.
//! Nothing here decides what `schema.toml` can say; [`super::map`] does.

use postgres::GenericClient;
use postgres::types::Oid;
use std::collections::{BTreeMap, BTreeSet};
use supaschema_build::model::SCHEMA;

/// Everything `pull` looks at.
#[derive(Clone, Debug, Default)]
pub struct Live {
    pub tables: Vec<LiveTable>,
    pub functions: Vec<LiveFunction>,
    /// Enum types of `public`, by name.
    pub enums: Vec<LiveEnum>,
    /// Installed extensions: name and schema.
    pub extensions: Vec<(String, String)>,
    /// Whether the pulling role's new functions lose PUBLIC's EXECUTE by default, the mark
    /// `revoke_default_grants = true` leaves (PostgreSQL itself always grants it).
    pub revokes_default_grants: bool,
    /// Tables outside `public` that foreign keys of `public` reference, by `schema.table`.
    pub external: BTreeMap<String, LiveExternal>,
    /// The bodies of the membership lookups (`private.<table>_member(uuid, text[])`), by
    /// function name: the membership owner rules call them.
    pub membership_lookups: BTreeMap<String, String>,
    /// Objects of `public` that `schema.toml` cannot describe at all (views, types, sequences,
    /// other kinds of relations), as `kind name`, with the reason.
    pub other_objects: Vec<(String, String)>,
}

/// An enum type: its labels in their order, and its comment.
#[derive(Clone, Debug, Default)]
pub struct LiveEnum {
    pub name: String,
    pub values: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct LiveExternal {
    /// Every column, in order, with its `format_type` spelling.
    pub columns: Vec<(String, String)>,
    pub primary_key: Vec<String>,
    /// Unique constraints and unique indexes (without predicate or expressions).
    pub uniques: Vec<Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct LiveTable {
    pub name: String,
    pub comment: Option<String>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    /// In the `supabase_realtime` publication.
    pub realtime: bool,
    pub columns: Vec<LiveColumn>,
    pub constraints: Vec<LiveConstraint>,
    /// Indexes that no constraint owns.
    pub indexes: Vec<LiveIndex>,
    pub policies: Vec<LivePolicy>,
    /// Privileges of the API roles: role → `SELECT`, `INSERT`, …
    pub grants: BTreeMap<String, BTreeSet<String>>,
    pub triggers: Vec<LiveTrigger>,
    /// With a `public.read_<table>` security definer function and API roles that may select
    /// some columns only (`audit_reads = true`): the columns they may not select, its PHI. Their
    /// column `select` counts as `SELECT` in `grants`.
    pub audited_reads: Option<Vec<String>>,
}

#[derive(Clone, Debug)]
pub struct LiveColumn {
    pub name: String,
    /// `format_type` of the column.
    pub data_type: String,
    /// `e` (enum), `d` (domain), `c` (composite), `b` (base), … of the column's type.
    pub type_kind: String,
    pub not_null: bool,
    pub default: Option<String>,
    /// `a`, `d` or empty.
    pub identity: String,
    /// `s` for a generated (stored) column, else empty.
    pub generated: String,
    pub comment: Option<String>,
    /// Whether the column has a collation other than its type's default.
    pub custom_collation: bool,
}

#[derive(Clone, Debug)]
pub struct LiveConstraint {
    pub name: String,
    /// `p`, `u`, `c`, `f`, `x` (others are not read).
    pub kind: char,
    pub columns: Vec<String>,
    /// `pg_get_constraintdef`, for messages.
    pub definition: String,
    /// A check's expression (`pg_get_expr` of `conbin`).
    pub check: Option<String>,
    pub foreign: Option<LiveForeignKey>,
    pub exclusion: Option<LiveExclusion>,
    pub deferrable: bool,
    pub validated: bool,
    pub no_inherit: bool,
}

#[derive(Clone, Debug)]
pub struct LiveForeignKey {
    pub target_schema: String,
    pub target_table: String,
    pub target_columns: Vec<String>,
    /// `confdeltype` / `confupdtype`: `a`, `r`, `c`, `n`, `d`.
    pub on_delete: char,
    pub on_update: char,
    /// `confmatchtype`: `s` (simple), `f` (full).
    pub match_type: char,
    /// The columns a `set null`/`set default` delete action is limited to (`confdelsetcols`).
    pub action_columns: Vec<String>,
    /// `deferrable` as schema.toml spells it, when the key is.
    pub deferrable: Option<&'static str>,
}

#[derive(Clone, Debug)]
pub struct LiveExclusion {
    pub method: String,
    /// Each element: the column name (`true`) or the expression text (`false`), and its operator.
    pub elements: Vec<(String, bool, String)>,
    pub predicate: Option<String>,
    /// Every element uses its type's default operator class, ascending.
    pub plain: bool,
}

#[derive(Clone, Debug)]
pub struct LiveIndex {
    pub name: String,
    pub unique: bool,
    pub method: String,
    /// Key columns; `None` where the key is an expression.
    pub columns: Vec<Option<String>>,
    /// The expression of each key that is one, in key order, as the server prints it.
    pub expressions: Vec<String>,
    pub include: Vec<String>,
    pub predicate: Option<String>,
    /// Every key uses its type's default operator class, ascending, with the default collation.
    pub plain: bool,
    pub definition: String,
}

#[derive(Clone, Debug)]
pub struct LivePolicy {
    pub name: String,
    /// `r`, `a`, `w`, `d` or `*`.
    pub command: char,
    /// Role names; `public` for PUBLIC.
    pub roles: Vec<String>,
    pub permissive: bool,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Clone, Debug)]
pub struct LiveTrigger {
    pub name: String,
    /// `before`, `after` or `instead of`.
    pub timing: &'static str,
    /// `insert`, `update`, `delete`, `truncate`, in that order.
    pub events: Vec<&'static str>,
    pub row: bool,
    pub function_schema: String,
    pub function_name: String,
    pub arguments: Vec<String>,
    /// `update of` columns.
    pub columns: Vec<String>,
    /// The `when` condition, as PostgreSQL prints it.
    pub when: Option<String>,
    /// A constraint trigger, a transition table, or a disabled trigger: none of which
    /// `schema.toml` can say.
    pub unusual: Option<&'static str>,
    pub definition: String,
}

#[derive(Clone, Debug)]
pub struct LiveFunction {
    /// As schema.toml names it: `name` in `public`, `schema.name` elsewhere.
    pub name: String,
    /// `(name, format_type)` of each argument; a name is empty when the argument has none.
    pub args: Vec<(String, String)>,
    /// The defaults of the last arguments, as the server prints them.
    pub defaults: Vec<String>,
    /// Why the signature is beyond `schema.toml` (out arguments, variadic, a set of anything
    /// but a table's rows, a procedure or aggregate).
    pub unusual: Option<&'static str>,
    /// `pg_get_function_result`.
    pub returns: String,
    /// The table of `public` whose rows `returns setof` names.
    pub setof: Option<String>,
    /// `(name, format_type)` of each column of `returns table (…)`.
    pub table: Vec<(String, String)>,
    pub language: String,
    pub security_definer: bool,
    /// `i`, `s` or `v`.
    pub volatility: char,
    pub body: String,
    pub config: Vec<String>,
    /// The API roles that may execute it.
    pub executable_by: Vec<String>,
    pub comment: Option<String>,
    pub identity: String,
}

/// The roles Supabase's Data API connects as.
fn api_roles() -> Vec<String> {
    crate::catalog::api_roles().iter().map(|r| (*r).to_owned()).collect()
}

/// Reads schema `public` and what its foreign keys reference.
pub fn read(client: &mut impl GenericClient) -> Result<Live, postgres::Error> {
    let mut live = Live::default();
    let tables = client.query(
        "select c.oid, c.relname::text, c.relrowsecurity, c.relforcerowsecurity, obj_description(c.oid, 'pg_class'),
                c.relkind::text, c.relispartition, exists (select 1 from pg_inherits i where i.inhrelid = c.oid)
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('r', 'p')
          order by c.relname",
        &[&SCHEMA],
    )?;
    for row in tables {
        let name: String = row.get(1);
        let kind: String = row.get(5);
        if kind == "p" || row.get::<_, bool>(6) || row.get::<_, bool>(7) {
            live.other_objects.push((
                format!("table {name}"),
                "partitioned and inherited tables cannot be described".to_owned(),
            ));
            continue;
        }
        let table = read_table(client, row.get(0), name, row.get(2), row.get(3), row.get(4))?;
        live.tables.push(table);
    }
    live.functions = read_functions(client)?;
    for row in client.query(
        "select p.proname::text, p.prosrc from pg_proc p join pg_namespace n on n.oid = p.pronamespace
          where n.nspname = $1 and p.proname like '%\\_member'
            and pg_get_function_identity_arguments(p.oid) = 'group_id uuid, roles text[]'",
        &[&supaschema_build::model::PRIVATE_SCHEMA],
    )? {
        live.membership_lookups.insert(row.get(0), row.get(1));
    }
    live.revokes_default_grants = client
        .query_one(
            "select exists (select 1 from pg_default_acl d
                             where d.defaclrole = current_user::regrole and d.defaclnamespace = 0
                               and d.defaclobjtype = 'f'
                               and not exists (select 1 from aclexplode(d.defaclacl) a
                                                where a.grantee = 0 and a.privilege_type = 'EXECUTE'))",
            &[],
        )?
        .get(0);
    live.extensions = client
        .query(
            "select e.extname::text, n.nspname::text from pg_extension e join pg_namespace n on n.oid = e.extnamespace
              order by e.extname",
            &[],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    for row in client.query(
        "select case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'f' then 'foreign table'
                     when 'S' then 'sequence' else 'relation' end, c.relname::text
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind in ('v', 'm', 'f', 'S')
            and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('i', 'a', 'e'))
          order by 2",
        &[&SCHEMA],
    )? {
        let kind: String = row.get(0);
        live.other_objects.push((
            format!("{kind} {}", row.get::<_, String>(1)),
            format!("schema.toml cannot describe a {kind}; keep it in a hand-written migration"),
        ));
    }
    for row in client.query(
        "select t.typname::text,
                array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder),
                obj_description(t.oid, 'pg_type')
           from pg_type t join pg_namespace n on n.oid = t.typnamespace
          where n.nspname = $1 and t.typtype = 'e'
            and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')
          order by 1",
        &[&SCHEMA],
    )? {
        live.enums.push(LiveEnum {
            name: row.get(0),
            values: row.get(1),
            comment: row.get(2),
        });
    }
    for row in client.query(
        "select case t.typtype when 'd' then 'domain' when 'c' then 'composite type'
                     when 'r' then 'range type' when 'm' then 'multirange type' else 'type' end, t.typname::text
           from pg_type t join pg_namespace n on n.oid = t.typnamespace
          where n.nspname = $1 and t.typtype in ('d', 'c', 'r', 'm')
            and (t.typtype <> 'c' or (select c.relkind from pg_class c where c.oid = t.typrelid) = 'c')
            and not exists (select 1 from pg_depend d where d.objid = t.oid and d.deptype = 'e')
          order by 2",
        &[&SCHEMA],
    )? {
        let kind: String = row.get(0);
        live.other_objects.push((
            format!("{kind} {}", row.get::<_, String>(1)),
            format!("schema.toml cannot describe a {kind}; keep it in a hand-written migration"),
        ));
    }
    // Properties of the pulled objects that schema.toml has no word for.
    for row in client.query(
        "select 'constraint ' || c.relname || '.' || k.conname, 'its comment'
           from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and obj_description(k.oid, 'pg_constraint') is not null
         union all
         select 'index ' || t.relname || '.' || i.relname, 'its comment'
           from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
           join pg_namespace n on n.oid = t.relnamespace
          where n.nspname = $1 and obj_description(i.oid, 'pg_class') is not null
         union all
         select 'trigger ' || c.relname || '.' || g.tgname, 'its comment'
           from pg_trigger g join pg_class c on c.oid = g.tgrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and not g.tgisinternal and obj_description(g.oid, 'pg_trigger') is not null
         union all
         select 'policy ' || c.relname || '.' || p.polname, 'its comment'
           from pg_policy p join pg_class c on c.oid = p.polrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and obj_description(p.oid, 'pg_policy') is not null
         union all
         select 'table ' || c.relname, 'it is unlogged; pulled as a logged table'
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind = 'r' and c.relpersistence = 'u'
         union all
         select 'table ' || c.relname, 'its storage parameters (' || array_to_string(c.reloptions, ', ') || ')'
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind = 'r' and c.reloptions is not null
         union all
         select 'column ' || c.relname || '.' || a.attname, 'its column privileges'
           from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped and a.attacl is not null
            and not exists (select 1 from pg_proc p where p.pronamespace = n.oid
                             and p.proname = 'read_' || c.relname and p.prosecdef and p.proretset)
         union all
         select distinct 'table ' || c.relname, 'privileges of `' || g.grantee::regrole::text || '`'
           from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) g
          where n.nspname = $1 and c.relkind = 'r' and g.grantee <> c.relowner and g.grantee <> 0
            and g.grantee::regrole::text <> all($2)
         union all
         select distinct 'table ' || c.relname, 'privileges of PUBLIC'
           from pg_class c join pg_namespace n on n.oid = c.relnamespace, aclexplode(c.relacl) g
          where n.nspname = $1 and c.relkind = 'r' and g.grantee = 0
         union all
         select 'table ' || c.relname, 'its membership in publication `' || p.pubname || '` (realtime)'
           from pg_publication_rel r join pg_publication p on p.oid = r.prpubid join pg_class c on c.oid = r.prrelid
           join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and p.pubname <> 'supabase_realtime'
         order by 1, 2",
        &[&SCHEMA, &api_roles()],
    )? {
        let object: String = row.get(0);
        let what: String = row.get(1);
        let reason = if what.starts_with("it ") {
            what
        } else {
            format!("{what} cannot be described in schema.toml; pulled without")
        };
        live.other_objects.push((object, reason));
    }
    let mut targets: BTreeSet<(String, String)> = BTreeSet::new();
    for table in &live.tables {
        for fk in table.constraints.iter().filter_map(|c| c.foreign.as_ref()) {
            if fk.target_schema != SCHEMA {
                targets.insert((fk.target_schema.clone(), fk.target_table.clone()));
            }
        }
    }
    for (schema, table) in targets {
        let external = read_external(client, &schema, &table)?;
        live.external.insert(format!("{schema}.{table}"), external);
    }
    Ok(live)
}

fn read_table(
    client: &mut impl GenericClient,
    oid: Oid,
    name: String,
    rls_enabled: bool,
    rls_forced: bool,
    comment: Option<String>,
) -> Result<LiveTable, postgres::Error> {
    let columns = client
        .query(
            "select a.attname::text, format_type(a.atttypid, a.atttypmod), t.typtype::text, a.attnotnull,
                    pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, a.attgenerated::text,
                    col_description(a.attrelid, a.attnum), a.attcollation <> t.typcollation
               from pg_attribute a
               join pg_type t on t.oid = a.atttypid
               left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
              where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
              order by a.attnum",
            &[&oid],
        )?
        .into_iter()
        .map(|r| LiveColumn {
            name: r.get(0),
            data_type: r.get(1),
            type_kind: r.get(2),
            not_null: r.get(3),
            default: r.get(4),
            identity: r.get(5),
            generated: r.get(6),
            comment: r.get(7),
            custom_collation: r.get(8),
        })
        .collect();
    let mut constraints = Vec::new();
    for r in client.query(
        "select k.conname::text, k.contype::text, pg_get_constraintdef(k.oid),
                array(select a.attname::text from unnest(k.conkey) with ordinality as c(attnum, n)
                        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = c.attnum order by c.n),
                pg_get_expr(k.conbin, k.conrelid),
                tn.nspname::text, tc.relname::text,
                array(select a.attname::text from unnest(k.confkey) with ordinality as c(attnum, n)
                        join pg_attribute a on a.attrelid = k.confrelid and a.attnum = c.attnum order by c.n),
                k.confdeltype::text, k.confupdtype::text, k.confmatchtype::text,
                k.condeferrable, k.convalidated, k.connoinherit, k.conindid,
                array(select o.oprname::text from unnest(k.conexclop) with ordinality as x(op, n)
                        join pg_operator o on o.oid = x.op order by x.n),
                array(select a.attname::text from unnest(k.confdelsetcols) with ordinality as c(attnum, n)
                        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = c.attnum order by c.n),
                k.condeferred
           from pg_constraint k
           left join pg_class tc on tc.oid = k.confrelid
           left join pg_namespace tn on tn.oid = tc.relnamespace
          where k.conrelid = $1 and k.contype in ('p', 'u', 'c', 'f', 'x')
          order by k.conname",
        &[&oid],
    )? {
        let kind: String = r.get(1);
        let kind = kind.chars().next().unwrap_or('?');
        let foreign = (kind == 'f').then(|| LiveForeignKey {
            target_schema: r.get(5),
            target_table: r.get(6),
            target_columns: r.get(7),
            on_delete: r.get::<_, String>(8).chars().next().unwrap_or('a'),
            on_update: r.get::<_, String>(9).chars().next().unwrap_or('a'),
            match_type: r.get::<_, String>(10).chars().next().unwrap_or('s'),
            action_columns: r.get(16),
            deferrable: match (r.get::<_, bool>(11), r.get::<_, bool>(17)) {
                (false, _) => None,
                (true, false) => Some("initially_immediate"),
                (true, true) => Some("initially_deferred"),
            },
        });
        let exclusion = if kind == 'x' {
            let operators: Vec<String> = r.get(15);
            Some(read_exclusion(client, r.get(14), operators)?)
        } else {
            None
        };
        constraints.push(LiveConstraint {
            name: r.get(0),
            kind,
            definition: r.get(2),
            columns: r.get(3),
            check: r.get(4),
            foreign,
            exclusion,
            deferrable: r.get(11),
            validated: r.get(12),
            no_inherit: r.get(13),
        });
    }
    let mut indexes = Vec::new();
    for r in client.query(
        "select c.relname::text, i.indisunique, am.amname::text, i.indnkeyatts::int4,
                array(select coalesce(a.attname::text, '') from unnest(i.indkey::int2[]) with ordinality as k(attnum, n)
                        left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum and k.attnum > 0
                       order by k.n),
                pg_get_expr(i.indpred, i.indrelid),
                coalesce((select bool_and(o = 0) from unnest(i.indoption::int2[]) as o), true)
                  and coalesce((select bool_and(oc.opcdefault) from unnest(i.indclass::oid[]) as x(cls)
                                  join pg_opclass oc on oc.oid = x.cls), true)
                  and coalesce((select bool_and(x.coll = 0 or x.coll = coalesce(a.attcollation, 'pg_catalog.default'::regcollation))
                                  from unnest(i.indcollation::oid[]) with ordinality as x(coll, n)
                                  left join pg_attribute a on a.attrelid = i.indrelid
                                   and a.attnum = (i.indkey::int2[])[x.n - 1]), true),
                pg_get_indexdef(i.indexrelid),
                array(select pg_get_indexdef(i.indexrelid, k.n::int4, true)
                        from unnest(i.indkey::int2[]) with ordinality as k(attnum, n)
                       where k.attnum = 0 and k.n <= i.indnkeyatts order by k.n)
           from pg_index i
           join pg_class c on c.oid = i.indexrelid
           join pg_am am on am.oid = c.relam
          where i.indrelid = $1 and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
          order by c.relname",
        &[&oid],
    )? {
        let keys: i32 = r.get(3);
        let all: Vec<String> = r.get(4);
        let keys = usize::try_from(keys).unwrap_or(0).min(all.len());
        indexes.push(LiveIndex {
            name: r.get(0),
            unique: r.get(1),
            method: r.get(2),
            columns: all[..keys].iter().map(|c| (!c.is_empty()).then(|| c.clone())).collect(),
            include: all[keys..].to_vec(),
            predicate: r.get(5),
            plain: r.get(6),
            definition: r.get(7),
            expressions: r.get(8),
        });
    }
    let mut policies = Vec::new();
    for r in client.query(
        "select polname::text, polcmd::text, polpermissive, pg_get_expr(polqual, polrelid), pg_get_expr(polwithcheck, polrelid),
                array(select case when r = 0 then 'public' else pg_get_userbyid(r)::text end from unnest(polroles) r order by 1)
           from pg_policy where polrelid = $1 order by polname",
        &[&oid],
    )? {
        policies.push(LivePolicy {
            name: r.get(0),
            command: r.get::<_, String>(1).chars().next().unwrap_or('*'),
            permissive: r.get(2),
            using: r.get(3),
            with_check: r.get(4),
            roles: r.get(5),
        });
    }
    let mut grants: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in client.query(
        "select g.grantee::regrole::text, g.privilege_type
           from pg_class c, aclexplode(c.relacl) g
          where c.oid = $1 and g.grantee <> 0 and g.grantee::regrole::text = any($2)",
        &[&oid, &api_roles()],
    )? {
        grants.entry(r.get(0)).or_default().insert(r.get(1));
    }
    let audited_reads = read_audited_reads(client, oid, &mut grants)?;
    let mut triggers = Vec::new();
    for r in client.query(
        "select t.tgname::text, t.tgtype::int4, pn.nspname::text, p.proname::text,
                encode(t.tgargs, 'escape'), t.tgnargs::int4,
                array(select a.attname::text from unnest(t.tgattr::int2[]) with ordinality u(n, i)
                        join pg_attribute a on a.attrelid = t.tgrelid and a.attnum = u.n order by u.i),
                t.tgqual is not null,
                t.tgconstraint <> 0, t.tgoldtable is not null or t.tgnewtable is not null, t.tgenabled::text,
                pg_get_triggerdef(t.oid)
           from pg_trigger t
           join pg_proc p on p.oid = t.tgfoid
           join pg_namespace pn on pn.oid = p.pronamespace
          where t.tgrelid = $1 and not t.tgisinternal
          order by t.tgname",
        &[&oid],
    )? {
        let tgtype: i32 = r.get(1);
        let timing = if tgtype & 64 != 0 {
            "instead of"
        } else if tgtype & 2 != 0 {
            "before"
        } else {
            "after"
        };
        let mut events = Vec::new();
        for (bit, event) in [(4, "insert"), (16, "update"), (8, "delete"), (32, "truncate")] {
            if tgtype & bit != 0 {
                events.push(event);
            }
        }
        let raw_args: String = r.get(4);
        let count: i32 = r.get(5);
        let mut arguments: Vec<String> = raw_args.split("\\000").map(str::to_owned).collect();
        arguments.truncate(usize::try_from(count).unwrap_or(0));
        let definition: String = r.get(11);
        // `… FOR EACH ROW WHEN (<condition>) EXECUTE FUNCTION …`, the condition as printed.
        let when = r
            .get::<_, bool>(7)
            .then(|| {
                let start = definition.find(" WHEN (")? + " WHEN (".len();
                let end = definition.rfind(") EXECUTE FUNCTION ")?;
                (start <= end).then(|| definition[start..end].to_owned())
            })
            .flatten();
        let unusual = if r.get::<_, bool>(7) && when.is_none() {
            Some("a `when` condition")
        } else if r.get::<_, bool>(8) {
            Some("a constraint trigger")
        } else if r.get::<_, bool>(9) {
            Some("transition tables")
        } else if r.get::<_, String>(10) != "O" {
            Some("a disabled or replica-only trigger")
        } else {
            None
        };
        triggers.push(LiveTrigger {
            name: r.get(0),
            timing,
            events,
            row: tgtype & 1 != 0,
            function_schema: r.get(2),
            function_name: r.get(3),
            arguments,
            columns: r.get(6),
            when,
            unusual,
            definition,
        });
    }
    Ok(LiveTable {
        name,
        comment,
        rls_enabled,
        rls_forced,
        realtime: crate::catalog::in_realtime(client, oid)?,
        columns,
        constraints,
        indexes,
        policies,
        grants,
        triggers,
        audited_reads,
    })
}

/// The PHI columns of a table with audited reads (see [`LiveTable::audited_reads`]), folding
/// the API roles' column `select` into `grants`.
fn read_audited_reads(
    client: &mut impl GenericClient,
    oid: postgres::types::Oid,
    grants: &mut BTreeMap<String, BTreeSet<String>>,
) -> Result<Option<Vec<String>>, postgres::Error> {
    let has_read_function: bool = client
        .query_one(
            "select exists (select 1 from pg_proc p join pg_class c on c.oid = $1
                             where p.pronamespace = c.relnamespace and p.proname = 'read_' || c.relname
                               and p.prosecdef and p.proretset)",
            &[&oid],
        )?
        .get(0);
    if !has_read_function {
        return Ok(None);
    }
    let mut selectable: BTreeSet<String> = BTreeSet::new();
    for r in client.query(
        "select g.grantee::regrole::text, a.attname::text
           from pg_attribute a, aclexplode(a.attacl) g
          where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped and g.privilege_type = 'SELECT'
            and g.grantee <> 0 and g.grantee::regrole::text = any($2)",
        &[&oid, &api_roles()],
    )? {
        grants.entry(r.get(0)).or_default().insert("SELECT".to_owned());
        selectable.insert(r.get(1));
    }
    if selectable.is_empty() {
        return Ok(None);
    }
    let phi = client
        .query(
            "select attname::text from pg_attribute
              where attrelid = $1 and attnum > 0 and not attisdropped and not (attname::text = any($2))
              order by attnum",
            &[&oid, &selectable.into_iter().collect::<Vec<_>>()],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(Some(phi))
}

fn read_exclusion(
    client: &mut impl GenericClient,
    index: Oid,
    operators: Vec<String>,
) -> Result<LiveExclusion, postgres::Error> {
    let row = client.query_one(
        "select am.amname::text, i.indnatts::int4,
                array(select k.attnum <> 0 from unnest(i.indkey::int2[]) with ordinality as k(attnum, n) order by k.n),
                pg_get_expr(i.indpred, i.indrelid),
                coalesce((select bool_and(o = 0) from unnest(i.indoption::int2[]) as o), true)
                  and coalesce((select bool_and(oc.opcdefault) from unnest(i.indclass::oid[]) as x(cls)
                                  join pg_opclass oc on oc.oid = x.cls), true)
           from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
          where i.indexrelid = $1",
        &[&index],
    )?;
    let count: i32 = row.get(1);
    let is_column: Vec<bool> = row.get(2);
    let mut elements = Vec::new();
    for k in 1..=count {
        let text: String = client
            .query_one("select pg_get_indexdef($1, $2, true)", &[&index, &k])?
            .get(0);
        let n = usize::try_from(k - 1).unwrap_or(0);
        let column = is_column.get(n).copied().unwrap_or(false);
        let operator = operators.get(n).cloned().unwrap_or_default();
        elements.push((text, column, operator));
    }
    Ok(LiveExclusion {
        method: row.get(0),
        elements,
        predicate: row.get(3),
        plain: row.get(4),
    })
}

fn read_functions(client: &mut impl GenericClient) -> Result<Vec<LiveFunction>, postgres::Error> {
    let mut functions = Vec::new();
    // `public`, and the schemas neither PostgreSQL nor Supabase owns, the membership lookups
    // left out (they are read with the owner rules).
    let reserved: Vec<&str> = supaschema_build::model::RESERVED_SCHEMAS.to_vec();
    for r in client.query(
        "select case when n.nspname = $1 then p.proname::text else n.nspname || '.' || p.proname end,
                coalesce(p.proargnames, '{}'),
                array(select format_type(t, null) from unnest(p.proargtypes::oid[]) with ordinality as a(t, n) order by n),
                p.prokind::text, p.proretset, pg_get_expr(p.proargdefaults, 0), p.provariadic <> 0,
                coalesce(p.proallargtypes is not null
                         and exists (select 1 from unnest(p.proargmodes::text[]) m where m not in ('i', 't')), false),
                pg_get_function_result(p.oid), l.lanname::text, p.prosecdef, p.provolatile::text, p.prosrc,
                coalesce(p.proconfig, '{}'),
                array(select r from unnest($2::text[]) with ordinality as roles(r, i)
                       where case when to_regrole(r) is null then false
                                  else has_function_privilege(r, p.oid, 'execute') end
                       order by i),
                obj_description(p.oid, 'pg_proc'),
                p.proname::text || '(' || pg_get_function_identity_arguments(p.oid) || ')',
                (select c.relname::text from pg_type t join pg_class c on c.oid = t.typrelid
                  where t.oid = p.prorettype and c.relnamespace = $1::text::regnamespace and c.relkind in ('r', 'p')),
                array(select a.n || ' ' || format_type(a.t, null)
                        from unnest(p.proallargtypes, p.proargmodes::text[], p.proargnames) with ordinality as a(t, m, n, i)
                       where a.m = 't' order by a.i)
           from pg_proc p
           join pg_namespace n on n.oid = p.pronamespace
           join pg_language l on l.oid = p.prolang
          where n.nspname <> all($3::text[]) and n.nspname not like 'pg\\_%'
            and not (n.nspname = $4 and p.proname like '%\\_member'
                     and pg_get_function_identity_arguments(p.oid) = 'group_id uuid, roles text[]')
            and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
          order by 1, p.oid",
        &[&SCHEMA, &api_roles(), &reserved, &supaschema_build::model::PRIVATE_SCHEMA],
    )? {
        let names: Vec<String> = r.get(1);
        let types: Vec<String> = r.get(2);
        let kind: String = r.get(3);
        let setof: Option<String> = r.get(17);
        let table: Vec<String> = r.get(18);
        let table: Vec<(String, String)> = table
            .iter()
            .filter_map(|c| c.split_once(' '))
            .map(|(n, t)| (n.to_owned(), t.to_owned()))
            .collect();
        let unusual = if kind != "f" {
            Some("it is a procedure, aggregate or window function")
        } else if r.get::<_, bool>(4) && setof.is_none() && table.is_empty() {
            Some("it returns a set of something other than a table's rows or `table (…)`")
        } else if r.get::<_, bool>(6) {
            Some("it is variadic")
        } else if r.get::<_, bool>(7) {
            Some("it has out arguments")
        } else {
            None
        };
        let args = types
            .into_iter()
            .enumerate()
            .map(|(i, t)| (names.get(i).cloned().unwrap_or_default(), t))
            .collect();
        let defaults: Option<String> = r.get(5);
        functions.push(LiveFunction {
            name: r.get(0),
            args,
            defaults: defaults.as_deref().map(split_top_level).unwrap_or_default(),
            unusual,
            returns: r.get(8),
            setof: if r.get::<_, bool>(4) { setof } else { None },
            table,
            language: r.get(9),
            security_definer: r.get(10),
            volatility: r.get::<_, String>(11).chars().next().unwrap_or('v'),
            body: r.get(12),
            config: r.get(13),
            executable_by: r.get(14),
            comment: r.get(15),
            identity: r.get(16),
        });
    }
    Ok(functions)
}

fn read_external(client: &mut impl GenericClient, schema: &str, table: &str) -> Result<LiveExternal, postgres::Error> {
    let columns = client
        .query(
            "select a.attname::text, format_type(a.atttypid, a.atttypmod)
               from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
              where n.nspname = $1 and c.relname = $2 and a.attnum > 0 and not a.attisdropped
              order by a.attnum",
            &[&schema, &table],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut external = LiveExternal {
        columns,
        ..LiveExternal::default()
    };
    for r in client.query(
        "select i.indisprimary,
                array(select a.attname::text from unnest(i.indkey::int2[]) with ordinality as k(attnum, n)
                        join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n)
           from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = $1 and c.relname = $2 and i.indisunique and i.indpred is null and i.indexprs is null
          order by i.indisprimary desc, i.indexrelid",
        &[&schema, &table],
    )? {
        let columns: Vec<String> = r.get(1);
        if r.get::<_, bool>(0) {
            external.primary_key = columns;
        } else if !external.uniques.contains(&columns) {
            external.uniques.push(columns);
        }
    }
    Ok(external)
}

/// `a, f(b, c), 'd, e'` → `a`, `f(b, c)`, `'d, e'`: a list the server prints (the defaults of
/// `proargdefaults`) split at its own commas, not those inside parentheses or quotes.
fn split_top_level(text: &str) -> Vec<String> {
    let (mut parts, mut current, mut depth, mut quote) = (Vec::new(), String::new(), 0i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current.trim().to_owned());
    }
    parts
}

#[cfg(test)]
mod tests {
    #[test]
    fn splits_a_printed_list_at_its_own_commas() {
        assert_eq!(
            super::split_top_level("0, round(1.5, 0), 'a, b'::text, ARRAY[1, 2]"),
            ["0", "round(1.5, 0)", "'a, b'::text", "ARRAY[1, 2]"]
        );
        assert!(super::split_top_level("").is_empty());
    }
}
