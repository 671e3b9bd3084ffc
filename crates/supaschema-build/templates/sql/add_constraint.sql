{#- Adds a constraint to an existing table: a foreign key closing a cycle between new tables,
    or a constraint that schema.toml added or changed. Dropped first, so running the migration
    again is harmless.
    Receives: table (name), constraint (see parts/constraint.sql). -#}
alter table public.{{ table | ident }} drop constraint if exists {{ constraint.name | ident }};
alter table public.{{ table | ident }} add {% include "sql/parts/constraint.sql" %};
