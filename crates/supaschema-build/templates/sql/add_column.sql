{#- Adds a column to an existing table. Skipped when the column is there, so running the
    migration again takes no lock on the table. A generated column is computed for every row
    as it is added, which rewrites the table: the migration says so.
    Receives: table (name), column (Column). -#}
{% if column.generated -%}
-- No lock-safe form: adding the generated column {{ column.name }} computes it for every row, rewriting
-- {{ table }} under ACCESS EXCLUSIVE, so reads and writes of the table wait until the migration commits.
{% endif -%}
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
