{#- One `create index` statement, included by create_index.sql and, to compare an index in place
    with the one wanted, by drop_index.sql (on a temporary copy of the table). The key is the
    columns, then the expressions, each in parentheses as PostgreSQL requires of an expression.
    Sees: index (Index), relation (the qualified, quoted table), concurrently. -#}
create {% if index.unique %}unique {% endif %}index {% if concurrently %}concurrently {% endif %}if not exists {{ index.name | ident }} on {{ relation }} using {{ index.method }} ({{ index.columns | idents }}
{%- if index.expressions %}{% for expr in index.expressions %}{% if index.columns or not loop.first %}, {% endif %}({{ expr }}){% endfor %}{% endif %})
{%- if index.include %} include ({{ index.include | idents }}){% endif %}
{%- if index.predicate %} where ({{ index.predicate }}){% endif %};
{#- The file's last newline is not part of the statement. -#}
