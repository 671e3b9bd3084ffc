{#- One table constraint, `constraint <name> …`, included by create_table.sql and
    add_constraint.sql. `constraint.type` is primary_key, unique, check, exclusion or
    foreign_key; the other fields are those of the model's Constraint, Check, Exclusion or
    ForeignKey.
    Sees: constraint. -#}
constraint {{ constraint.name | ident }}
{%- if constraint.type == "primary_key" %} primary key ({{ constraint.columns | idents }})
{%- elif constraint.type == "unique" %} unique ({{ constraint.columns | idents }})
{%- elif constraint.type == "check" %} check ({{ constraint.expr }})
{%- elif constraint.type == "exclusion" %} exclude using {{ constraint.method }} (
  {%- for element in constraint.elements %}{{ element.sql }} with {{ element.operator }}{% if not loop.last %}, {% endif %}{% endfor -%}
  ){% if constraint.predicate %} where ({{ constraint.predicate }}){% endif %}
{%- else %} foreign key ({{ constraint.columns | idents }}) references {{ constraint.target_schema | ident }}.{{ constraint.target_table | ident }} ({{ constraint.target_columns | idents }})
  {%- if constraint.on_delete != "no_action" %} on delete {{ constraint.on_delete | words }}{% if constraint.on_delete_columns %} ({{ constraint.on_delete_columns | idents }}){% endif %}{% endif %}
  {%- if constraint.on_update != "no_action" %} on update {{ constraint.on_update | words }}{% endif %}
  {%- if constraint.deferrable %} deferrable {{ constraint.deferrable | words }}{% endif %}
{%- endif %}
{#- The file's last newline is not part of the constraint. -#}
