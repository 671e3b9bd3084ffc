{#- Creates or replaces a function with a pinned, empty search_path: every name inside the body
    must be schema-qualified, so no caller can redirect it.
    PostgreSQL cannot replace a function's arguments or result type this way: the migration
    drops it first (drop_function.sql).
    Receives: function (Function: args with their `default`s), qualified (`schema.name`),
    returns (the result type in SQL: a type, `setof public.<table>` or `table (…)`), body (the
    rendered body text). -#}
create or replace function {{ qualified }}(
{%- for arg in function.args %}{{ arg.name | ident }} {{ arg.sql_type }}{% if arg.default %} default {{ arg.default }}{% endif %}{% if not loop.last %}, {% endif %}{% endfor -%}
)
returns {{ returns }}
language {{ function.language }}
{{ function.volatility }}
security {{ function.security }}
set search_path = ''
as $function$
{{ body }}
$function$;
