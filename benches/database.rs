//! The receptionist database under realistic volume: creates a database of its own (the Supabase
//! stand-in, then `supabase/migrations/*.sql`), seeds it (`common/seed.rs`), and runs the hot
//! queries of the bot and the doctors' app as the signed-in doctor under RLS and as
//! `service_role`, with the same SQL (including the explicit doctor filter) both ways, each actor
//! from a prepared statement of its own (see `measure`). Then it rewrites every policy into the
//! naive form `auth.uid() = doctor_id` and runs them again. Prints a table and drops the
//! database. No number is asserted.
//!
//! ```sh
//! cargo bench --bench database                      # full volume (5 000 000 messages)
//! cargo bench --bench database -- --scale 0.01      # a hundredth of it
//! cargo bench --bench database -- --smoke           # tiny, three runs (CI)
//! cargo bench --bench database -- --runs 50 --plans # more runs; print every EXPLAIN (ANALYZE, BUFFERS)
//! ```

#[path = "common/seed.rs"]
mod seed;

use chrono::{Datelike, Duration as Days, NaiveDate, Weekday};
use postgres::types::ToSql;
use postgres::{Client, Config, NoTls, Statement};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, Instant};
use uuid::Uuid;

type Result<T> = seed::Result<T>;

/// Tables large enough that a sequential scan of one would be a finding.
const BIG_TABLES: [&str; 6] = [
    "patients",
    "appointments",
    "conversations",
    "messages",
    "webhook_idempotency",
    "audit_logs",
];

struct Options {
    scale: f64,
    runs: usize,
    plans: bool,
}

impl Options {
    fn parse() -> Result<Options> {
        let mut options = Options {
            scale: 1.0,
            runs: 25,
            plans: false,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--scale" => options.scale = args.next().ok_or("--scale needs a number")?.parse()?,
                "--runs" => options.runs = args.next().ok_or("--runs needs a number")?.parse()?,
                "--plans" => options.plans = true,
                "--smoke" => {
                    options.scale = 0.001;
                    options.runs = 3;
                }
                _ => {} // `cargo bench` adds `--bench`
            }
        }
        Ok(options)
    }
}

/// A database that exists for one run of the benchmark.
struct BenchDb {
    server: Config,
    name: String,
}

impl BenchDb {
    fn create() -> Result<(BenchDb, Client)> {
        let url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".to_owned());
        let server = Config::from_str(&url)?;
        let name = format!("supaschema_bench_{}", std::process::id());
        supaschema_testkit::ensure_roles(&server);
        server
            .connect(NoTls)?
            .batch_execute(&format!("create database {name}"))?;
        let db = BenchDb { server, name };
        let mut config = db.server.clone();
        config.dbname(&db.name);
        let mut client = config.connect(NoTls)?;
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let has_auth: bool = client
            .query_one("select exists (select 1 from pg_namespace where nspname = 'auth')", &[])?
            .get(0);
        if !has_auth {
            client.batch_execute(supaschema_testkit::STAND_IN)?;
        }
        let mut migrations: Vec<PathBuf> = std::fs::read_dir(root.join("supabase/migrations"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "sql"))
            .collect();
        migrations.sort();
        for path in &migrations {
            execute_file(&mut client, path)?;
        }
        Ok((db, client))
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = self.server.connect(NoTls) {
            let _ = admin.batch_execute(&format!("drop database if exists {} with (force)", self.name));
        }
    }
}

fn execute_file(client: &mut Client, path: &Path) -> Result<()> {
    let sql = std::fs::read_to_string(path)?;
    client
        .batch_execute(&sql)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(())
}

/// Who runs a query.
#[derive(Clone, Copy)]
enum Actor {
    /// A signed-in doctor, as PostgREST runs a request: `set local role` and the JWT claims.
    Doctor(Uuid),
    ServiceRole,
}

/// One hot query: the same SQL for both actors.
struct Query {
    name: &'static str,
    sql: &'static str,
    params: Vec<Box<dyn ToSql + Sync>>,
    /// Whether a signed-in doctor may run it at all (webhooks are backend-only).
    doctor_may: bool,
    /// Whether it means the same for the service role (false when only the policy filters).
    service_may: bool,
}

impl Query {
    fn params(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params.iter().map(|p| p.as_ref()).collect()
    }
}

fn queries(doctor: Uuid, conversation: Uuid, now: chrono::DateTime<chrono::Utc>) -> Vec<Query> {
    let mut day: NaiveDate = (now + Days::days(7)).date_naive();
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day = day.succ_opt().unwrap_or(day);
    }
    vec![
        Query {
            name: "upcoming appointments",
            sql: "select id, patient_id, starts_at, ends_at, status from public.appointments \
                  where doctor_id = $1 and status = any($2) and starts_at >= $3 and starts_at < $3 + interval '14 days' \
                  order by starts_at limit 100",
            params: vec![Box::new(doctor), Box::new(vec!["pending", "confirmed"]), Box::new(now)],
            doctor_may: true,
            service_may: true,
        },
        Query {
            name: "upcoming, policy filter only",
            sql: "select id, patient_id, starts_at, ends_at, status from public.appointments \
                  where status = any($1) and starts_at >= $2 and starts_at < $2 + interval '14 days' \
                  order by starts_at limit 100",
            params: vec![Box::new(vec!["pending", "confirmed"]), Box::new(now)],
            doctor_may: true,
            service_may: false,
        },
        Query {
            name: "latest 50 messages",
            sql: "select id, sender, sent_at from public.messages \
                  where doctor_id = $1 and conversation_id = $2 order by sent_at desc limit 50",
            params: vec![Box::new(doctor), Box::new(conversation)],
            doctor_may: true,
            service_may: true,
        },
        Query {
            // Their text is PHI, read through the audited function: one audit row per message.
            name: "latest 50 messages, text (audited)",
            sql: "select id, sender, content, sent_at from public.read_messages( \
                    array(select id from public.messages where doctor_id = $1 and conversation_id = $2 \
                           order by sent_at desc limit 50), 'patient_communication') \
                  order by sent_at desc",
            params: vec![Box::new(doctor), Box::new(conversation)],
            doctor_may: true,
            service_may: true,
        },
        Query {
            name: "open conversations",
            sql: "select id, patient_id, channel, last_message_at from public.conversations \
                  where doctor_id = $1 and status = 'open' order by last_message_at desc limit 50",
            params: vec![Box::new(doctor)],
            doctor_may: true,
            service_may: true,
        },
        Query {
            name: "free slots of a day",
            // Under RLS, PostgreSQL applies a condition that passes a column to a function that
            // is not leakproof (a range `&&`, `timestamptz - interval`) only after the policy,
            // so it cannot be an index condition. The slots are therefore materialized with
            // plain timestamptz columns, compared with leakproof operators. Appointments last
            // less than a day, so only those starting in the day before a slot can overlap it.
            // `generate_series(0, 47)` (at most 48 half hours a day) keeps the row estimate
            // small, so the plan stays cheap and JIT stays off.
            sql: "with slots as materialized (
                    select w.opens + k * interval '30 minutes' as starts_at,
                           w.opens + (k + 1) * interval '30 minutes' as ends_at,
                           w.opens + k * interval '30 minutes' - interval '1 day' as earliest_overlapping_start
                      from (select ($2::date + a.start_time) at time zone a.time_zone as opens,
                                   ($2::date + a.end_time) at time zone a.time_zone as closes
                              from public.availability a
                             where a.doctor_id = $1
                               and a.day_of_week = extract(isodow from $2::date)::smallint) as w,
                           generate_series(0, 47) as k
                     where w.opens + (k + 1) * interval '30 minutes' <= w.closes
                  )
                  select s.starts_at from slots s
                   where not exists (
                           select 1 from public.appointments ap
                            where ap.doctor_id = $1 and ap.status in ('pending', 'confirmed')
                              and ap.starts_at > s.earliest_overlapping_start and ap.starts_at < s.ends_at
                              and ap.ends_at > s.starts_at)
                     and not exists (
                           select 1 from public.blocked_times b
                            where b.doctor_id = $1 and b.starts_at < s.ends_at and b.ends_at > s.starts_at)
                   order by 1",
            params: vec![Box::new(doctor), Box::new(day)],
            doctor_may: true,
            service_may: true,
        },
        Query {
            name: "claim a new webhook",
            sql: "insert into public.webhook_idempotency (provider, event_id, payload_sha256) values ($1, $2, $3) \
                  on conflict (provider, event_id) do nothing returning id",
            params: vec![
                Box::new("whatsapp"),
                Box::new("evt_bench_new"),
                Box::new("0".repeat(64)),
            ],
            doctor_may: false,
            service_may: true,
        },
        Query {
            name: "claim a redelivered webhook",
            sql: "insert into public.webhook_idempotency (provider, event_id, payload_sha256) values ($1, $2, $3) \
                  on conflict (provider, event_id) do nothing returning id",
            params: vec![Box::new("sms"), Box::new("evt_000000002"), Box::new("0".repeat(64))],
            doctor_may: false,
            service_may: true,
        },
    ]
}

/// Begins a transaction as `actor`; the caller rolls it back, so writes leave no trace.
fn begin(client: &mut Client, actor: Actor) -> Result<postgres::Transaction<'_>> {
    let mut tx = client.transaction()?;
    match actor {
        Actor::Doctor(id) => {
            tx.batch_execute("set local role authenticated")?;
            // A doctor's token: the owner rules require the backend's mark in app_metadata.
            let claims = serde_json::json!({
                "sub": id,
                "role": "authenticated",
                "is_anonymous": false,
                "app_metadata": { "role": "doctor" },
            })
            .to_string();
            tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims])?;
        }
        Actor::ServiceRole => {
            tx.batch_execute("set local role service_role")?;
            let claims = serde_json::json!({ "role": "service_role" }).to_string();
            tx.execute("select set_config('request.jwt.claims', $1, true)", &[&claims])?;
        }
    }
    Ok(tx)
}

/// One timed execution: (time, rows).
fn timed(client: &mut Client, actor: Actor, statement: &Statement, query: &Query) -> Result<(Duration, usize)> {
    let mut tx = begin(client, actor)?;
    let start = Instant::now();
    let rows = tx.query(statement, &query.params())?.len();
    let elapsed = start.elapsed();
    tx.rollback()?;
    Ok((elapsed, rows))
}

/// What `EXPLAIN (ANALYZE, BUFFERS)` shows: the scans, whether a big table is scanned
/// sequentially, and the text plan.
struct Plan {
    scans: Vec<String>,
    seq_scan_on_big_table: bool,
    text: String,
}

fn explain(client: &mut Client, actor: Actor, query: &Query) -> Result<Plan> {
    let mut tx = begin(client, actor)?;
    let json: Value = tx
        .query_one(
            &format!("explain (analyze, buffers, format json) {}", query.sql),
            &query.params(),
        )?
        .get(0);
    let text: Vec<String> = tx
        .query(&format!("explain (analyze, buffers) {}", query.sql), &query.params())?
        .iter()
        .map(|row| row.get(0))
        .collect();
    tx.rollback()?;
    let mut scans = Vec::new();
    let mut seq_scan_on_big_table = false;
    let mut stack: Vec<&Value> = json.get(0).and_then(|p| p.get("Plan")).into_iter().collect();
    while let Some(node) = stack.pop() {
        let kind = node.get("Node Type").and_then(Value::as_str).unwrap_or("");
        let relation = node.get("Relation Name").and_then(Value::as_str);
        if kind.contains("Scan") && kind != "Function Scan" && kind != "CTE Scan" && kind != "Subquery Scan" {
            let target = node
                .get("Index Name")
                .and_then(Value::as_str)
                .or(relation)
                .unwrap_or("?");
            scans.push(format!("{kind} {target}"));
            if kind == "Seq Scan" && relation.is_some_and(|r| BIG_TABLES.contains(&r)) {
                seq_scan_on_big_table = true;
            }
        }
        if let Some(children) = node.get("Plans").and_then(Value::as_array) {
            stack.extend(children.iter().rev());
        }
    }
    Ok(Plan {
        scans,
        seq_scan_on_big_table,
        text: text.join("\n"),
    })
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Medians of the doctor's and the service role's times, taken alternately.
struct Timing {
    doctor: Option<Duration>,
    service: Option<Duration>,
    rows: usize,
    /// Per actor (service role first): how many of its executions ran PostgreSQL's generic plan
    /// and how many a custom plan, from `pg_prepared_statements`.
    plan_cache: Vec<(i64, i64)>,
}

fn measure(client: &mut Client, doctor: Uuid, query: &Query, runs: usize) -> Result<Timing> {
    let sql = query.sql.replace("\n", " ");
    let mut actors = Vec::new();
    if query.service_may {
        actors.push(Actor::ServiceRole);
    }
    if query.doctor_may {
        actors.push(Actor::Doctor(doctor));
    }
    // One prepared statement per actor, all of the same SQL. PostgreSQL's plan cache re-analyzes,
    // rewrites and re-plans a statement that row security applies to (`BYPASSRLS` counts too)
    // whenever it runs as a different role than the one it was planned as. A statement shared by
    // the two alternating actors was therefore planned again in half of each side's timed runs,
    // and the median landed on either side of that step; re-planning costs more under RLS (the
    // policy's sub-select, inlining `auth.uid()`), which is not the query's execution. Each
    // actor now keeps its own cached plan, as a connection serving one role does.
    let statements = actors
        .iter()
        .map(|_| client.prepare(&sql))
        .collect::<std::result::Result<Vec<Statement>, _>>()?;
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); actors.len()];
    let mut rows = 0;
    for run in 0..runs + 3 {
        for k in 0..actors.len() {
            // Alternate who goes first; the first three runs warm up.
            let k = if run % 2 == 0 { k } else { actors.len() - 1 - k };
            let (time, n) = timed(client, actors[k], &statements[k], query)?;
            rows = n;
            if run >= 3 {
                times[k].push(time);
            }
        }
    }
    // The statements were prepared in actor order; their names are private to the driver.
    let plan_cache = client
        .query(
            "select generic_plans, custom_plans from pg_prepared_statements \
             where statement = $1 order by prepare_time, length(name), name",
            &[&sql],
        )?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    drop(statements);
    let mut medians = times.into_iter().map(median);
    Ok(Timing {
        service: if query.service_may { medians.next() } else { None },
        doctor: medians.next(),
        rows,
        plan_cache,
    })
}

/// Rewrites every policy's `(select auth.uid())` into a bare `auth.uid()`; returns how many
/// expressions changed.
fn use_naive_policies(client: &mut Client) -> Result<i64> {
    client.batch_execute(
        "do $naive$
         declare
           p record;
           wrapped constant text := '( SELECT auth.uid() AS uid)';
         begin
           for p in select * from pg_policies where schemaname = 'public' loop
             if position(wrapped in coalesce(p.qual, '')) > 0 then
               execute format('alter policy %I on %I.%I using (%s)', p.policyname, p.schemaname, p.tablename,
                              replace(p.qual, wrapped, 'auth.uid()'));
             end if;
             if position(wrapped in coalesce(p.with_check, '')) > 0 then
               execute format('alter policy %I on %I.%I with check (%s)', p.policyname, p.schemaname, p.tablename,
                              replace(p.with_check, wrapped, 'auth.uid()'));
             end if;
           end loop;
         end
         $naive$",
    )?;
    let left: i64 = client
        .query_one(
            "select count(*) from pg_policies where schemaname = 'public' \
             and (qual like '%SELECT auth.uid()%' or with_check like '%SELECT auth.uid()%')",
            &[],
        )?
        .get(0);
    if left != 0 {
        return Err(format!("{left} policies still use (select auth.uid())").into());
    }
    let naive: i64 = client
        .query_one(
            "select count(*) from pg_policies where schemaname = 'public' \
             and (qual like '%auth.uid()%' or with_check like '%auth.uid()%')",
            &[],
        )?
        .get(0);
    Ok(naive)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

fn main() -> Result<()> {
    let options = Options::parse()?;
    let volume = seed::Volume::scaled(options.scale);
    eprintln!("load average at start: {}", load_average());
    eprintln!("seeding {volume:?}");
    let (_db, mut client) = BenchDb::create()?;
    let start = Instant::now();
    let seeded = seed::seed(&mut client, volume, &mut |line| eprintln!("  {line}"))?;
    let seed_seconds = start.elapsed().as_secs_f64();
    let doctor = seeded.doctors.first().copied().ok_or("no doctor was seeded")?;
    let queries = queries(doctor, seeded.busiest_conversation, seeded.now);

    let mut generated = Vec::new();
    for query in &queries {
        let timing = measure(&mut client, doctor, query, options.runs)?;
        let mut plans = Vec::new();
        if query.service_may {
            plans.push(explain(&mut client, Actor::ServiceRole, query)?);
        }
        if query.doctor_may {
            plans.push(explain(&mut client, Actor::Doctor(doctor), query)?);
        }
        generated.push((timing, plans));
    }
    let naive_policies = use_naive_policies(&mut client)?;
    let mut naive = Vec::new();
    for query in &queries {
        if query.doctor_may {
            let timing = measure(&mut client, doctor, query, options.runs)?;
            let plan = explain(&mut client, Actor::Doctor(doctor), query)?;
            naive.push(Some((timing, plan)));
        } else {
            naive.push(None);
        }
    }

    println!(
        "\nscale {} ({} doctors, {} patients, {} appointments, {} conversations, {} messages, {} webhooks); \
         median of {} runs each, doctor and service role alternating; load average now {}",
        options.scale,
        volume.doctors,
        volume.patients,
        volume.appointments,
        volume.conversations,
        volume.messages,
        volume.webhooks,
        options.runs,
        load_average()
    );
    println!("\nseeded in {seed_seconds:.1} s (COPY, then VACUUM (ANALYZE)):");
    for (table, rows, seconds) in &seeded.tables {
        println!("  {table:<20} {rows:>9} rows {seconds:>7.1} s");
    }
    println!(
        "\n{:<28} {:>5} {:>10} {:>10} {:>11} {:>10} {:>11} {:>9} {:>12}",
        "query", "rows", "doctor ms", "service ms", "RLS ratio", "naive ms", "naive ratio", "naive/gen", "index scans"
    );
    for ((query, (timing, plans)), naive) in queries.iter().zip(&generated).zip(&naive) {
        let seq = plans.iter().any(|p| p.seq_scan_on_big_table)
            || naive.as_ref().is_some_and(|(_, p)| p.seq_scan_on_big_table);
        let cell = |d: Option<Duration>| d.map_or("-".to_owned(), |d| format!("{:.3}", ms(d)));
        let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
            (Some(a), Some(b)) => format!("{:.2}", a.as_secs_f64() / b.as_secs_f64()),
            _ => "-".to_owned(),
        };
        let naive_doctor = naive.as_ref().and_then(|(t, _)| t.doctor);
        let naive_service = naive.as_ref().and_then(|(t, _)| t.service);
        println!(
            "{:<28} {:>5} {:>10} {:>10} {:>11} {:>10} {:>11} {:>9} {:>12}",
            query.name,
            timing.rows,
            cell(timing.doctor),
            cell(timing.service),
            ratio(timing.doctor, timing.service),
            cell(naive_doctor),
            ratio(naive_doctor, naive_service),
            ratio(naive_doctor, timing.doctor),
            if seq { "SEQ SCAN" } else { "yes" },
        );
    }
    println!(
        "\nRLS ratio = doctor (RLS, generated `(select auth.uid())` policies) / service_role, target <= 1.2; \
         naive = the {naive_policies} policy expressions rewritten to `auth.uid() = doctor_id`; naive ratio = \
         naive doctor / service_role; index scans = no Seq Scan on {} in any EXPLAIN (ANALYZE, BUFFERS).",
        BIG_TABLES.join(", ")
    );
    println!("\nScans per query ([service role |] doctor | doctor with naive policies):");
    for ((query, (_, plans)), naive) in queries.iter().zip(&generated).zip(&naive) {
        let all: Vec<String> = plans
            .iter()
            .chain(naive.as_ref().map(|(_, p)| p))
            .map(|p| p.scans.join(", "))
            .collect();
        println!("  {}: {}", query.name, all.join(" | "));
    }
    println!(
        "\nPlan cache, executions with PostgreSQL's generic / a custom plan, warm-up included \
         ([service role |] doctor | doctor with naive policies):"
    );
    for ((query, (timing, _)), naive) in queries.iter().zip(&generated).zip(&naive) {
        let all: Vec<String> = timing
            .plan_cache
            .iter()
            .chain(naive.iter().filter_map(|(t, _)| t.plan_cache.last()))
            .map(|(generic, custom)| format!("{generic} / {custom}"))
            .collect();
        println!("  {}: {}", query.name, all.join(" | "));
    }
    if options.plans {
        for ((query, (_, plans)), naive) in queries.iter().zip(&generated).zip(&naive) {
            let who = [
                (query.service_may, "service role"),
                (query.doctor_may, "doctor"),
                (naive.is_some(), "doctor, naive policies"),
            ];
            let who = who.iter().filter(|(shown, _)| *shown).map(|(_, name)| name);
            for (who, plan) in who.zip(plans.iter().chain(naive.as_ref().map(|(_, p)| p))) {
                println!("\n-- {} as {who}\n{}", query.name, plan.text);
            }
        }
    }
    Ok(())
}
