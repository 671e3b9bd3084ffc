{#- Creates an index.
    Receives: table (name), index (Index). -#}
create {% if index.unique %}unique {% endif %}index if not exists {{ index.name | ident }} on public.{{ table | ident }} using {{ index.method }} ({{ index.columns | idents }})
{%- if index.include %} include ({{ index.include | idents }}){% endif %}
{%- if index.predicate %} where ({{ index.predicate }}){% endif %};
