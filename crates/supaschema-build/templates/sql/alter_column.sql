{#- Changes a column's type, nullability, default or identity; each form can run again.
    Receives: table (name), column (name), change (kind = type | nullability | default | identity
    | identity_kind, with sql_type, using and rewrites, nullable, default, or identity). An added
    identity numbers on after the largest value the column holds; switching between always and by
    default keeps the sequence. A type change that rewrites the table says so: it has no
    lock-safe form. -#}
{% if change.kind == "type" and change.rewrites -%}
-- No lock-safe form: this type change rewrites {{ table }} and its indexes under ACCESS EXCLUSIVE,
-- so reads and writes of the table wait until the migration commits. Run it when that is acceptable.
{% endif -%}
alter table public.{{ table | ident }} alter column {{ column | ident }}
{%- if change.kind == "type" %} type {{ change.sql_type }}{% if change.using %} using {{ column | ident }}::{{ change.sql_type }}{% endif %}
{%- elif change.kind == "nullability" %} {% if change.nullable %}drop{% else %}set{% endif %} not null
{%- elif change.kind == "default" %} {% if change.default %}set default {{ change.default }}{% else %}drop default{% endif %}
{%- elif change.kind == "identity_kind" %} set generated {{ change.identity | words }}
{%- elif change.identity %} drop identity if exists;
alter table public.{{ table | ident }} alter column {{ column | ident }} add generated {{ change.identity | words }} as identity;
select setval(pg_get_serial_sequence({{ ("public." ~ (table | ident)) | literal }}, {{ column | literal }}), coalesce(max({{ column | ident }}), 0) + 1, false) from public.{{ table | ident }}
{%- else %} drop identity if exists
{%- endif %};
