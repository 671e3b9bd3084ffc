-- Splinter 0018 unsupported_reg_types: a column, outside pg_catalog and information_schema, of
-- a reg* type that stores an OID pg_upgrade cannot carry over (regcollation, regconfig,
-- regdictionary, regnamespace, regoper, regoperator, regproc, regprocedure; regclass, regtype
-- and regrole are fine), so the database cannot be upgraded in place.
-- One row per finding: `schema.table.column`.
select format('%s.%s.%s', n.nspname, c.relname, a.attname) as finding
  from pg_catalog.pg_attribute a
  join pg_catalog.pg_class c on a.attrelid = c.oid
  join pg_catalog.pg_namespace n on c.relnamespace = n.oid
  join pg_catalog.pg_type t on a.atttypid = t.oid
  join pg_catalog.pg_namespace tn on t.typnamespace = tn.oid
 where tn.nspname = 'pg_catalog'
   and t.typname in ('regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure')
   and n.nspname not in ('pg_catalog', 'information_schema', 'pgsodium')
 order by 1
