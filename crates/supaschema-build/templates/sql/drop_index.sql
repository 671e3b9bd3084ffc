{#- Drops an index schema.toml removed or changed.
    Receives: name. -#}
drop index if exists public.{{ name | ident }};
