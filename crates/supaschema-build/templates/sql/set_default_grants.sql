{#- What the API roles get on tables, sequences and functions that the role running the
    migrations (Supabase's `postgres`) creates in `public` later: by hand, in the SQL editor or in
    a hand-written migration. Projects created before 2026 grant them all to anon, authenticated
    and service_role, so such a table is readable through the API at once; revoked, nothing is
    reachable until a migration grants it, and new functions lose PostgreSQL's EXECUTE for
    PUBLIC too. That one is a global default, which a per-schema entry cannot take away, so it
    is revoked in every schema the role creates functions in. Given back (`revoke` false), the
    defaults are those of projects since 2026: no grant to the API roles, EXECUTE for PUBLIC as
    PostgreSQL has it.
    Receives: revoke. -#}
{% if revoke -%}
alter default privileges in schema public revoke all on tables from anon, authenticated, service_role;
alter default privileges in schema public revoke all on sequences from anon, authenticated, service_role;
alter default privileges in schema public revoke all on functions from anon, authenticated, service_role;
alter default privileges revoke execute on functions from public;
{%- else -%}
alter default privileges grant execute on functions to public;
{%- endif %}
