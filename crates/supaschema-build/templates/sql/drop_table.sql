{#- Drops a table schema.toml removed (only with its `allow_drop` permission).
    Receives: table (name). -#}
drop table if exists public.{{ table | ident }};
