{#- Drops a policy schema.toml removed or changed.
    Receives: table (name), name. -#}
drop policy if exists {{ name | ident }} on public.{{ table | ident }};
