{#- Renames an index, or the constraint behind a key (its index follows), so the names stay
    the ones a fresh build would give.
    Receives: table (name), kind (index | constraint), from, to. -#}
{%- if kind == "index" %}
alter index if exists public.{{ from | ident }} rename to {{ to | ident }};
{%- else %}
alter table public.{{ table | ident }} rename constraint {{ from | ident }} to {{ to | ident }};
{%- endif %}
