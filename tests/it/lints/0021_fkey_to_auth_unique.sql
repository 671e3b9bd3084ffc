-- Splinter 0021 fkey_to_auth_unique: a foreign key that references a unique constraint (not
-- the primary key) of a table in the `auth` schema; Supabase Auth may change those
-- constraints in its own migrations, which the foreign key would then block.
-- One row per finding: `schema.table constraint`.
select format('%s.%s %s', n.nspname, c_rel.relname, c.conname) as finding
  from pg_catalog.pg_constraint c
  join pg_catalog.pg_class c_rel on c.conrelid = c_rel.oid
  join pg_catalog.pg_namespace n on c_rel.relnamespace = n.oid
  join pg_catalog.pg_class ref_rel on c.confrelid = ref_rel.oid
  join pg_catalog.pg_namespace cn on ref_rel.relnamespace = cn.oid
  join pg_catalog.pg_index i on c.conindid = i.indexrelid
 where c.contype = 'f'
   and cn.nspname = 'auth'
   and i.indisunique
   and not i.indisprimary
 order by 1
