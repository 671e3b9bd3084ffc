{#- Makes the unique index of the same name, which create_index.sql built concurrently just
    before, the table's unique key or (`primary_key`) its primary key. It takes ACCESS EXCLUSIVE
    for a moment, so it waits at most `lock_timeout`; skipped when the constraint is there, so
    running it again takes no lock.
    A concurrent build that failed (on duplicate rows, say) leaves an invalid index behind, which
    `create index … if not exists` keeps: drop it first (`drop index concurrently …`).
    Receives: table (name), name (the constraint's and its index's), primary_key, lock_timeout. -#}
do $attach$
begin
  if not exists (
    select 1 from pg_constraint
    where conrelid = {{ ("public." ~ (table | ident)) | literal }}::regclass and conname = {{ name | literal }}
  ) then
    perform set_config('lock_timeout', {{ lock_timeout | literal }}, true);
    alter table public.{{ table | ident }} add constraint {{ name | ident }} {% if primary_key %}primary key{% else %}unique{% endif %} using index {{ name | ident }};
  end if;
end
$attach$;
