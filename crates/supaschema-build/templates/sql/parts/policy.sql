{#- One `create policy` statement, included by create_policy.sql and, to compare a policy in
    place with the one wanted, by drop_policy.sql (on a temporary copy of the table).
    Sees: policy (Policy), relation (the qualified, quoted table). -#}
create policy {{ policy.name | ident }} on {{ relation }}
      as {% if policy.permissive %}permissive{% else %}restrictive{% endif %}
      for {{ policy.command }}
      to {{ policy.roles | join(sep=", ") }}
{%- if policy.using %}
      using ({{ policy.using }})
{%- endif %}
{%- if policy.with_check %}
      with check ({{ policy.with_check }})
{%- endif %};
{#- The file's last newline is not part of the statement. -#}
