{#- Body of `read_<table>(ids[, purpose])`, the audited way to read a table's PHI: returns the
    rows of `ids` the caller may see and writes one audit row per row returned (who, which
    record, the names of the PHI columns, why), never a value. It runs as its owner, since the
    caller holds no select on the PHI columns, so it applies the table's select policies for
    the caller's role itself; any other role is refused. Column names win over the parameters
    (`#variable_conflict use_column`), so each condition reads as its policy does on the table;
    the parameters are qualified with the function's name. No error repeats an argument.
    Receives: function (name), read (AuditedRead: table, key, phi_columns, audit_table,
    purpose, readers with role and rows). -#}
#variable_conflict use_column
<<reading>>
declare
  caller text := coalesce(nullif(current_setting('role', true), 'none'), session_user::text);
begin
  if {{ function }}.ids is null or array_position({{ function }}.ids, null) is not null then
    raise exception '{{ function }}: ids must be an array of record ids without nulls'
      using errcode = 'null_value_not_allowed';
  end if;
  if reading.caller not in ({% for reader in read.readers %}{{ reader.role | literal }}{% if not loop.last %}, {% endif %}{% endfor %}) then
    raise exception 'permission denied for function {{ function }}'
      using errcode = 'insufficient_privilege';
  end if;
  begin
    return query
      with visible as (
        select t.* from public.{{ read.table | ident }} as t
         where t.{{ read.key | ident }} = any({{ function }}.ids)
           and case reading.caller
             {%- for reader in read.readers %}
             when {{ reader.role | literal }} then {% if reader.rows %}{{ reader.rows }}{% else %}true{% endif %}
             {%- endfor %}
             else false end
      ), recorded as (
        insert into public.{{ read.audit_table | ident }}
          (actor_id, actor_role, action, table_name, record_id, changed_columns{% if read.purpose %}, purpose{% endif %}, occurred_at)
        select auth.uid(), reading.caller, 'read', {{ read.table | literal }}, visible.{{ read.key | ident }},
               array[{{ read.phi_columns | literals }}]::text[]{% if read.purpose %}, {{ function }}.purpose{% endif %}, now()
          from visible
      )
      select visible.* from visible;
  exception when check_violation then
    -- Caught here, so the failing row (with the rejected text) is neither returned nor logged.
    raise exception '{{ function }}: purpose must be one of the values of {{ read.audit_table }}.purpose'
      using errcode = 'invalid_parameter_value';
  end;
end reading;
