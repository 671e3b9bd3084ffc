-- Splinter 0006 multiple_permissive_policies: more than one permissive policy for the same
-- table, role and action. `for all` counts for every action, a policy `to public` for every
-- role; roles that bypass RLS are ignored. One row per finding: `schema.table role ACTION`.
select format('%s.%s %s %s', n.nspname, c.relname, r.rolname, act.cmd) as finding
  from pg_catalog.pg_policy p
  join pg_catalog.pg_class c on p.polrelid = c.oid
  join pg_catalog.pg_namespace n on c.relnamespace = n.oid
  join pg_catalog.pg_roles r on p.polroles @> array[r.oid] or p.polroles = array[0::oid]
  cross join lateral pg_catalog.unnest(
    case p.polcmd
      when 'r' then array['SELECT']
      when 'a' then array['INSERT']
      when 'w' then array['UPDATE']
      when 'd' then array['DELETE']
      when '*' then array['SELECT', 'INSERT', 'UPDATE', 'DELETE']
      else array['ERROR']
    end
  ) as act(cmd)
 where c.relkind = 'r'
   and p.polpermissive
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and r.rolname not like 'pg\_%'
   and r.rolname not like 'supabase%admin'
   and not r.rolbypassrls
 group by n.nspname, c.relname, r.rolname, act.cmd
having pg_catalog.count(*) > 1
 order by 1
