{#- Renames a table (`renamed_from`); its rows stay.
    Receives: from, to. -#}
alter table if exists public.{{ from | ident }} rename to {{ to | ident }};
