{#- Changes a column's type, nullability, default or identity; each form can run again.
    Receives: table (name), column (name), change (kind = type | nullability | default | identity,
    with sql_type and using, nullable, default, or identity). -#}
alter table public.{{ table | ident }} alter column {{ column | ident }}
{%- if change.kind == "type" %} type {{ change.sql_type }}{% if change.using %} using {{ column | ident }}::{{ change.sql_type }}{% endif %}
{%- elif change.kind == "nullability" %} {% if change.nullable %}drop{% else %}set{% endif %} not null
{%- elif change.kind == "default" %} {% if change.default %}set default {{ change.default }}{% else %}drop default{% endif %}
{%- elif change.identity %} drop identity if exists;
alter table public.{{ table | ident }} alter column {{ column | ident }} add generated {{ change.identity | words }} as identity
{%- else %} drop identity if exists
{%- endif %};
