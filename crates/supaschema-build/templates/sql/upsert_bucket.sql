{#- Creates a bucket's row in Supabase Storage's `storage.buckets`, or brings an existing one to
    what schema.toml says. The row is left alone when it says so already, so running the
    migration again changes nothing.
    Receives: bucket (Bucket). -#}
insert into storage.buckets as live (id, name, public, file_size_limit, allowed_mime_types)
values (
  {{ bucket.name | literal }},
  {{ bucket.name | literal }},
  {{ bucket.public }},
  {% if bucket.file_size_limit %}{{ bucket.file_size_limit }}{% else %}null{% endif %},
  {% if bucket.allowed_mime_types %}array[{% for mime in bucket.allowed_mime_types %}{{ mime | literal }}{% if not loop.last %}, {% endif %}{% endfor %}]{% else %}null{% endif %}
)
on conflict (id) do update
   set name = excluded.name,
       public = excluded.public,
       file_size_limit = excluded.file_size_limit,
       allowed_mime_types = excluded.allowed_mime_types
 where (live.name, live.public, live.file_size_limit, live.allowed_mime_types)
       is distinct from (excluded.name, excluded.public, excluded.file_size_limit, excluded.allowed_mime_types);
