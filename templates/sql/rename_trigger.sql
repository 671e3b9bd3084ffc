{#- Renames a trigger (its table was renamed).
    Receives: table (name), from, to. -#}
alter trigger {{ from | ident }} on public.{{ table | ident }} rename to {{ to | ident }};
