{#- Documents a table, column, function or enum type in the catalog, or removes the comment.
    Receives: target (on = table | column | function | type, with table/column/function/name), text (or null). -#}
comment on {% if target.on == "table" %}table public.{{ target.table | ident }}
{%- elif target.on == "column" %}column public.{{ target.table | ident }}.{{ target.column | ident }}
{%- elif target.on == "type" %}type public.{{ target.name | ident }}
{%- else %}function {{ target.function | signature }}{% endif %} is {% if text %}{{ text | literal }}{% else %}null{% endif %};
