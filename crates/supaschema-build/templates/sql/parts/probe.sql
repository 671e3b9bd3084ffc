{#- The start of a block that builds what a migration wants on an empty temporary copy of a
    table, so that PostgreSQL itself spells it as the catalog would and drop_*.sql can compare it
    with what the table has. The block ends after the comparison with
    `drop table pg_temp.supaschema_probe; exception when others then null; end;`: a probe that
    cannot be built (it names a column the migration adds later) means the object in place is
    not the one wanted, and the copy goes with the failed block.
    Sees: table (name). -#}
  begin
    create temporary table supaschema_probe (like public.{{ table | ident }});
{#- The file's last newline is not part of the block. -#}
