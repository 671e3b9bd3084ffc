{#- Renames a policy.
    Receives: table (name), from, to. -#}
alter policy {{ from | ident }} on public.{{ table | ident }} rename to {{ to | ident }};
