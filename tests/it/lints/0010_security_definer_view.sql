-- Splinter 0010 security_definer_view: a view in a schema the API exposes, selectable by anon
-- or authenticated, that is not security_invoker: it reads its tables with its owner's rights
-- and row security, not the caller's. One row per finding: `schema.view`.
select format('%s.%s', n.nspname, c.relname) as finding
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_depend dep on c.oid = dep.objid and dep.deptype = 'e'
 where c.relkind = 'v'
   and (
     pg_catalog.has_table_privilege('anon', c.oid, 'SELECT')
     or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT')
   )
   and pg_catalog.current_setting('server_version_num')::integer >= 150000
   and n.nspname = any(
     array(select pg_catalog.btrim(s) from pg_catalog.unnest(
       pg_catalog.string_to_array(pg_catalog.current_setting('pgrst.db_schemas', true), ',')) as s)
   )
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and dep.objid is null
   and not (pg_catalog.lower(coalesce(c.reloptions::text, '{}'))::text[]
         && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on'])
 order by 1
