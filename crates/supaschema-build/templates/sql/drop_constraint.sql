{#- Drops a constraint that schema.toml removed or changed.
    Receives: table (name), name. -#}
alter table public.{{ table | ident }} drop constraint if exists {{ name | ident }};
