{#- Drops a trigger schema.toml removed or changed.
    Receives: table (name), name. -#}
drop trigger if exists {{ name | ident }} on public.{{ table | ident }};
