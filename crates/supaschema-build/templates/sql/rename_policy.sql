{#- Renames a policy; skipped when already renamed, so running the file again is harmless.
    Receives: table (name), from, to. -#}
{% set quoted = table | ident %}{% set relation = "public." ~ quoted -%}
do $rename$
begin
  if exists (
    select 1 from pg_policy
     where polrelid = {{ relation | literal }}::regclass and polname = {{ from | literal }}
  ) then
    alter policy {{ from | ident }} on public.{{ table | ident }} rename to {{ to | ident }};
  end if;
end
$rename$;
