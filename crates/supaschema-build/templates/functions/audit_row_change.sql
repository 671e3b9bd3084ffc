{#- Body of the audit trigger function. Records who changed which record of which table, and the
    names of the columns involved, never their values. Runs as its owner so the acting role
    needs no privilege on the audit table.
    Receives: audit_table (name). The trigger passes the primary-key column as its argument. -#}
declare
  old_row jsonb := case when tg_op in ('UPDATE', 'DELETE') then to_jsonb(old) end;
  new_row jsonb := case when tg_op in ('INSERT', 'UPDATE') then to_jsonb(new) end;
  changed text[];
begin
  select coalesce(array_agg(entry.key order by entry.key), '{}')
    into changed
    from jsonb_each(coalesce(new_row, old_row)) as entry(key, value)
   where tg_op <> 'UPDATE' or entry.value is distinct from old_row -> entry.key;
  if tg_op = 'UPDATE' and cardinality(changed) = 0 then
    return null;
  end if;
  insert into public.{{ audit_table | ident }}
    (actor_id, actor_role, action, table_name, record_id, changed_columns, occurred_at)
  values (
    auth.uid(),
    coalesce(nullif(current_setting('role', true), 'none'), session_user::text),
    lower(tg_op),
    tg_table_name,
    (coalesce(new_row, old_row) ->> tg_argv[0])::uuid,
    changed,
    now()
  );
  return null;
end;
