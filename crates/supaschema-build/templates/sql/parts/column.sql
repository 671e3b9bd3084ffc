{#- A column definition, `name type [generated …] [not null] [default …]`, included by
    create_table.sql and add_column.sql. A generated column is `generated always as (…) stored`:
    PostgreSQL 15 has no virtual generated columns.
    Sees: column (Column). -#}
{{ column.name | ident }} {{ column.sql_type }}
  {%- if column.identity %} generated {{ column.identity | words }} as identity{% endif %}
  {%- if column.generated %} generated always as ({{ column.generated }}) stored{% endif %}
  {%- if not column.nullable %} not null{% endif %}
  {%- if column.default %} default {{ column.default }}{% endif %}
{#- The file's last newline is not part of the definition. -#}
