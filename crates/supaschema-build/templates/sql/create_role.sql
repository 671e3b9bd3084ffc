{#- A role of the schema's own, which Supabase does not make: created unless the cluster has it
    (roles are cluster-wide, so another database may have made it, at this moment too), refused
    if it bypasses row level security (its point is that row security applies to it, so that
    PostgreSQL's errors leave the failing row out), then granted to `member`, which switches to
    it with `set local role`. Never dropped by a reverse: other databases may use it.
    Receives: role, member (role names). -#}
do $role$
begin
  begin
    create role {{ role }} nologin noinherit nobypassrls;
  exception when duplicate_object or unique_violation then
    null;
  end;
  if exists (select from pg_catalog.pg_roles where rolname = '{{ role }}' and (rolsuper or rolbypassrls)) then
    raise exception 'role {{ role }} bypasses row level security, so its errors would quote failing rows'
      using errcode = 'invalid_role_specification';
  end if;
  if not pg_catalog.pg_has_role('{{ member }}', '{{ role }}', 'member') then
    begin
      grant {{ role }} to {{ member }};
    exception when unique_violation then
      null;
    end;
  end if;
end
$role$;
grant usage on schema public to {{ role }};
