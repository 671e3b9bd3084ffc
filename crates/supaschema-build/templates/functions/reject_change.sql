{#- Body of the append-only guard: refuses UPDATE, DELETE and TRUNCATE for everyone,
    service_role included. Receives nothing. -#}
begin
  raise exception '% on %.% is not allowed: the table is append-only', tg_op, tg_table_schema, tg_table_name
    using errcode = 'insufficient_privilege';
end;
