{#- Creates an index. `concurrently` (a new index on a table that may hold rows) builds it
    while writes go on; such a statement cannot run in a transaction (nor in a `do` block), so
    it sits in a file of its own (see migration.sql) and relies on `if not exists`. Otherwise the
    index is skipped when one of its name exists, so running the migration again takes no lock
    on the table.
    Receives: table (name), index (Index), concurrently. -#}
{% set relation = "public." ~ (table | ident) -%}
{% if not concurrently -%}
do $index$
begin
  if to_regclass({{ ("public." ~ (index.name | ident)) | literal }}) is null then
    {% endif -%}
{% include "sql/parts/index.sql" %}
{%- if not concurrently %}
  end if;
end
$index$;
{%- endif %}
