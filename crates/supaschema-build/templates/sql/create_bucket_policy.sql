{#- Creates a policy on Supabase Storage's `storage.objects` for the files of one bucket. A
    changed policy was dropped before, by drop_bucket_policy.sql; skipped when `storage.objects`
    has a policy of that name, so running the migration again takes no lock on it.
    Receives: bucket (name), policy (Policy). -#}
{% set relation = "storage.objects" -%}
do $policy$
begin
  if not exists (
    select 1 from pg_policy
     where polrelid = 'storage.objects'::regclass and polname = {{ policy.name | literal }}
  ) then
    {% include "sql/parts/policy.sql" %}
  end if;
end
$policy$;
