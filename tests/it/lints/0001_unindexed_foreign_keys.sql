-- Splinter 0001 unindexed_foreign_keys: a foreign key whose columns are not the leading
-- columns of any valid index on its table. One row per finding: `schema.table constraint`.
select format('%s.%s %s', n.nspname, cl.relname, ct.conname) as finding
  from pg_catalog.pg_constraint ct
  join pg_catalog.pg_class cl on cl.oid = ct.conrelid
  join pg_catalog.pg_namespace n on n.oid = cl.relnamespace
  left join pg_catalog.pg_depend dep on dep.objid = cl.oid and dep.deptype = 'e'
 where ct.contype = 'f'
   and dep.objid is null
   and n.nspname not in ('_timescaledb_cache', '_timescaledb_catalog', '_timescaledb_config', '_timescaledb_internal', 'auth', 'cron', 'extensions', 'graphql', 'graphql_public', 'information_schema', 'net', 'pgmq', 'pgroonga', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgbouncer', 'pg_catalog', 'realtime', 'repack', 'storage', 'supabase_functions', 'supabase_migrations', 'tiger', 'topology', 'vault')
   and not exists (
     select 1
       from pg_catalog.pg_index i
      where i.indrelid = ct.conrelid
        and i.indisvalid
        and (pg_catalog.string_to_array(i.indkey::text, ' ')::smallint[])[1:pg_catalog.cardinality(ct.conkey)]
            = ct.conkey
   )
 order by 1
