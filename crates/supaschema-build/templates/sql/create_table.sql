{#- Creates a table with its columns and constraints (keys, checks, exclusion constraints and
    the foreign keys whose targets already exist). Identifiers pass through `ident`; defaults,
    checks and predicates are SQL written in schema.toml.
    Receives: table (name, columns), constraints (list of constraints, see parts/constraint.sql). -#}
create table if not exists public.{{ table.name | ident }} (
{%- for column in table.columns %}{% if not loop.first %},{% endif %}
  {% include "sql/parts/column.sql" %}
{%- endfor %}
{%- for constraint in constraints %},
  {% include "sql/parts/constraint.sql" %}
{%- endfor %}
);
