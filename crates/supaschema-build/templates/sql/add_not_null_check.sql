{#- The first half of NOT NULL on a column of a table that may hold rows (set_not_null.sql is
    the second): a check that new rows must meet at once, added `not valid`, so the rows already
    there are not read under the lock this takes. Skipped when the column is NOT NULL already or
    the check is there, so running the migration again takes no lock on the table.
    Receives: table (name), column (name), check (the check's name). -#}
{% set live = "public." ~ (table | ident) -%}
do $not_null$
begin
  if not exists (
    select 1 from pg_attribute where attrelid = {{ live | literal }}::regclass and attname = {{ column | literal }} and attnotnull
  ) and not exists (
    select 1 from pg_constraint where conrelid = {{ live | literal }}::regclass and conname = {{ check | literal }}
  ) then
    alter table {{ live }} add constraint {{ check | ident }} check ({{ column | ident }} is not null) not valid;
  end if;
end
$not_null$;
