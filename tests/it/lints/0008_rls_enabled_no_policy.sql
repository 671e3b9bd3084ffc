-- Splinter 0008 rls_enabled_no_policy: a table with row level security on and no policy, so
-- every role that does not bypass RLS sees and writes no row. Sometimes meant (a table only the
-- backend uses), sometimes a forgotten policy. One row per finding: `schema.table`.
select format('%s.%s', n.nspname, c.relname) as finding
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on c.relnamespace = n.oid
  left join pg_catalog.pg_depend dep on c.oid = dep.objid and dep.deptype = 'e'
 where c.relkind = 'r'
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and c.relrowsecurity
   and dep.objid is null
   and not exists (select 1 from pg_catalog.pg_policy p where p.polrelid = c.oid)
 order by 1
