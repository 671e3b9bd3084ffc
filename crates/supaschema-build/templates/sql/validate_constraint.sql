{#- Checks a table's rows against a constraint that add_constraint.sql added `not valid`. It
    takes SHARE UPDATE EXCLUSIVE on the table (and ROW SHARE on a foreign key's target), so
    reads and writes go on; a constraint already valid is not checked again.
    Receives: table (name), name (the constraint's). -#}
alter table public.{{ table | ident }} validate constraint {{ name | ident }};
