-- Splinter 0017 foreign_table_in_api: a foreign table in a schema the API exposes that anon or
-- authenticated may select from; foreign tables have no row security.
-- One row per finding: `schema.table`.
select format('%s.%s', n.nspname, c.relname) as finding
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_depend dep on c.oid = dep.objid and dep.deptype = 'e'
 where c.relkind = 'f'
   and (
     pg_catalog.has_table_privilege('anon', c.oid, 'SELECT')
     or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT')
   )
   and n.nspname = any(
     array(select pg_catalog.btrim(s) from pg_catalog.unnest(
       pg_catalog.string_to_array(pg_catalog.current_setting('pgrst.db_schemas', true), ',')) as s)
   )
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and dep.objid is null
 order by 1
