{#- Creates a trigger, replacing one of the same name.
    Receives: table (name), trigger (Trigger). -#}
drop trigger if exists {{ trigger.name | ident }} on public.{{ table | ident }};
create trigger {{ trigger.name | ident }}
  {{ trigger.timing }} {{ trigger.events | join(sep=" or ") }} on public.{{ table | ident }}
  for each {{ trigger.for_each }}
  execute function public.{{ trigger.function | ident }}({{ trigger.arguments | literals }});
