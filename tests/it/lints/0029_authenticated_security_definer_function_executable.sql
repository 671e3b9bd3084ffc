-- Splinter 0029 authenticated_security_definer_function_executable: a SECURITY DEFINER
-- function in a schema the API exposes that authenticated may execute (a grant to PUBLIC
-- counts): every signed-in user, an anonymous sign-in too, can run it with its owner's rights
-- through /rest/v1/rpc. One row per finding: `schema.function(args)`.
select format('%s.%s(%s)', n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid)) as finding
  from pg_catalog.pg_proc p
  join pg_catalog.pg_namespace n on p.pronamespace = n.oid
 where p.prosecdef
   and pg_catalog.has_function_privilege('authenticated', p.oid, 'EXECUTE')
   and n.nspname = any(
     array(select pg_catalog.btrim(s) from pg_catalog.unnest(
       pg_catalog.string_to_array(pg_catalog.current_setting('pgrst.db_schemas', true), ',')) as s)
   )
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
 order by 1
