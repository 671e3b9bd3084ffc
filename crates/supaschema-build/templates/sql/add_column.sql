{#- Adds a column to an existing table. Skipped when the column is there, so running the
    migration again takes no lock on the table.
    Receives: table (name), column (Column). -#}
do $column$
begin
  if not exists (
    select 1 from information_schema.columns
     where table_schema = 'public' and table_name = {{ table | literal }} and column_name = {{ column.name | literal }}
  ) then
    alter table public.{{ table | ident }} add column {% include "sql/parts/column.sql" %};
  end if;
end
$column$;
