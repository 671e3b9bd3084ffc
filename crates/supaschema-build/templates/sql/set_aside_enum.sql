{#- Renames an enum type whose values cannot change in place (one is removed, or their order
    changes) to `aside`, so that a new type takes its name and the columns move to it; the old
    one is dropped once no column uses it. Skipped when the type already has the new values in
    their order, so running the migration again is harmless.
    Receives: name, aside, values. -#}
{% set qualified = "public." ~ (name | ident) -%}
do $enum$
begin
  if to_regtype({{ qualified | literal }}) is not null
     and array(select enumlabel::text from pg_enum where enumtypid = to_regtype({{ qualified | literal }}) order by enumsortorder)
         is distinct from array[{{ values | literals }}]::text[] then
    alter type {{ qualified }} rename to {{ aside | ident }};
  end if;
end
$enum$;
