{#- Creates a row level security policy, replacing one of the same name.
    Receives: table (name), policy (Policy). -#}
drop policy if exists {{ policy.name | ident }} on public.{{ table | ident }};
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
