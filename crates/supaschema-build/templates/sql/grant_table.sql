{#- States a table's privileges explicitly, so the result is the same whether or not the
    project still grants new tables to the API roles by default.
    Receives: table (name), grants (list of Grant: role, privileges). -#}
revoke all on table public.{{ table | ident }} from anon, authenticated, service_role;
{%- for grant in grants %}
grant {{ grant.privileges | join(sep=", ") }} on table public.{{ table | ident }} to {{ grant.role }};
{%- endfor %}
