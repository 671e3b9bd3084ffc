-- Splinter 0004 no_primary_key: a table (not one an extension owns) without a primary key.
-- One row per finding: `schema.table`.
select format('%s.%s', n.nspname, c.relname) as finding
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_depend dep on c.oid = dep.objid and dep.deptype = 'e'
 where c.relkind = 'r'
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and dep.objid is null
   and not exists (select 1 from pg_catalog.pg_index i where i.indrelid = c.oid and i.indisprimary)
 order by 1
