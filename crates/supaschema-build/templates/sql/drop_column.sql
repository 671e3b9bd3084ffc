{#- Drops a column schema.toml removed (only with its `allow_drop` permission). Skipped when the
    column is gone, so running the migration again takes no lock on the table.
    Receives: table (name), column (name). -#}
do $column$
begin
  if exists (
    select 1 from information_schema.columns
     where table_schema = 'public' and table_name = {{ table | literal }} and column_name = {{ column | literal }}
  ) then
    alter table public.{{ table | ident }} drop column {{ column | ident }};
  end if;
end
$column$;
