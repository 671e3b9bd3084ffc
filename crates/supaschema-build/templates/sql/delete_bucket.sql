{#- Deletes a bucket schema.toml removed (with `allow_drop = ["bucket:<name>"]`). A bucket that
    still holds files stops the migration: deleting their rows here would leave their bytes in
    the storage behind them, which only the Storage API deletes. Supabase refuses deletes from
    its storage tables unless the transaction opts in (`storage.allow_delete_query`); the opt-in
    covers this one statement. Skipped when the bucket is gone already.
    Receives: bucket (name). -#}
do $bucket$
declare
  files bigint;
  opted_in text := current_setting('storage.allow_delete_query', true);
begin
  select count(*) into files from storage.objects where bucket_id = {{ bucket | literal }};
  if files > 0 then
    raise exception 'bucket {{ bucket }} still holds % files', files
      using hint = 'Delete them through the Storage API first, then run the migration again.';
  end if;
  perform set_config('storage.allow_delete_query', 'true', true);
  delete from storage.buckets where id = {{ bucket | literal }};
  perform set_config('storage.allow_delete_query', coalesce(opted_in, 'false'), true);
end
$bucket$;
