{#- Changes a column's type, nullability, default or identity. Each form is skipped when the
    column is so already, so running the migration again takes no lock on the table.
    Receives: table (name), column (name), change (kind = type | nullability | default | identity
    | identity_kind | drop_expression, with sql_type, catalog_type, using, through (a type cast to
    on the way) and rewrites; nullable; default and after; or identity). `drop_expression` makes a
    generated column a plain one that keeps its values. An added identity numbers on after the
    largest value the column holds;
    switching between always and by default keeps the sequence. A type change that rewrites the
    table says so: it has no lock-safe form. A default is compared with the one wanted as
    PostgreSQL spells it, built on a temporary copy of the table. -#}
{% set live = "public." ~ (table | ident) -%}
{% if change.kind == "type" and change.rewrites -%}
-- No lock-safe form: this type change rewrites {{ table }} and its indexes under ACCESS EXCLUSIVE,
-- so reads and writes of the table wait until the migration commits. Run it when that is acceptable.
{% elif change.kind == "nullability" and not change.nullable -%}
-- No lock-safe form: set not null scans {{ table }} under ACCESS EXCLUSIVE, so reads and writes of
-- the table wait until the migration commits. Run it when that is acceptable.
{% endif -%}
do $column$
declare
  in_place boolean := false;
begin
{%- if change.kind == "default" %}
{%- if change.after %}
  {% include "sql/parts/probe.sql" %}
    alter table pg_temp.supaschema_probe alter column {{ column | ident }} set default {{ change.after }};
    select pg_get_expr(live.adbin, live.adrelid) = pg_get_expr(probe.adbin, probe.adrelid)
      into in_place
      from pg_attrdef live
      join pg_attribute a on a.attrelid = live.adrelid and a.attnum = live.adnum,
           pg_attrdef probe
      join pg_attribute b on b.attrelid = probe.adrelid and b.attnum = probe.adnum
     where live.adrelid = {{ live | literal }}::regclass and a.attname = {{ column | literal }}
       and probe.adrelid = 'pg_temp.supaschema_probe'::regclass and b.attname = {{ column | literal }};
    drop table pg_temp.supaschema_probe;
  exception when others then null;
  end;
{%- else %}
  select not exists (
    select 1 from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
     where d.adrelid = {{ live | literal }}::regclass and a.attname = {{ column | literal }}
  ) into in_place;
{%- endif %}
{%- else %}
  select {% if change.kind == "type" %}format_type(atttypid, atttypmod) = {{ change.catalog_type | literal }}
    {%- elif change.kind == "nullability" %}attnotnull = {% if change.nullable %}false{% else %}true{% endif %}
    {%- elif change.kind == "identity_kind" %}attidentity = {% if change.identity == "always" %}'a'{% else %}'d'{% endif %}
    {%- elif change.kind == "drop_expression" %}attgenerated = ''
    {%- elif change.identity %}attidentity <> ''
    {%- else %}attidentity = ''
    {%- endif %}
    into in_place
    from pg_attribute where attrelid = {{ live | literal }}::regclass and attname = {{ column | literal }};
{%- endif %}
  if in_place is not true then
    alter table {{ live }} alter column {{ column | ident }}
{%- if change.kind == "type" %} type {{ change.sql_type }}{% if change.using %} using {{ column | ident }}{% if change.through %}::{{ change.through }}{% endif %}::{{ change.sql_type }}{% endif %}
{%- elif change.kind == "nullability" %} {% if change.nullable %}drop{% else %}set{% endif %} not null
{%- elif change.kind == "default" %} {% if change.default %}set default {{ change.default }}{% else %}drop default{% endif %}
{%- elif change.kind == "identity_kind" %} set generated {{ change.identity | words }}
{%- elif change.kind == "drop_expression" %} drop expression
{%- elif change.identity %} add generated {{ change.identity | words }} as identity;
    perform setval(pg_get_serial_sequence({{ live | literal }}, {{ column | literal }}), coalesce(max({{ column | ident }}), 0) + 1, false) from {{ live }}
{%- else %} drop identity
{%- endif %};
  end if;
end
$column$;
