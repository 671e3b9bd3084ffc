{#- Drops a trigger schema.toml removed or changed. Skipped when the table (or the trigger) is
    gone, or (`replaced_by`, a changed trigger) the table has the new one already, so running the
    migration again takes no lock on the table.
    Receives: table (name), name, replaced_by (Trigger or null). -#}
{% set live = "public." ~ (table | ident) -%}
do $trigger$
declare
  in_place boolean := false;
begin
  if not exists (
    select 1 from pg_trigger where tgrelid = to_regclass({{ live | literal }}) and tgname = {{ name | literal }}
  ) then
    return;
  end if;
{%- if replaced_by %}
  {% include "sql/parts/probe.sql" %}
    {% set trigger = replaced_by %}{% set relation = "pg_temp.supaschema_probe" %}{% include "sql/parts/trigger.sql" %}
    select live.tgtype = probe.tgtype and live.tgfoid = probe.tgfoid and live.tgargs = probe.tgargs
      into in_place
      from pg_trigger live, pg_trigger probe
     where live.tgrelid = {{ live | literal }}::regclass and live.tgname = {{ name | literal }}
       and probe.tgrelid = 'pg_temp.supaschema_probe'::regclass and probe.tgname = {{ name | literal }};
    drop table pg_temp.supaschema_probe;
  exception when others then null;
  end;
{%- endif %}
  if in_place is not true then
    drop trigger {{ name | ident }} on {{ live }};
  end if;
end
$trigger$;
