{#- Creates a table with its columns, keys, checks, exclusion constraints and the foreign keys
    whose targets already exist. Identifiers pass through `ident`; defaults, checks and
    predicates are SQL written in schema.toml.
    Receives: table (Table), inline_foreign_keys (list of ForeignKey). -#}
{% import "sql/macros.sql" as macros -%}
create table if not exists public.{{ table.name | ident }} (
{%- for column in table.columns %}{% if not loop.first %},{% endif %}
  {{ column.name | ident }} {{ column.sql_type }}
  {%- if column.identity %} generated {{ column.identity | words }} as identity{% endif %}
  {%- if not column.nullable %} not null{% endif %}
  {%- if column.default %} default {{ column.default }}{% endif %}
{%- endfor %},
  constraint {{ table.primary_key.name | ident }} primary key ({{ table.primary_key.columns | idents }})
{%- for unique in table.uniques %},
  constraint {{ unique.name | ident }} unique ({{ unique.columns | idents }})
{%- endfor %}
{%- for check in table.checks %},
  constraint {{ check.name | ident }} check ({{ check.expr }})
{%- endfor %}
{%- for exclusion in table.exclusions %},
  constraint {{ exclusion.name | ident }} exclude using {{ exclusion.method }} (
  {%- for element in exclusion.elements %}{{ element.sql }} with {{ element.operator }}{% if not loop.last %}, {% endif %}{% endfor -%}
  ){% if exclusion.predicate %} where ({{ exclusion.predicate }}){% endif %}
{%- endfor %}
{%- for fk in inline_foreign_keys %},
  {{ macros::foreign_key(fk=fk) }}
{%- endfor %}
);
