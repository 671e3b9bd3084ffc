{#- Creates a trigger. A changed trigger was dropped before, by drop_trigger.sql; skipped when
    the table has a trigger of that name, so running the migration again takes no lock on the
    table.
    Receives: table (name), trigger (Trigger). -#}
do $trigger$
begin
  if not exists (
    select 1 from pg_trigger
     where tgrelid = {{ ("public." ~ (table | ident)) | literal }}::regclass and tgname = {{ trigger.name | literal }}
  ) then
    create trigger {{ trigger.name | ident }}
      {{ trigger.timing }} {{ trigger.events | join(sep=" or ") }} on public.{{ table | ident }}
      for each {{ trigger.for_each }}
      execute function public.{{ trigger.function | ident }}({{ trigger.arguments | literals }});
  end if;
end
$trigger$;
