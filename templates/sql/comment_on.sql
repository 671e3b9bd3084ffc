{#- Documents a table, column or function in the catalog.
    Receives: target (on = table | column | function, with table/column/function), text. -#}
comment on {% if target.on == "table" %}table public.{{ target.table | ident }}
{%- elif target.on == "column" %}column public.{{ target.table | ident }}.{{ target.column | ident }}
{%- else %}function {{ target.function | signature }}{% endif %} is {{ text | literal }};
