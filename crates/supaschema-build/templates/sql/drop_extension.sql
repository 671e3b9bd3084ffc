{#- Drops an extension schema.toml no longer lists; fails if anything still uses it.
    Receives: name. -#}
drop extension if exists {{ name | ident }};
