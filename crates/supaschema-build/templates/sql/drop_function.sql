{#- Drops a function schema.toml removed, or whose arguments or result type changed.
    Receives: function (Function). -#}
drop function if exists {{ function | signature }};
