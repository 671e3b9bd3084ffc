{#- Stops the migration before it changes anything when rows already in an existing table break
    a rule it adds: NOT NULL, a check (a closed value set is one), a unique key or a foreign key.
    The message names the table, the rule, how many rows break it (never a value) and the two ways
    on. `supaschema check --db-url` runs these blocks read-only before a push.
    In a reverse (`reverses` is set), the rule is one the rollback brings back, and the way on
    is to fix the rows or to leave the migration applied.
    A value removed from an enum type is a rule too: no row may hold it.
    Receives: reverses (set in a reverse), table (its name before the migration), rule (kind = not_null | values | check | unique |
    foreign_key, with column; column, enum_name, values and array; name and expr; name and columns; or name, columns, target_schema,
    target_table and target_columns), all in the names before the migration. -#}
{% if reverses %}{% set by = "the rollback" %}{% else %}{% set by = "this migration" %}{% endif -%}
{% set quoted = table | ident %}{% set relation = "public." ~ quoted -%}
{% if rule.kind == "not_null" -%}
{% set errcode = "23502" -%}
{% set what = "have no " ~ rule.column ~ ", which " ~ by ~ " makes not null" -%}
{% set fix = "fill them in" -%}
{% set otherwise = "keep " ~ rule.column ~ " nullable" -%}
{% elif rule.kind == "values" -%}
{% set errcode = "22P02" -%}
{% set what = "hold " ~ (rule.values | literals) ~ " in " ~ rule.column ~ ", which " ~ by ~ " removes from the enum " ~ rule.enum_name -%}
{% set fix = "change them to another value" -%}
{% set otherwise = "keep the value in [enums." ~ rule.enum_name ~ "]" -%}
{% elif rule.kind == "check" -%}
{% set errcode = "23514" -%}
{% set what = "break the check " ~ rule.name ~ " (" ~ rule.expr ~ ") that " ~ by ~ " adds" -%}
{% set fix = "update them" -%}
{% set otherwise = "keep the values or the check they meet" -%}
{% elif rule.kind == "unique" -%}
{% set errcode = "23505" -%}
{% set what = "share their values of (" ~ (rule.columns | join(sep=", ")) ~ ") with another row, which the key " ~ rule.name ~ " that " ~ by ~ " adds forbids" -%}
{% set fix = "remove or change the duplicates" -%}
{% set otherwise = "keep the key as it was" -%}
{% else -%}
{% set errcode = "23503" -%}
{% set what = "point through (" ~ (rule.columns | join(sep=", ")) ~ ") at no row of " ~ rule.target_schema ~ "." ~ rule.target_table ~ ", which the foreign key " ~ rule.name ~ " that " ~ by ~ " adds forbids" -%}
{% set fix = "point them at existing rows or set them to null" -%}
{% set otherwise = "drop the reference" -%}
{% endif -%}
do $check_rows$
declare
  broken bigint;
begin
{%- if rule.kind == "not_null" %}
  select count(*) into broken from {{ relation }} where {{ rule.column | ident }} is null;
{%- elif rule.kind == "values" %}
  select count(*) into broken from {{ relation }}
   where {{ rule.column | ident }}::text{% if rule.array %}[] && {% else %} = any ({% endif %}array[{{ rule.values | literals }}]::text[]{% if not rule.array %}){% endif %};
{%- elif rule.kind == "check" %}
  select count(*) into broken from {{ relation }} where not coalesce(({{ rule.expr }}), true);
{%- elif rule.kind == "unique" %}
  select coalesce(sum(copies), 0) into broken from (
    select count(*) as copies from {{ relation }}
    where {% for column in rule.columns %}{{ column | ident }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
    group by {{ rule.columns | idents }} having count(*) > 1
  ) as repeated;
{%- else %}
  select count(*) into broken from {{ relation }} as source
  where {% for column in rule.columns %}source.{{ column | ident }} is not null and {% endfor %}not exists (
    select from {{ rule.target_schema | ident }}.{{ rule.target_table | ident }} as target
    where {% for column in rule.columns %}target.{{ rule.target_columns[loop.index0] | ident }} = source.{{ column | ident }}{% if not loop.last %} and {% endif %}{% endfor %}
  );
{%- endif %}
  if broken > 0 then
{%- if reverses %}
    raise exception using errcode = '{{ errcode }}', message = broken || {{ (" row(s) of public." ~ table ~ " " ~ what ~ "; nothing was rolled back. Either " ~ fix ~ " first, or leave the migration applied.") | literal }};
{%- else %}
    raise exception using errcode = '{{ errcode }}', message = broken || {{ (" row(s) of public." ~ table ~ " " ~ what ~ "; the migration changed nothing. Either " ~ fix ~ " in a hand-written migration that runs first (remove this migration with `supaschema discard`, add the hand-written one, then run `cargo build` again), or " ~ otherwise ~ " in schema.toml.") | literal }};
{%- endif %}
  end if;
end
$check_rows$;
