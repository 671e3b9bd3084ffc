{#- Drops a policy on `storage.objects` of a bucket schema.toml removed or changed. Skipped when
    there is none of that name, so running the migration again takes no lock on the table.
    Receives: bucket (name), name. -#}
do $policy$
begin
  if exists (
    select 1 from pg_policy where polrelid = 'storage.objects'::regclass and polname = {{ name | literal }}
  ) then
    drop policy {{ name | ident }} on storage.objects;
  end if;
end
$policy$;
