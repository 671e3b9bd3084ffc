-- Splinter 0007 policy_exists_rls_disabled: a table with policies while row level security is
-- off, so the policies do nothing. One row per finding: `schema.table`.
select format('%s.%s', n.nspname, c.relname) as finding
  from pg_catalog.pg_policy p
  join pg_catalog.pg_class c on p.polrelid = c.oid
  join pg_catalog.pg_namespace n on c.relnamespace = n.oid
  left join pg_catalog.pg_depend dep on c.oid = dep.objid and dep.deptype = 'e'
 where c.relkind = 'r'
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and not c.relrowsecurity
   and dep.objid is null
 group by n.nspname, c.relname
 order by 1
