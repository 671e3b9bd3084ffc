{#- PostgreSQL lets PUBLIC execute every new function. Revoke that, then let exactly the
    listed roles call it.
    Receives: function (Function), roles (the role names that lose the privilege too). -#}
revoke all on function {{ function | signature }} from public, {{ roles | join(sep=", ") }};
{%- if function.execute %}
grant execute on function {{ function | signature }} to {{ function.execute | join(sep=", ") }};
{%- endif %}
