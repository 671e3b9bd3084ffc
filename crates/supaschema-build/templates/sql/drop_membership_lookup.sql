{#- Drops a membership lookup that no owner rule calls any more (after the policies that
    called it). The schema stays: other objects may live in it.
    Receives: lookup (table, group, user, role). -#}
drop function if exists private.{{ (lookup.table ~ "_member") | ident }}(uuid, text[]);
