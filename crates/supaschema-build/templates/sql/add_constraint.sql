{#- Adds a constraint to an existing table: a foreign key closing a cycle between new tables, a
    foreign key into a table the schema does not own (last in the migration, since it locks
    `auth.users` against sign-ups until the commit), or a constraint that schema.toml added or changed (the old one is dropped before, by
    drop_constraint.sql). Skipped when the table has a constraint of that name, so running the
    migration again takes no lock on the table. `not valid` (a check or foreign key on a table
    that may hold rows) skips checking the rows; validate_constraint.sql checks them later. An
    exclusion constraint cannot take over an index built beforehand, nor can a key that a foreign
    key added in the same migration references: their index is built under the lock, and the
    migration says so.
    Receives: table (name), constraint (see parts/constraint.sql), not_valid. -#}
{% if constraint.type in ["exclusion", "primary_key", "unique"] -%}
-- No lock-safe form: adding {{ constraint.name }} builds its index under ACCESS EXCLUSIVE, so reads and
-- writes of {{ table }} wait until the migration commits. Run it when that is acceptable.
{% endif -%}
do $constraint$
begin
  if not exists (
    select 1 from pg_constraint
     where conrelid = {{ ("public." ~ (table | ident)) | literal }}::regclass and conname = {{ constraint.name | literal }}
  ) then
    alter table public.{{ table | ident }} add {% include "sql/parts/constraint.sql" %}{% if not_valid %} not valid{% endif %};
  end if;
end
$constraint$;
