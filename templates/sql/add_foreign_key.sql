{#- Adds a foreign key after both tables exist (the key closes a cycle between tables).
    Dropped first so that running the migration again is harmless.
    Receives: table (name), foreign_key (ForeignKey). -#}
{% import "sql/macros.sql" as macros -%}
alter table public.{{ table | ident }} drop constraint if exists {{ foreign_key.name | ident }};
alter table public.{{ table | ident }} add {{ macros::foreign_key(fk=foreign_key) }};
