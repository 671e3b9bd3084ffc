-- The roles a Supabase project has, as its database shows them since 2026 (supabase/postgres
-- init scripts and migrations): the Data API roles, Supabase Auth's `supabase_auth_admin`, and
-- `supabase_postgres` standing in for Supabase's `postgres`, the role migrations run as there,
-- which is not a superuser. Roles are cluster-wide: the test kit runs this as a superuser in the
-- server's maintenance database under an advisory lock, so databases prepared at the same time
-- do not race; it is safe to run again and puts back attributes another run changed.

do $roles$
declare
  wanted constant text[][] := array[
    ['anon', 'nologin inherit'],
    ['authenticated', 'nologin inherit'],
    ['service_role', 'nologin inherit bypassrls'],
    ['authenticator', 'login noinherit'],
    -- GoTrue's login; CREATEROLE was taken from it in 2026
    ['supabase_auth_admin', 'login noinherit nocreaterole noreplication nobypassrls'],
    -- Supabase's `postgres` since it was demoted from superuser
    ['supabase_postgres', 'login nosuperuser createdb createrole replication bypassrls']
  ];
  i int;
begin
  for i in 1 .. array_length(wanted, 1) loop
    if not exists (select from pg_roles where rolname = wanted[i][1]) then
      begin
        execute format('create role %I', wanted[i][1]);
      exception when duplicate_object or unique_violation then
        null; -- created by a test kit that predates the lock
      end;
    end if;
    execute format('alter role %I %s', wanted[i][1], wanted[i][2]);
  end loop;
end
$roles$;

grant anon, authenticated, service_role to authenticator;
-- `postgres` may act as the API roles, read everything and signal backends
grant anon, authenticated, service_role to supabase_postgres;
grant pg_read_all_data, pg_signal_backend, pg_monitor to supabase_postgres;
-- supautils lets `postgres` set these superuser-only settings (`privileged_role_allowed_configs`);
-- PostgreSQL grants the same with SET ON PARAMETER
grant set on parameter session_replication_role, log_min_messages, log_lock_waits to supabase_postgres;
