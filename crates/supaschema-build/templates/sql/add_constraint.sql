{#- Adds a constraint to an existing table: a foreign key closing a cycle between new tables,
    or a constraint that schema.toml added or changed. Dropped first, so running the migration
    again is harmless. `not valid` (a check or foreign key on a table that may hold rows) skips
    checking the rows; validate_constraint.sql checks them later.
    Receives: table (name), constraint (see parts/constraint.sql), not_valid. -#}
alter table public.{{ table | ident }} drop constraint if exists {{ constraint.name | ident }};
alter table public.{{ table | ident }} add {% include "sql/parts/constraint.sql" %}{% if not_valid %} not valid{% endif %};
