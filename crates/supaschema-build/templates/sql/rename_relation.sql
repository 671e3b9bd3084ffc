{#- Renames an index, or a constraint (a key's index follows it), so names stay the ones a
    fresh build would give. Skipped when already renamed.
    Receives: table (name), kind (index | constraint), from, to. -#}
{%- if kind == "index" %}
alter index if exists public.{{ from | ident }} rename to {{ to | ident }};
{%- else %}
{% set quoted = table | ident %}{% set relation = "public." ~ quoted -%}
do $rename$
begin
  if exists (
    select 1 from pg_constraint
     where conrelid = {{ relation | literal }}::regclass and conname = {{ from | literal }}
  ) then
    alter table public.{{ table | ident }} rename constraint {{ from | ident }} to {{ to | ident }};
  end if;
end
$rename$;
{%- endif %}
