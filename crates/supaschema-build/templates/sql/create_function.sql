{#- Creates or replaces a function with a pinned, empty search_path: every name inside the body
    must be schema-qualified, so no caller can redirect it.
    Receives: function (Function), body (the rendered body text). -#}
create or replace function public.{{ function.name | ident }}(
{%- for arg in function.args %}{{ arg.name | ident }} {{ arg.sql_type }}{% if not loop.last %}, {% endif %}{% endfor -%}
)
returns {{ function.returns }}
language {{ function.language }}
{{ function.volatility }}
security {{ function.security }}
set search_path = ''
as $function$
{{ body }}
$function$;
