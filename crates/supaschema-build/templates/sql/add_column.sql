{#- Adds a column to an existing table.
    Receives: table (name), column (Column). -#}
alter table public.{{ table | ident }} add column if not exists {% include "sql/parts/column.sql" %};
