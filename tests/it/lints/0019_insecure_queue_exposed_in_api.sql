-- Splinter 0019 insecure_queue_exposed_in_api: a Supabase Queues (pgmq) queue table with row
-- level security off that anon or authenticated may select from, while the API exposes
-- `pgmq_public` (whose functions reach the queues). Reads only the catalog, so it is valid,
-- and finds nothing, where pgmq is not installed. Splinter's relkind list reads ('r', 'I');
-- 'I' is a partitioned index, never a table, so this takes the partitioned table ('p'); and
-- its `like 'q_%'` lets `_` match any character, so this escapes it: pgmq's queue tables
-- are `q_<queue>`.
-- One row per finding: `schema.table`.
select format('%s.%s', n.nspname, c.relname) as finding
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on c.relnamespace = n.oid
 where c.relkind in ('r', 'p')
   and not c.relrowsecurity
   and (
     pg_catalog.has_table_privilege('anon', c.oid, 'SELECT')
     or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT')
   )
   and n.nspname = 'pgmq'
   and c.relname like 'q\_%'
   and 'pgmq_public' = any(
     array(select pg_catalog.btrim(s) from pg_catalog.unnest(
       pg_catalog.string_to_array(pg_catalog.current_setting('pgrst.db_schemas', true), ',')) as s)
   )
 order by 1
