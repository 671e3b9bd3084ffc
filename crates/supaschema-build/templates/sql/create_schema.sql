{#- Creates a schema for functions other than `public` when missing: one the Data API does not
    expose (`private`), so nothing in it is callable over the API, while policies call its
    functions as the signed-in role. That role needs `usage` on the schema to reach them: the
    roles that may execute one of its functions get it, and those that no longer may lose it.
    Receives: schema (name), usage (roles), revoke (roles). -#}
create schema if not exists {{ schema | ident }};
{%- if usage %}
grant usage on schema {{ schema | ident }} to {{ usage | join(sep=", ") }};
{%- endif %}
{%- if revoke %}
revoke usage on schema {{ schema | ident }} from {{ revoke | join(sep=", ") }};
{%- endif %}
