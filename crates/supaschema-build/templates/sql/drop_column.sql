{#- Drops a column schema.toml removed (only with its `allow_drop` permission), or a generated
    column that a later statement adds back because a column it reads changes its type (which
    PostgreSQL refuses under it). Skipped when the column is gone, so running the migration again
    takes no lock on the table. `replaced_by`: the generated column added back in its place
    (PostgreSQL 15 cannot change a generation expression, nor make a plain column generated); the
    drop is skipped when the column in place is generated as wanted already, its expression
    compared as PostgreSQL spells it on a temporary copy.
    Receives: table (name), column (name), replaced_by (Column or null). -#}
{% set dropped = column -%}
{% if not replaced_by -%}
do $column$
begin
  if exists (
    select 1 from information_schema.columns
     where table_schema = 'public' and table_name = {{ table | literal }} and column_name = {{ dropped | literal }}
  ) then
    alter table public.{{ table | ident }} drop column {{ dropped | ident }};
  end if;
end
$column$;
{%- else -%}
-- PostgreSQL 15 cannot change a generation expression in place: {{ table }}.{{ dropped }} is dropped and added again.
do $column$
declare
  in_place boolean := false;
begin
  if not exists (
    select 1 from information_schema.columns
     where table_schema = 'public' and table_name = {{ table | literal }} and column_name = {{ dropped | literal }}
  ) then
    return;
  end if;
  {% include "sql/parts/probe.sql" %}
    alter table pg_temp.supaschema_probe drop column {{ dropped | ident }};
    {% set column = replaced_by %}alter table pg_temp.supaschema_probe add column {% include "sql/parts/column.sql" %};
    select pg_get_expr(live.adbin, live.adrelid) = pg_get_expr(probe.adbin, probe.adrelid)
      into in_place
      from pg_attrdef live
      join pg_attribute a on a.attrelid = live.adrelid and a.attnum = live.adnum and a.attgenerated = 's',
           pg_attrdef probe
      join pg_attribute b on b.attrelid = probe.adrelid and b.attnum = probe.adnum
     where live.adrelid = {{ ("public." ~ (table | ident)) | literal }}::regclass and a.attname = {{ dropped | literal }}
       and probe.adrelid = 'pg_temp.supaschema_probe'::regclass and b.attname = {{ dropped | literal }};
    drop table pg_temp.supaschema_probe;
  exception when others then null;
  end;
  if in_place is not true then
    alter table public.{{ table | ident }} drop column {{ dropped | ident }};
  end if;
end
$column$;
{%- endif %}
