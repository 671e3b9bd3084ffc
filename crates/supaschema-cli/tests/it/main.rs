//! The `supaschema` command's integration tests: each module runs the binary against projects
//! in temporary folders (the `multi_tenant` fixture of supaschema-testkit) and fresh databases.

mod common;

mod check;
mod diff;
mod discard;
mod drift;

mod init;
mod interop;
mod pgtap;
mod pull;
mod push;
mod report;
mod rollback;
mod status;
mod tls;
