{#- Creates a row level security policy. A changed policy was dropped before, by
    drop_policy.sql; skipped when the table has a policy of that name, so running the migration
    again takes no lock on the table.
    Receives: table (name), policy (Policy). -#}
do $policy$
begin
  if not exists (
    select 1 from pg_policy
     where polrelid = {{ ("public." ~ (table | ident)) | literal }}::regclass and polname = {{ policy.name | literal }}
  ) then
    create policy {{ policy.name | ident }} on public.{{ table | ident }}
      as {% if policy.permissive %}permissive{% else %}restrictive{% endif %}
      for {{ policy.command }}
      to {{ policy.roles | join(sep=", ") }}
{%- if policy.using %}
      using ({{ policy.using }})
{%- endif %}
{%- if policy.with_check %}
      with check ({{ policy.with_check }})
{%- endif %};
  end if;
end
$policy$;
