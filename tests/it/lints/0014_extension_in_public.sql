-- Splinter 0014 extension_in_public: an extension other than plpgsql installed in `public`,
-- where its functions and types join the API's schema. One row per finding: the extension.
select e.extname::text as finding
  from pg_catalog.pg_extension e
  join pg_catalog.pg_namespace n on n.oid = e.extnamespace
 where e.extname <> 'plpgsql'
   and n.nspname = 'public'
 order by 1
