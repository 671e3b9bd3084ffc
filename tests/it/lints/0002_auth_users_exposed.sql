-- Splinter 0002 auth_users_exposed: a view or materialized view over auth.users, in a schema the
-- API exposes, that anon or authenticated may select from, and that does not apply auth.users'
-- row security to the caller: a materialized view (no RLS at all), a view that runs with its
-- owner's rights (not security_invoker), or a security_invoker view while auth.users has RLS
-- off. One row per finding: `schema.view`.
select format('%s.%s', n.nspname, c.relname) as finding
  from pg_catalog.pg_class users
  join pg_catalog.pg_namespace users_n on users_n.oid = users.relnamespace
  join pg_catalog.pg_depend d on d.refobjid = users.oid and d.deptype = 'n'
  join pg_catalog.pg_rewrite r on r.oid = d.objid
  join pg_catalog.pg_class c on c.oid = r.ev_class
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where users_n.nspname = 'auth'
   and users.relname = 'users'
   and (
     pg_catalog.has_table_privilege('anon', c.oid, 'SELECT')
     or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT')
   )
   and n.nspname = any(
     array(select pg_catalog.btrim(s) from pg_catalog.unnest(
       pg_catalog.string_to_array(pg_catalog.current_setting('pgrst.db_schemas', true), ',')) as s)
   )
   and (
     c.relkind = 'm'
     or (c.relkind = 'v' and not (pg_catalog.lower(coalesce(c.reloptions::text, '{}'))::text[]
         && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on']))
     or (c.relkind = 'v' and (pg_catalog.lower(coalesce(c.reloptions::text, '{}'))::text[]
         && array['security_invoker=1', 'security_invoker=true', 'security_invoker=yes', 'security_invoker=on']) and not users.relrowsecurity)
   )
 group by n.nspname, c.relname
 order by 1
