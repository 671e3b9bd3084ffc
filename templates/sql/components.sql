{#- Shared pieces of statements, as components: `{{<constraint c={…}/>}}`.
    constraint(c): one table constraint, `constraint <name> …`. `c.type` is primary_key, unique,
    check, exclusion or foreign_key; the other fields are those of the model's Constraint,
    Check, Exclusion or ForeignKey. -#}
{% component constraint(c) -%}
constraint {{ c.name | ident }}
{%- if c.type == "primary_key" %} primary key ({{ c.columns | idents }})
{%- elif c.type == "unique" %} unique ({{ c.columns | idents }})
{%- elif c.type == "check" %} check ({{ c.expr }})
{%- elif c.type == "exclusion" %} exclude using {{ c.method }} (
  {%- for element in c.elements %}{{ element.sql }} with {{ element.operator }}{% if not loop.last %}, {% endif %}{% endfor -%}
  ){% if c.predicate %} where ({{ c.predicate }}){% endif %}
{%- else %} foreign key ({{ c.columns | idents }}) references {{ c.target_schema | ident }}.{{ c.target_table | ident }} ({{ c.target_columns | idents }})
  {%- if c.on_delete != "no_action" %} on delete {{ c.on_delete | words }}{% endif %}
  {%- if c.on_update != "no_action" %} on update {{ c.on_update | words }}{% endif %}
{%- endif %}
{%- endcomponent constraint %}

{#- column(column): a column definition, `name type [generated …] [not null] [default …]`. -#}
{% component column(column) -%}
{{ column.name | ident }} {{ column.sql_type }}
  {%- if column.identity %} generated {{ column.identity | words }} as identity{% endif %}
  {%- if not column.nullable %} not null{% endif %}
  {%- if column.default %} default {{ column.default }}{% endif %}
{%- endcomponent column %}
