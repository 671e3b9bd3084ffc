{#- Renames a value of an enum type (`renamed_values`); rows holding it hold the new label.
    Skipped when the type has no such value any more, so running the migration again is harmless.
    Receives: name, from, to. -#}
{% set qualified = "public." ~ (name | ident) -%}
do $enum$
begin
  if exists (select from pg_enum where enumtypid = to_regtype({{ qualified | literal }}) and enumlabel = {{ from | literal }}) then
    alter type {{ qualified }} rename value {{ from | literal }} to {{ to | literal }};
  end if;
end
$enum$;
