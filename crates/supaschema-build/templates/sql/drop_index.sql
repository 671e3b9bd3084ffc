{#- Drops an index schema.toml removed or changed. Skipped when it is gone, or (`replaced_by`, a
    changed index) the index in place is the new one already, so running the migration again
    takes no lock on the table. The definitions are compared without the table's name.
    Receives: table (name), name, replaced_by (Index or null). -#}
{% set index_name = "public." ~ (name | ident) -%}
do $index$
declare
  in_place boolean := false;
begin
  if to_regclass({{ index_name | literal }}) is null then
    return;
  end if;
{%- if replaced_by %}
  {% include "sql/parts/probe.sql" %}
    {% set index = replaced_by %}{% set relation = "pg_temp.supaschema_probe" %}{% set concurrently = false %}{% include "sql/parts/index.sql" %}
    select regexp_replace(pg_get_indexdef({{ index_name | literal }}::regclass), ' ON .*? USING ', ' USING ')
           = regexp_replace(pg_get_indexdef({{ ("pg_temp." ~ (replaced_by.name | ident)) | literal }}::regclass), ' ON .*? USING ', ' USING ')
      into in_place;
    drop table pg_temp.supaschema_probe;
  exception when others then null;
  end;
{%- endif %}
  if in_place is not true then
    drop index {{ index_name }};
  end if;
end
$index$;
