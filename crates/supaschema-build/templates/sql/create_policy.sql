{#- Creates a row level security policy. A changed policy was dropped before, by
    drop_policy.sql; skipped when the table has a policy of that name, so running the migration
    again takes no lock on the table.
    Receives: table (name), policy (Policy). -#}
{% set relation = "public." ~ (table | ident) -%}
do $policy$
begin
  if not exists (
    select 1 from pg_policy
     where polrelid = {{ relation | literal }}::regclass and polname = {{ policy.name | literal }}
  ) then
    {% include "sql/parts/policy.sql" %}
  end if;
end
$policy$;
