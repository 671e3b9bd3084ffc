{#- Creates or replaces the function the membership owner rules call: whether the signed-in
    user is a member of a group (with one of `roles`, unless null). It lives in a schema the Data
    API does not expose, so no one calls it over the API, and runs as its owner (`security
    definer`, with an empty `search_path`), so that it reads the membership table past its row
    level security and a policy on the membership table itself never recurses. Only
    `authenticated` may call it, as the policies do; create_schema.sql made the schema and
    gave `authenticated` usage on it before. The role column is compared as text, so it may be a
    closed set or an enum type.
    Receives: lookup (table, group, user, role). -#}
{% set function = "private." ~ ((lookup.table ~ "_member") | ident) -%}
create or replace function {{ function }}(group_id uuid, roles text[])
returns boolean
language sql
stable
security definer
set search_path = ''
as $function$
select exists (
  select 1 from public.{{ lookup.table | ident }} member
   where member.{{ lookup.group | ident }} = group_id
     and member.{{ lookup.user | ident }} = (select auth.uid())
{%- if lookup.role %}
     and (roles is null or member.{{ lookup.role | ident }}::text = any (roles))
{%- else %}
     and roles is null
{%- endif %}
)
$function$;

revoke all on function {{ function }}(uuid, text[]) from public, anon, service_role;
grant execute on function {{ function }}(uuid, text[]) to authenticated;
