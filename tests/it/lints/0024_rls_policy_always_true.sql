-- Splinter 0024 rls_policy_always_true: a permissive policy on a table with row level security
-- on, for anon, authenticated or every role (PUBLIC), whose expression lets every row through:
-- `using` always true (`true`, `1=1`, or missing) for update, delete or all, or
-- `with check` always true (or missing on insert, or missing on update/all whose `using` is
-- always true). A select policy with `using (true)` is left alone: public reads are often
-- meant. Splinter compares the text PostgreSQL prints back (pg_policies), lowercased and
-- without blanks, as this does. One row per finding: `schema.table policy`.
with policies as (
  select n.nspname as schema_name, c.relname as table_name, p.polname as policy_name,
         case p.polcmd when 'r' then 'SELECT' when 'a' then 'INSERT' when 'w' then 'UPDATE'
                       when 'd' then 'DELETE' when '*' then 'ALL' end as command,
         pp.qual, pp.with_check,
         pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
           pg_catalog.lower(coalesce(pp.qual, '')), ' ', ''), E'\n', ''), E'\t', '') as qual_n,
         pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
           pg_catalog.lower(coalesce(pp.with_check, '')), ' ', ''), E'\n', ''), E'\t', '') as check_n
    from pg_catalog.pg_policy p
    join pg_catalog.pg_class c on p.polrelid = c.oid
    join pg_catalog.pg_namespace n on c.relnamespace = n.oid
    join pg_catalog.pg_policies pp
      on pp.schemaname = n.nspname and pp.tablename = c.relname and pp.policyname = p.polname
   where c.relkind = 'r'
     and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
     and c.relrowsecurity
     and p.polpermissive
     and (
       p.polroles = array[0::oid]
       or exists (
         select 1 from pg_catalog.unnest(p.polroles) as r(oid)
          where r.oid::regrole::text in ('anon', 'authenticated')
       )
     )
)
select format('%s.%s %s', schema_name, table_name, policy_name) as finding
  from policies
 where (
     command in ('UPDATE', 'DELETE', 'ALL')
     and (qual_n in ('true', '(true)', '1=1', '(1=1)') or qual is null)
   )
   or check_n in ('true', '(true)', '1=1', '(1=1)')
   or (with_check is null and command = 'INSERT')
   or (with_check is null and command in ('UPDATE', 'ALL') and qual_n in ('true', '(true)', '1=1', '(1=1)'))
 order by 1
