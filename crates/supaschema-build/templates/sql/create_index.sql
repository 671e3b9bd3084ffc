{#- Creates an index. `concurrently` (a new index on a table that may hold rows) builds it
    while writes go on; such a statement cannot run in a transaction, so it sits in a file of
    its own (see migration.sql).
    Receives: table (name), index (Index), concurrently. -#}
create {% if index.unique %}unique {% endif %}index {% if concurrently %}concurrently {% endif %}if not exists {{ index.name | ident }} on public.{{ table | ident }} using {{ index.method }} ({{ index.columns | idents }})
{%- if index.include %} include ({{ index.include | idents }}){% endif %}
{%- if index.predicate %} where ({{ index.predicate }}){% endif %};
