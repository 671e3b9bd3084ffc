{#- Drops a policy schema.toml removed or changed. Skipped when the table has no policy of that
    name, or (`replaced_by`, a changed policy) has the new one already, so running the migration
    again takes no lock on the table.
    Receives: table (name), name, replaced_by (Policy or null). -#}
{% set live = "public." ~ (table | ident) -%}
do $policy$
declare
  in_place boolean := false;
begin
  if not exists (
    select 1 from pg_policy where polrelid = to_regclass({{ live | literal }}) and polname = {{ name | literal }}
  ) then
    return;
  end if;
{%- if replaced_by %}
  {% include "sql/parts/probe.sql" %}
    {% set policy = replaced_by %}{% set relation = "pg_temp.supaschema_probe" %}{% include "sql/parts/policy.sql" %}
    select live.polcmd = probe.polcmd and live.polpermissive = probe.polpermissive
           and array(select unnest(live.polroles) order by 1) = array(select unnest(probe.polroles) order by 1)
           and pg_get_expr(live.polqual, live.polrelid) is not distinct from pg_get_expr(probe.polqual, probe.polrelid)
           and pg_get_expr(live.polwithcheck, live.polrelid) is not distinct from pg_get_expr(probe.polwithcheck, probe.polrelid)
      into in_place
      from pg_policy live, pg_policy probe
     where live.polrelid = {{ live | literal }}::regclass and live.polname = {{ name | literal }}
       and probe.polrelid = 'pg_temp.supaschema_probe'::regclass and probe.polname = {{ name | literal }};
    drop table pg_temp.supaschema_probe;
  exception when others then null;
  end;
{%- endif %}
  if in_place is not true then
    drop policy {{ name | ident }} on {{ live }};
  end if;
end
$policy$;
