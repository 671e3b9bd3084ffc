//! The AI interaction log: the backend records each turn of the bot (model, tokens, latency,
//! outcome) and the tools it called; the doctor reads their own turns and nobody else's; nobody
//! changes or removes a row; every insert is audited. No column can hold a prompt or a response:
//! `metadata_only` refuses one at build time (the generator's bad-input tests show it).

use crate::common::{Actor, Grants, Migrate, TestDb, signed_in_doctor};
use postgres::error::SqlState;
use uuid::Uuid;

/// Records one turn with one tool call for `doctor`, as the backend; returns the turn's id.
fn record_turn(db: &mut TestDb, doctor: Uuid) -> Uuid {
    db.act(Actor::service_role(), |tx| {
        let id: Uuid = tx
            .query_one(
                "insert into public.ai_interactions
                   (doctor_id, model, prompt_tokens, completion_tokens, latency_ms, outcome)
                 values ($1, 'gpt-4o-mini', 812, 64, 930, 'booked') returning id",
                &[&doctor],
            )
            .expect("the backend records a turn")
            .get(0);
        tx.execute(
            "insert into public.ai_tool_calls (interaction_id, doctor_id, tool, duration_ms, succeeded)
             values ($1, $2, 'book_appointment', 120, true)",
            &[&id, &doctor],
        )
        .expect("the backend records a tool call");
        tx.execute("select 1", &[]).expect("still in the transaction");
        id
    })
}

fn visible(db: &mut TestDb, actor: &Actor, table: &str) -> i64 {
    db.act(actor, |tx| {
        tx.query_one(&format!("select count(*) from public.{table}"), &[])
            .expect("select is granted")
            .get(0)
    })
}

#[test]
fn the_backend_logs_each_turn_and_the_doctor_reads_only_their_own() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let (doctor, other) = (db.create_user(), db.create_user());
    record_turn(&mut db, doctor);
    record_turn(&mut db, other);
    record_turn(&mut db, other);

    for table in ["ai_interactions", "ai_tool_calls"] {
        assert_eq!(
            visible(&mut db, &signed_in_doctor(doctor), table),
            1,
            "{table}: the doctor's own"
        );
        assert_eq!(
            visible(&mut db, &signed_in_doctor(other), table),
            2,
            "{table}: the other doctor's own"
        );
        assert_eq!(
            visible(&mut db, &Actor::user(doctor), table),
            0,
            "{table}: no doctor claim, nothing"
        );
        let anon = db.act(Actor::anon(), |tx| {
            tx.query_one(&format!("select count(*) from public.{table}"), &[])
                .map(|_| ())
        });
        let denied = anon.expect_err("anon reads nothing");
        assert_eq!(denied.code(), Some(&SqlState::INSUFFICIENT_PRIVILEGE), "{table}");
    }

    let audited: i64 = db
        .client
        .query_one(
            "select count(*) from public.audit_logs
              where table_name in ('ai_interactions', 'ai_tool_calls') and action = 'insert'",
            &[],
        )
        .expect("audit rows")
        .get(0);
    assert_eq!(audited, 6, "every insert is audited");
}

#[test]
fn nobody_writes_the_log_but_the_backend_and_nobody_rewrites_it() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let doctor = db.create_user();
    let turn = record_turn(&mut db, doctor);

    let forged = db.act(signed_in_doctor(doctor), |tx| {
        tx.execute(
            "insert into public.ai_interactions
               (doctor_id, model, prompt_tokens, completion_tokens, latency_ms, outcome)
             values ($1, 'gpt-4o', 1, 1, 1, 'answered')",
            &[&doctor],
        )
    });
    assert_eq!(
        forged.expect_err("a doctor cannot write the log").code(),
        Some(&SqlState::INSUFFICIENT_PRIVILEGE)
    );

    for (table, change) in [
        (
            "ai_interactions",
            "update public.ai_interactions set outcome = 'failed' where id = $1",
        ),
        ("ai_interactions", "delete from public.ai_interactions where id = $1"),
        (
            "ai_tool_calls",
            "update public.ai_tool_calls set succeeded = false where interaction_id = $1",
        ),
        (
            "ai_tool_calls",
            "delete from public.ai_tool_calls where interaction_id = $1",
        ),
    ] {
        let refused = db.act(Actor::service_role(), |tx| tx.execute(change, &[&turn]));
        assert!(refused.is_err(), "{table}: `{change}` is refused even for the backend");
    }
    assert_eq!(
        visible(&mut db, &signed_in_doctor(doctor), "ai_interactions"),
        1,
        "the turn is still there"
    );
}
