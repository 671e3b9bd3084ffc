{#- Drops an enum type: one schema.toml removed (only with its `allow_drop` permission), or the
    old type of one replaced, once no column uses it.
    Receives: name. -#}
drop type if exists public.{{ name | ident }};
