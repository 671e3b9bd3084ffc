{#- One `create trigger` statement, included by create_trigger.sql and, to compare a trigger in
    place with the one wanted, by drop_trigger.sql (on a temporary copy of the table).
    Sees: trigger (Trigger), relation (the qualified, quoted table). -#}
create trigger {{ trigger.name | ident }}
      {{ trigger.timing }} {{ trigger.events | join(sep=" or ") }} on {{ relation }}
      for each {{ trigger.for_each }}
      execute function public.{{ trigger.function | ident }}({{ trigger.arguments | literals }});
{#- The file's last newline is not part of the statement. -#}
