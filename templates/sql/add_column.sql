{#- Adds a column to an existing table.
    Receives: table (name), column (Column). -#}
{% import "sql/macros.sql" as macros -%}
alter table public.{{ table | ident }} add column if not exists {{ macros::column(column=column) }};
