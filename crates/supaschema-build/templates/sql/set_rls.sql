{#- Turns row level security on or off, and (when `force` is set) forces it on the table owner
    as well, or stops forcing it.
    Receives: table (name), enabled (bool), set_force (bool: write the force clause), force (bool). -#}
alter table public.{{ table | ident }} {% if enabled %}enable{% else %}disable{% endif %} row level security;
{%- if set_force %}
alter table public.{{ table | ident }} {% if force %}force{% else %}no force{% endif %} row level security;
{%- endif %}
