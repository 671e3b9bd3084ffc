-- Splinter 0011 function_search_path_mutable: a function without a pinned search_path, so a
-- caller can change what its unqualified names mean. Extension-owned functions are skipped.
-- One row per finding: `schema.function`.
select format('%s.%s', n.nspname, p.proname) as finding
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on p.pronamespace = n.oid
  left join pg_catalog.pg_depend dep on p.oid = dep.objid and dep.deptype = 'e'
 where n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and dep.objid is null
   and not exists (
     select 1 from pg_catalog.unnest(coalesce(p.proconfig, '{}')) as config where config like 'search_path=%'
   )
 order by 1
