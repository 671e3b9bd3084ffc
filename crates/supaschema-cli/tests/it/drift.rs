//! `supaschema drift`: every difference between a live database and schema.toml, in plain
//! words; exit 1 when there is any.

mod common;

use common::{Grants, ProjectCopy, TestDb, supaschema, unreachable_url};

#[test]
fn a_freshly_migrated_database_has_no_drift_under_both_grant_regimes() {
    let project = ProjectCopy::of_this_repo();
    for grants in [Grants::Legacy, Grants::Explicit] {
        let mut db = TestDb::new(grants);
        db.migrate();
        let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
        assert_eq!(run.code, Some(0), "{grants:?}\n{run}");
        assert!(run.stdout.contains("No drift"), "{run}");
    }
}

#[test]
fn every_kind_of_drift_is_reported() {
    let project = ProjectCopy::of_this_repo();
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    db.client
        .batch_execute(
            "alter table public.patients disable row level security;
             drop policy messages_owner_delete on public.messages;
             create policy sneaky on public.appointments for select to anon using (true);
             grant select on public.audit_logs to anon;
             revoke insert on public.conversations from authenticated;
             alter table public.availability add column note text;
             alter table public.blocked_times drop column label;
             alter table public.webhook_idempotency alter column attempts type bigint;
             drop index public.patients_doctor_id_full_name_idx;
             create index stray_idx on public.messages (sent_at);
             alter table public.appointments drop constraint appointments_ends_after_start;
             drop trigger patients_audit on public.patients;
             create table public.unexpected (id int);
             create function public.unexpected_fn() returns int language sql as 'select 1';
             drop function public.purge_expired_webhooks();",
        )
        .expect("introduce drift");
    let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(1), "{run}");
    for expected in [
        "row level security is switched off on table `patients`",
        "table `messages`: policy `messages_owner_delete` is missing",
        "table `appointments`: policy `sneaky` exists in the database but not in schema.toml",
        "`anon` holds SELECT on table `audit_logs`, which schema.toml does not grant",
        "`authenticated` lacks INSERT on table `conversations`, which schema.toml grants",
        "table `availability`: column `note` exists in the database but not in schema.toml",
        "table `blocked_times`: column `label` is missing",
        "table `webhook_idempotency`: column `attempts` is `bigint` in the database; schema.toml says `integer`",
        "table `patients`: index `patients_doctor_id_full_name_idx` is missing",
        "table `messages`: index `stray_idx` exists in the database but not in schema.toml",
        "table `appointments`: constraint `appointments_ends_after_start` is missing",
        "table `patients`: trigger `patients_audit` is missing",
        "table `unexpected` exists in the database but not in schema.toml",
        "function `unexpected_fn` exists in the database but not in schema.toml",
        "function `purge_expired_webhooks` is missing",
    ] {
        assert!(run.stdout.contains(expected), "missing `{expected}` in\n{run}");
    }
}

#[test]
fn a_database_without_the_schema_or_unreachable_exits_2() {
    let project = ProjectCopy::of_this_repo();
    let db = TestDb::new(Grants::Explicit);
    let run = supaschema(project.path(), &["drift", "--db-url", &db.url()], &[]);
    assert_eq!(run.code, Some(2), "{run}");
    assert!(run.stderr.contains("run `supaschema push` first"), "{run}");
    assert!(run.stderr.contains("SQLSTATE"), "{run}");
    let unreachable = supaschema(project.path(), &["drift", "--db-url", &unreachable_url()], &[]);
    assert_eq!(unreachable.code, Some(2), "{unreachable}");
}
