//! The receptionist's tests, in one binary, against a real PostgreSQL with the Supabase
//! stand-in: the committed migrations under both grant regimes, row level security as the real
//! roles, the access matrix, races, the audit trail, PHI, the advisors' lints, the generated
//! types, the data-protection report, and the pinned Supabase CLI.

mod common;

mod access_matrix;
mod ai_log;
mod apply;
mod audit;
mod audited_reads;
mod behaviour;
mod catalog;
mod doctors;
mod examples;
mod lints;
mod pgtap;
mod phi;
mod phi_errors;
mod races;
mod report;
mod retention;
mod rls;
mod supabase_cli;
mod types;
