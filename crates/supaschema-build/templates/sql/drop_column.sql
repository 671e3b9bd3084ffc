{#- Drops a column schema.toml removed (only with its `allow_drop` permission).
    Receives: table (name), column (name). -#}
alter table public.{{ table | ident }} drop column if exists {{ column | ident }};
