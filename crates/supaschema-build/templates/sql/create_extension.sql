{#- Installs an extension into the `extensions` schema, as Supabase does.
    Receives: name. -#}
create extension if not exists {{ name | ident }} with schema extensions;
