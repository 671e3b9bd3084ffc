{#- Creates a trigger. A changed trigger was dropped before, by drop_trigger.sql; skipped when
    the table has a trigger of that name, so running the migration again takes no lock on the
    table.
    Receives: table (name), trigger (Trigger). -#}
{% set relation = "public." ~ (table | ident) -%}
do $trigger$
begin
  if not exists (
    select 1 from pg_trigger
     where tgrelid = {{ relation | literal }}::regclass and tgname = {{ trigger.name | literal }}
  ) then
    {% include "sql/parts/trigger.sql" %}
  end if;
end
$trigger$;
