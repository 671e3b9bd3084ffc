{#- Creates a table with its columns and constraints (keys, checks, exclusion constraints and
    the foreign keys whose targets already exist). Identifiers pass through `ident`; defaults,
    checks and predicates are SQL written in schema.toml.
    Receives: table (Table), constraints (list of constraints, see macros.sql). -#}
{% import "sql/macros.sql" as macros -%}
create table if not exists public.{{ table.name | ident }} (
{%- for column in table.columns %}{% if not loop.first %},{% endif %}
  {{ macros::column(column=column) }}
{%- endfor %}
{%- for c in constraints %},
  {{ macros::constraint(c=c) }}
{%- endfor %}
);
