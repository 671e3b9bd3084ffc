{#- Adds a value to an enum type, at its place among the others. A value added so cannot be used
    before the migration's transaction commits (PostgreSQL refuses it as an "unsafe use of new
    value"), so nothing else in the migration uses it.
    Receives: name, value, after (the value before it) or before (the value after it). -#}
alter type public.{{ name | ident }} add value if not exists {{ value | literal }}
{%- if after %} after {{ after | literal }}{% elif before %} before {{ before | literal }}{% endif %};
