{#- Turns row level security on or off, and (when `set_force` is set) forces it on the table
    owner as well, or stops forcing it. Each is skipped when the table is so already, so running
    the migration again takes no lock on the table.
    Receives: table (name), enabled (bool), set_force (bool: write the force clause), force (bool). -#}
do $rls$
begin
  if not exists (
    select 1 from pg_class
     where oid = {{ ("public." ~ (table | ident)) | literal }}::regclass and relrowsecurity = {{ enabled }}
  ) then
    alter table public.{{ table | ident }} {% if enabled %}enable{% else %}disable{% endif %} row level security;
  end if;
{%- if set_force %}
  if not exists (
    select 1 from pg_class
     where oid = {{ ("public." ~ (table | ident)) | literal }}::regclass and relforcerowsecurity = {{ force }}
  ) then
    alter table public.{{ table | ident }} {% if force %}force{% else %}no force{% endif %} row level security;
  end if;
{%- endif %}
end
$rls$;
