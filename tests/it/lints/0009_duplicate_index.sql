-- Splinter 0009 duplicate_index: two or more indexes of one table whose definitions are equal
-- once their names are taken out. One row per finding: `schema.table {index,index}`.
select format('%s.%s %s', n.nspname, c.relname, pg_catalog.array_agg(pi.indexname::text order by pi.indexname)) as finding
  from pg_catalog.pg_indexes pi
  join pg_catalog.pg_namespace n on n.nspname = pi.schemaname
  join pg_catalog.pg_class c on pi.tablename = c.relname and n.oid = c.relnamespace
  left join pg_catalog.pg_depend dep on c.oid = dep.objid and dep.deptype = 'e'
 where c.relkind in ('r', 'm')
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and dep.objid is null
 group by n.nspname, c.relkind, c.relname, pg_catalog.replace(pi.indexdef, pi.indexname, '')
having pg_catalog.count(*) > 1
 order by 1
