{#- Turns row level security on (and, if asked, forces it on the table owner as well).
    Receives: table (name), forced (bool). -#}
alter table public.{{ table | ident }} enable row level security;
{%- if forced %}
alter table public.{{ table | ident }} force row level security;
{%- endif %}
