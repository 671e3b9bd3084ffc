-- Splinter 0003 auth_rls_initplan: a policy on an RLS table whose expression calls
-- auth.uid()/jwt()/role()/email() (or current_setting()) without a `select` around it, so it
-- runs once per row. Works on the server's own spelling of the expression (pg_get_expr), which
-- needs search_path = '' so the auth schema is always written out.
-- One row per finding: `schema.table policy`.
select format('%s.%s %s', n.nspname, c.relname, p.polname) as finding
  from pg_catalog.pg_policy p
  join pg_catalog.pg_class c on c.oid = p.polrelid
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  cross join lateral (
    select pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
  ) e
 where c.relrowsecurity
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and (
     (e.qual ~ '(auth)\.(uid|jwt|role|email)\(\)'
       and pg_catalog.lower(e.qual) !~ 'select\s+(auth)\.(uid|jwt|role|email)\(\)')
     or (e.with_check ~ '(auth)\.(uid|jwt|role|email)\(\)'
       and pg_catalog.lower(e.with_check) !~ 'select\s+(auth)\.(uid|jwt|role|email)\(\)')
     or (e.qual ~ 'current_setting\('
       and pg_catalog.lower(e.qual) !~ 'select\s+current_setting\(')
     or (e.with_check ~ 'current_setting\('
       and pg_catalog.lower(e.with_check) !~ 'select\s+current_setting\(')
   )
 order by 1
