{#- PostgreSQL lets PUBLIC execute every new function. Revoke that, then let exactly the
    listed roles call it.
    Receives: function (Function). -#}
revoke all on function {{ function | signature }} from public, anon, authenticated, service_role;
{%- if function.execute %}
grant execute on function {{ function | signature }} to {{ function.execute | join(sep=", ") }};
{%- endif %}
