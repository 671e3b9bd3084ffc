{#- Documents a table, column or function in the catalog, or removes the comment.
    Receives: target (on = table | column | function, with table/column/function), text (or null). -#}
comment on {% if target.on == "table" %}table public.{{ target.table | ident }}
{%- elif target.on == "column" %}column public.{{ target.table | ident }}.{{ target.column | ident }}
{%- else %}function {{ target.function | signature }}{% endif %} is {% if text %}{{ text | literal }}{% else %}null{% endif %};
