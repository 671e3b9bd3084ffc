{#- Renames a column (`renamed_from`); its values stay. Skipped when already renamed.
    Receives: table (name), from, to. -#}
do $rename$
begin
  if exists (
    select 1 from information_schema.columns
     where table_schema = 'public' and table_name = {{ table | literal }} and column_name = {{ from | literal }}
  ) then
    alter table public.{{ table | ident }} rename column {{ from | ident }} to {{ to | ident }};
  end if;
end
$rename$;
