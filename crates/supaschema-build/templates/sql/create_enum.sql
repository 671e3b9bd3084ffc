{#- Creates an enum type with its values in their order. PostgreSQL has no `create type if not
    exists`: the type is created only when missing, so running the migration again is harmless.
    Receives: name, values. -#}
{% set qualified = "public." ~ (name | ident) -%}
do $enum$
begin
  if to_regtype({{ qualified | literal }}) is null then
    create type {{ qualified }} as enum ({{ values | literals }});
  end if;
end
$enum$;
