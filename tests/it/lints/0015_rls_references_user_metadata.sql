-- Splinter 0015 rls_references_user_metadata: a policy whose expression reads
-- `user_metadata` from the JWT (auth.jwt() or the request.jwt.claims setting); every user can
-- edit their own user_metadata, so it proves nothing. Splinter matches the text PostgreSQL
-- prints back (pg_policies), as this does. One row per finding: `schema.table policy`.
select format('%s.%s %s', p.schemaname, p.tablename, p.policyname) as finding
  from pg_catalog.pg_policies p
 where p.schemaname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and (
     p.qual like '%auth.jwt()%user_metadata%'
     or p.qual like '%current_setting(%request.jwt.claims%)%user_metadata%'
     or p.with_check like '%auth.jwt()%user_metadata%'
     or p.with_check like '%current_setting(%request.jwt.claims%)%user_metadata%'
   )
 order by 1
