{#- Creates an index. `concurrently` (a new index on a table that may hold rows) builds it
    while writes go on; such a statement cannot run in a transaction (nor in a `do` block), so
    it sits in a file of its own (see migration.sql) and relies on `if not exists`. Otherwise the
    index is skipped when one of its name exists, so running the migration again takes no lock
    on the table.
    Receives: table (name), index (Index), concurrently. -#}
{% if not concurrently -%}
do $index$
begin
  if to_regclass({{ ("public." ~ (index.name | ident)) | literal }}) is null then
    {% endif -%}
create {% if index.unique %}unique {% endif %}index {% if concurrently %}concurrently {% endif %}if not exists {{ index.name | ident }} on public.{{ table | ident }} using {{ index.method }} ({{ index.columns | idents }})
{%- if index.include %} include ({{ index.include | idents }}){% endif %}
{%- if index.predicate %} where ({{ index.predicate }}){% endif %};
{%- if not concurrently %}
  end if;
end
$index$;
{%- endif %}
