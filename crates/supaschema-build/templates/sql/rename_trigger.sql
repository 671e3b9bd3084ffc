{#- Renames a trigger (its table was renamed); skipped when already renamed.
    Receives: table (name), from, to. -#}
{% set quoted = table | ident %}{% set relation = "public." ~ quoted -%}
do $rename$
begin
  if exists (
    select 1 from pg_trigger
     where tgrelid = {{ relation | literal }}::regclass and tgname = {{ from | literal }}
  ) then
    alter trigger {{ from | ident }} on public.{{ table | ident }} rename to {{ to | ident }};
  end if;
end
$rename$;
