{#- Drops a constraint that schema.toml removed or changed. Skipped when the table (or the
    constraint) is gone (a foreign key is dropped before its table), or (`replaced_by`, a changed
    constraint) the table has the new one already, so running the migration again takes no lock
    on the table. A foreign key cannot be built on a temporary copy, so its parts are compared.
    Receives: table (name), name, replaced_by (see parts/constraint.sql, or null). -#}
{% set live = "public." ~ (table | ident) -%}
do $constraint$
declare
  in_place boolean := false;
begin
  if not exists (
    select 1 from pg_constraint where conrelid = to_regclass({{ live | literal }}) and conname = {{ name | literal }}
  ) then
    return;
  end if;
{%- if replaced_by and replaced_by.type == "foreign_key" %}
{%- set target = (replaced_by.target_schema | ident) ~ "." ~ (replaced_by.target_table | ident) %}
  select fk.contype = 'f' and fk.confrelid = to_regclass({{ target | literal }})
         and array(select a.attname::text from unnest(fk.conkey) with ordinality k(n, i)
                     join pg_attribute a on a.attrelid = fk.conrelid and a.attnum = k.n order by k.i)
             = array[{{ replaced_by.columns | literals }}]::text[]
         and array(select a.attname::text from unnest(fk.confkey) with ordinality k(n, i)
                     join pg_attribute a on a.attrelid = fk.confrelid and a.attnum = k.n order by k.i)
             = array[{{ replaced_by.target_columns | literals }}]::text[]
         and fk.confdeltype = {{ replaced_by.on_delete | action_code | literal }}
         and array(select a.attname::text from unnest(fk.confdelsetcols) with ordinality k(n, i)
                     join pg_attribute a on a.attrelid = fk.conrelid and a.attnum = k.n order by k.i)
             = array[{{ replaced_by.on_delete_columns | default(value=[]) | literals }}]::text[]
         and fk.confupdtype = {{ replaced_by.on_update | action_code | literal }}
         and fk.condeferrable = {% if replaced_by.deferrable %}true{% else %}false{% endif %}
         and fk.condeferred = {% if replaced_by.deferrable == "initially_deferred" %}true{% else %}false{% endif %}
    into in_place
    from pg_constraint fk
   where fk.conrelid = {{ live | literal }}::regclass and fk.conname = {{ name | literal }};
{%- elif replaced_by %}
  {% include "sql/parts/probe.sql" %}
    {% set constraint = replaced_by -%}
    alter table pg_temp.supaschema_probe add {% include "sql/parts/constraint.sql" %};
    select pg_get_constraintdef(live.oid) = pg_get_constraintdef(probe.oid)
      into in_place
      from pg_constraint live, pg_constraint probe
     where live.conrelid = {{ live | literal }}::regclass and live.conname = {{ name | literal }}
       and probe.conrelid = 'pg_temp.supaschema_probe'::regclass and probe.conname = {{ name | literal }};
    drop table pg_temp.supaschema_probe;
  exception when others then null;
  end;
{%- endif %}
  if in_place is not true then
    alter table {{ live }} drop constraint {{ name | ident }};
  end if;
end
$constraint$;
