{#- The second half of NOT NULL (see add_not_null_check.sql), after the migration committed. The
    check is validated first, under SHARE UPDATE EXCLUSIVE, so reads and writes go on while the
    rows are read; then NOT NULL is set, for which PostgreSQL reads no rows once a valid check
    proves them, under a moment of ACCESS EXCLUSIVE that waits at most `lock_timeout`; then the
    check goes. Each part is skipped when done, so running the file again takes no lock.
    Receives: table (name), column (name), check (the check's name), lock_timeout. -#}
{% set live = "public." ~ (table | ident) -%}
do $validate$
begin
  if exists (
    select 1 from pg_constraint
     where conrelid = {{ live | literal }}::regclass and conname = {{ check | literal }} and not convalidated
  ) then
    alter table {{ live }} validate constraint {{ check | ident }};
  end if;
end
$validate$;

do $not_null$
begin
  perform set_config('lock_timeout', {{ lock_timeout | literal }}, true);
  if not exists (
    select 1 from pg_attribute where attrelid = {{ live | literal }}::regclass and attname = {{ column | literal }} and attnotnull
  ) then
    alter table {{ live }} alter column {{ column | ident }} set not null;
  end if;
  if exists (
    select 1 from pg_constraint where conrelid = {{ live | literal }}::regclass and conname = {{ check | literal }}
  ) then
    alter table {{ live }} drop constraint {{ check | ident }};
  end if;
end
$not_null$;
