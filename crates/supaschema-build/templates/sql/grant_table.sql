{#- States a table's privileges explicitly, so the result is the same whether or not the
    project still grants new tables and sequences to the API roles by default. The sequences of
    identity columns are found by the column, as PostgreSQL names them.
    With `audit_reads`, the roles in column_select may select the non-PHI columns only.
    Receives: table (name), grants (list of Grant: role, privileges), column_select (roles),
    columns (the columns they may select), roles (the role names that lose everything first),
    sequences (identity column names). -#}
revoke all on table public.{{ table | ident }} from {{ roles | join(sep=", ") }};
{%- for grant in grants %}
grant {{ grant.privileges | join(sep=", ") }} on table public.{{ table | ident }} to {{ grant.role }};
{%- endfor %}
{%- for role in column_select %}
grant select ({{ columns | idents }}) on table public.{{ table | ident }} to {{ role }};
{%- endfor %}
{%- for column in sequences %}
do $$ begin execute format('revoke all on sequence %s from {{ roles | join(sep=", ") }}', pg_get_serial_sequence('public.{{ table | ident }}', '{{ column }}')); end $$;
{%- endfor %}
