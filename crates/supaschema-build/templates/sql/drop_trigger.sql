{#- Drops a trigger schema.toml removed or changed. Skipped when the table (or the trigger) is
    gone, or (`replaced_by`, a changed trigger) the table has the new one already, so running the
    migration again takes no lock on the table.
    The definitions from `for each` on hold the `when` condition; `update of` columns are
    compared by name (a column's number differs between the table and its copy).
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
           and array(select a.attname from unnest(live.tgattr::int2[]) with ordinality u(n, i)
                   join pg_attribute a on a.attrelid = live.tgrelid and a.attnum = u.n order by u.i)
             = array(select a.attname from unnest(probe.tgattr::int2[]) with ordinality u(n, i)
                   join pg_attribute a on a.attrelid = probe.tgrelid and a.attnum = u.n order by u.i)
           and substring(pg_get_triggerdef(live.oid) from ' FOR EACH .*$')
             = substring(pg_get_triggerdef(probe.oid) from ' FOR EACH .*$')
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
