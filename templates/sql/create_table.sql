{#- Creates a table with its columns and constraints (keys, checks, exclusion constraints and
    the foreign keys whose targets already exist). Identifiers pass through `ident`; defaults,
    checks and predicates are SQL written in schema.toml.
    Receives: table (Table), constraints (list of constraints, see components.sql). -#}
create table if not exists public.{{ table.name | ident }} (
{%- for column in table.columns %}{% if not loop.first %},{% endif %}
  {{<column column={column}/>}}
{%- endfor %}
{%- for c in constraints %},
  {{<constraint c={c}/>}}
{%- endfor %}
);
