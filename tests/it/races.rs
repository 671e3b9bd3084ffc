//! Races, on real connections: many doctors' sessions booking overlapping slots at once, and one
//! webhook delivered many times at once. The database, not the application, keeps the rules:
//! one active appointment per overlapping set, one claim per webhook. Counts and timings are
//! printed (timings are numbers to report, never asserted).

use crate::common::{Actor, Grants, Migrate, TestDb, act_on, seed_doctor, signed_in_doctor};
use chrono::{TimeDelta, TimeZone, Utc};
use receptionist::schema::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Barrier};
use std::time::Instant;
use supaschema::DbErrorKind;
use supaschema::blocking::*;

const THREADS: usize = 16;
const ROUNDS: usize = 8;
/// Two overlapping sets per round, far apart: every booking in a set overlaps every other.
const SETS: usize = 2;

#[test]
fn concurrent_overlapping_bookings_leave_exactly_one_per_overlapping_set() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let a = seed_doctor(&mut db, 8);
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let started = Instant::now();
    for round in 0..ROUNDS {
        let barrier = Arc::new(Barrier::new(THREADS));
        let round_started = Instant::now();
        let handles: Vec<_> = (0..THREADS)
            .map(|i| {
                let mut client = db.connect();
                let barrier = Arc::clone(&barrier);
                let (doctor, patient) = (a.doctor, a.patient);
                std::thread::spawn(move || {
                    let set = i % SETS;
                    let day = u32::try_from(round).expect("small") + 1;
                    let hour = 9 + 4 * u32::try_from(set).expect("small");
                    let base = Utc
                        .with_ymd_and_hms(2031, 3, day, hour, 0, 0)
                        .single()
                        .expect("valid time");
                    // Each starts a few minutes later than the one before and lasts an hour, so
                    // all sixteen of a set overlap each other.
                    let starts_at = base + TimeDelta::minutes(i64::try_from(i).expect("small"));
                    let booking = NewAppointment::new(doctor, patient, starts_at, starts_at + TimeDelta::minutes(60))
                        .with_status(if i % 4 == 0 {
                            AppointmentStatus::Confirmed
                        } else {
                            AppointmentStatus::Pending
                        });
                    barrier.wait();
                    let result = act_on(&mut client, signed_in_doctor(doctor), |tx| booking.insert(tx));
                    (set, booking, result.map(|row| row.id).map_err(|e| e.kind()))
                })
            })
            .collect();
        let joined: Vec<(usize, NewAppointment, Result<uuid::Uuid, DbErrorKind>)> =
            handles.into_iter().map(|h| h.join().expect("thread")).collect();
        // Concurrent inserts checked by an exclusion constraint can deadlock; PostgreSQL aborts
        // one with 40P01, which arrives as `RetryTransaction`. The application retries such a
        // booking, as this does, one at a time, once the race is over.
        let results: Vec<(usize, Result<uuid::Uuid, DbErrorKind>)> = joined
            .into_iter()
            .map(|(set, booking, result)| match result {
                Err(DbErrorKind::RetryTransaction) => {
                    *outcomes.entry("retried after a deadlock".into()).or_default() += 1;
                    let retried = db.act(signed_in_doctor(a.doctor), |tx| booking.insert(tx));
                    (set, retried.map(|row| row.id).map_err(|e| e.kind()))
                }
                other => (set, other),
            })
            .collect();
        let elapsed = round_started.elapsed();
        for set in 0..SETS {
            let in_set: Vec<&Result<uuid::Uuid, DbErrorKind>> =
                results.iter().filter(|(s, _)| *s == set).map(|(_, r)| r).collect();
            let won = in_set.iter().filter(|r| r.is_ok()).count();
            let lost: Vec<DbErrorKind> = in_set.iter().filter_map(|r| r.as_ref().err().copied()).collect();
            for kind in &lost {
                *outcomes.entry(format!("{kind:?}")).or_default() += 1;
            }
            *outcomes.entry("booked".into()).or_default() += won;
            assert_eq!(won, 1, "round {round}, set {set}: exactly one booking wins: {in_set:?}");
            assert!(
                lost.iter().all(|k| *k == DbErrorKind::ExclusionViolation),
                "round {round}, set {set}: the others are refused by the exclusion constraint: {lost:?}"
            );
        }
        // What the database holds, counted by the backend: one active appointment per set.
        let active: Vec<i64> = db.act(Actor::service_role(), |tx| {
            (0..SETS)
                .map(|set| {
                    let day = i32::try_from(round).expect("small") + 1;
                    let hour = 9 + 4 * i32::try_from(set).expect("small");
                    tx.query_one(
                        "select count(*) from public.appointments
                          where doctor_id = $1 and status in ('pending', 'confirmed')
                            and starts_at >= make_timestamptz(2031, 3, $2, $3, 0, 0, 'UTC')
                            and starts_at < make_timestamptz(2031, 3, $2, $3 + 1, 0, 0, 'UTC')",
                        &[&a.doctor, &day, &hour],
                    )
                    .expect("count")
                    .get(0)
                })
                .collect()
        });
        assert_eq!(active, vec![1; SETS], "round {round}: active appointments per set");
        println!(
            "booking round {round}: {THREADS} concurrent bookings in {SETS} overlapping sets, {} booked, {} refused, {elapsed:?}",
            results.iter().filter(|(_, r)| r.is_ok()).count(),
            results.iter().filter(|(_, r)| r.is_err()).count()
        );
    }
    println!(
        "bookings: {ROUNDS} rounds × {THREADS} connections: {outcomes:?} in {:?}",
        started.elapsed()
    );
    assert_eq!(outcomes.get("booked"), Some(&(ROUNDS * SETS)));
}

const DELIVERIES: usize = 1000;

/// Delivers one webhook `DELIVERIES` times over `THREADS` connections as the backend, each
/// delivery in its own transaction; `claim` says whether this delivery got to process it.
fn deliver_concurrently(
    db: &TestDb,
    claim: impl Fn(&mut postgres::Transaction<'_>) -> Result<bool, DbErrorKind> + Send + Sync + 'static,
) -> (usize, usize, BTreeMap<String, usize>, std::time::Duration) {
    let claim = Arc::new(claim);
    let barrier = Arc::new(Barrier::new(THREADS));
    let started = Instant::now();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let mut client = db.connect();
            let barrier = Arc::clone(&barrier);
            let claim = Arc::clone(&claim);
            std::thread::spawn(move || {
                barrier.wait();
                let mut claims = 0;
                let mut duplicates = 0;
                let mut errors: BTreeMap<String, usize> = BTreeMap::new();
                for _ in (t..DELIVERIES).step_by(THREADS) {
                    match act_on(&mut client, Actor::service_role(), |tx| claim(tx)) {
                        Ok(true) => claims += 1,
                        Ok(false) => duplicates += 1,
                        Err(kind) => *errors.entry(format!("{kind:?}")).or_default() += 1,
                    }
                }
                (claims, duplicates, errors)
            })
        })
        .collect();
    let mut total = (0, 0, BTreeMap::new());
    for handle in handles {
        let (claims, duplicates, errors) = handle.join().expect("thread");
        total.0 += claims;
        total.1 += duplicates;
        for (k, v) in errors {
            *total.2.entry(k).or_default() += v;
        }
    }
    (total.0, total.1, total.2, started.elapsed())
}

fn receipts(db: &mut TestDb, event_id: &str) -> i64 {
    db.act(Actor::service_role(), |tx| {
        tx.query_one(
            "select count(*) from public.webhook_idempotency where provider = 'whatsapp' and event_id = $1",
            &[&event_id],
        )
        .expect("count")
        .get(0)
    })
}

#[test]
fn a_webhook_delivered_a_thousand_times_at_once_is_claimed_once() {
    let mut db = TestDb::new(Grants::Explicit);
    db.migrate();
    let payload_sha256 = "0123456789abcdef".repeat(4);

    // Plain SQL, as a webhook handler would write it.
    let sha = payload_sha256.clone();
    let (claims, duplicates, errors, elapsed) = deliver_concurrently(&db, move |tx| {
        tx.query_opt(
            "insert into public.webhook_idempotency (provider, event_id, payload_sha256)
             values ('whatsapp', 'wamid.HBgLMTIzNDU2Nzg5MA', $1)
             on conflict (provider, event_id) do nothing
             returning id",
            &[&sha],
        )
        .map(|row| row.is_some())
        .map_err(|e| supaschema::DbError::from(e).kind())
    });
    println!(
        "webhook (insert … on conflict do nothing returning id): {DELIVERIES} deliveries over {THREADS} connections: {claims} claimed, {duplicates} duplicates, errors {errors:?}, {elapsed:?}"
    );
    assert_eq!((claims, duplicates), (1, DELIVERIES - 1), "errors: {errors:?}");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(receipts(&mut db, "wamid.HBgLMTIzNDU2Nzg5MA"), 1);

    // The generated insert, with the unique violation as "already seen".
    let sha = payload_sha256.clone();
    let (claims, duplicates, errors, elapsed) = deliver_concurrently(&db, move |tx| {
        let receipt = NewWebhookIdempotency::new(
            WebhookIdempotencyProvider::Whatsapp,
            "wamid.generated".into(),
            sha.clone(),
        );
        match receipt.insert(tx) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == DbErrorKind::UniqueViolation => Ok(false),
            Err(e) => Err(e.kind()),
        }
    });
    println!(
        "webhook (NewWebhookIdempotency::insert, UniqueViolation = duplicate): {DELIVERIES} deliveries over {THREADS} connections: {claims} claimed, {duplicates} duplicates, errors {errors:?}, {elapsed:?}"
    );
    assert_eq!((claims, duplicates), (1, DELIVERIES - 1), "errors: {errors:?}");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(receipts(&mut db, "wamid.generated"), 1);
}
