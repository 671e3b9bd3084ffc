{#- Shared pieces of statements.
    foreign_key(fk): the `foreign key (...) references ...` clause of a ForeignKey. -#}
{% macro foreign_key(fk) -%}
constraint {{ fk.name | ident }} foreign key ({{ fk.columns | idents }}) references {{ fk.target_schema | ident }}.{{ fk.target_table | ident }} ({{ fk.target_columns | idents }})
{%- if fk.on_delete != "no_action" %} on delete {{ fk.on_delete | words }}{% endif %}
{%- if fk.on_update != "no_action" %} on update {{ fk.on_update | words }}{% endif %}
{%- endmacro foreign_key %}
