{#- Drops a constraint that schema.toml removed or changed. Skipped when the table is gone too
    (a foreign key is dropped before its table), so running the migration again is harmless.
    Receives: table (name), name. -#}
alter table if exists public.{{ table | ident }} drop constraint if exists {{ name | ident }};
