{#- Puts a table in Supabase's `supabase_realtime` publication, so Realtime sends its changes to
    the subscribers whose select policies let them see the row, or takes it out. A database
    without the publication (Supabase creates it, empty) gets it. Skipped when the table is in
    (or out of) it already, so running the migration again changes nothing.
    Receives: table (name), enabled. -#}
do $realtime$
begin
{%- if enabled %}
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
{%- endif %}
  if {% if enabled %}not {% endif %}exists (
    select 1 from pg_publication_tables
     where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = {{ table | literal }}
  ) then
    alter publication supabase_realtime {% if enabled %}add{% else %}drop{% endif %} table public.{{ table | ident }};
  end if;
end
$realtime$;
