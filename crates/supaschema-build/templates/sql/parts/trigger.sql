{#- One `create trigger` statement, included by create_trigger.sql and, to compare a trigger in
    place with the one wanted, by drop_trigger.sql (on a temporary copy of the table).
    Sees: trigger (Trigger: `columns` for `update of`, `when`), relation (the qualified, quoted
    table). -#}
create trigger {{ trigger.name | ident }}
      {{ trigger.timing }} {% for event in trigger.events %}{% if not loop.first %} or {% endif %}{{ event }}{% if event == "update" and trigger.columns %} of {{ trigger.columns | idents }}{% endif %}{% endfor %} on {{ relation }}
      for each {{ trigger.for_each }}
{%- if trigger.when %}
      when ({{ trigger.when }})
{%- endif %}
      execute function {{ trigger.function | function }}({{ trigger.arguments | literals }});
{#- The file's last newline is not part of the statement. -#}
