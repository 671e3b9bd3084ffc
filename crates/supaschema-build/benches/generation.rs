//! Generation speed and memory on synthetic schemas of 10, 100, 500 and 2000 tables, each like a
//! receptionist table: uuid key, a foreign key to `auth.users` and one to the previous table, five
//! more columns, a composite index, a check, an owner policy, RLS and an `updated_at` trigger.
//!
//! ```sh
//! cargo bench --bench generation                          # the table of numbers
//! cargo bench --bench generation -- --smoke               # small sizes, one round (CI)
//! cargo bench --bench generation -- --sizes 500,2000      # chosen sizes only
//! cargo bench --bench generation -- --write-schema 500 DIR  # DIR/schema.toml and DIR/schema.ts (Drizzle)
//! cargo bench --bench generation -- --one-shot SCHEMA OUT   # generate once, as a whole process
//! cargo bench --bench generation -- --one-shot-sql SCHEMA OUT  # the same, only the SQL
//! ```
//!
//! Times come from uncounted rounds; peak heap from one more round with the counting allocator
//! below switched on; max RSS from `/proc/self/status` (VmHWM, reset between sizes through
//! `/proc/self/clear_refs`). No number is asserted.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::time::{Duration, Instant};
use supaschema::generator::build_script::{WriteMode, build};
use supaschema::generator::render::Renderer;
use supaschema::generator::{Project, SourceFile, diff, generate, plan, render_schema, validate};

/// Counts live heap bytes and remembers the peak, while [`COUNTING`] is on. Timed rounds run
/// with it off: the shared counters would make every allocation of the rendering threads
/// contend for one cache line.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static CURRENT: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn changed(bytes: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        let now = CURRENT.fetch_add(bytes, Ordering::Relaxed) + bytes;
        PEAK.fetch_max(now, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            changed(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        changed(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            changed(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` with the heap counted; the peak heap above the heap in use before it. Memory that
/// `f` frees but did not allocate lowers the count, so the peak is the net growth.
fn peak_heap_of<T>(f: impl FnOnce() -> T) -> usize {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    COUNTING.store(true, Ordering::SeqCst);
    let out = f();
    drop(out);
    COUNTING.store(false, Ordering::SeqCst);
    (PEAK.load(Ordering::Relaxed) - base).max(0) as usize
}

/// The process's peak resident set in bytes (VmHWM), if Linux tells.
fn max_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Starts a new VmHWM at the current RSS (Linux ≥ 4.0); harmless where unsupported.
fn reset_max_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

const TEMPLATES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");

fn table_name(i: usize) -> String {
    format!("table_{i:04}")
}

/// `tables` receptionist-like tables as `schema.toml`; `extra_column` adds one nullable column
/// to the last table (the "one change" for the incremental plan).
fn synthetic_toml(tables: usize, extra_column: bool) -> String {
    let mut out = String::from("extensions = [\"btree_gist\"]\n\n");
    out.push_str("[external.\"auth.users\"]\ncolumns = { id = \"uuid\" }\nprimary_key = [\"id\"]\n");
    for i in 0..tables {
        let t = table_name(i);
        let _ = write!(
            out,
            r#"
[tables.{t}]
comment = "Synthetic table {i}, shaped like a receptionist table."
owner = {{ column = "doctor_id" }}
updated_at = true
checks = [{{ name = "{t}_ends_after_start", expr = "ends_at > starts_at" }}]
indexes = [{{ columns = ["doctor_id", "starts_at"] }}{previous_index}]

[tables.{t}.columns]
id = {{ type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }}
doctor_id = {{ type = "uuid", references = {{ table = "auth.users", column = "id", on_delete = "cascade" }}, class = "administrative" }}
"#,
            previous_index = if i > 0 { ", { columns = [\"previous_id\"] }" } else { "" },
        );
        if i > 0 {
            let _ = writeln!(
                out,
                r#"previous_id = {{ type = "uuid", nullable = true, references = {{ table = "{}", column = "id", on_delete = "set_null" }}, class = "administrative" }}"#,
                table_name(i - 1)
            );
        }
        out.push_str(concat!(
            "full_name = { type = \"text\", class = \"phi\" }\n",
            "status = { type = \"text\", values = [\"pending\", \"confirmed\", \"cancelled\"], default = \"'pending'\", class = \"administrative\" }\n",
            "starts_at = { type = \"timestamptz\", class = \"administrative\" }\n",
            "ends_at = { type = \"timestamptz\", class = \"administrative\" }\n",
            "updated_at = { type = \"timestamptz\", default = \"now()\", class = \"administrative\" }\n",
        ));
        if extra_column && i + 1 == tables {
            out.push_str("note = { type = \"text\", nullable = true, class = \"administrative\" }\n");
        }
    }
    out
}

/// The same tables as a Drizzle schema (drizzle-orm pg-core). Drizzle has no triggers, so the
/// `updated_at` trigger has no counterpart; everything else does.
fn synthetic_drizzle(tables: usize) -> String {
    let mut out = String::from(concat!(
        "import { sql } from \"drizzle-orm\";\n",
        "import { check, index, pgPolicy, pgTable, text, timestamp, uuid } from \"drizzle-orm/pg-core\";\n",
        "import { authenticatedRole, authUsers } from \"drizzle-orm/supabase\";\n",
    ));
    for i in 0..tables {
        let t = table_name(i);
        let previous = if i > 0 {
            format!(
                "    previousId: uuid(\"previous_id\").references((): any => {}.id, {{ onDelete: \"set null\" }}),\n",
                table_name(i - 1)
            )
        } else {
            String::new()
        };
        let previous_index = if i > 0 {
            format!("    index(\"{t}_previous_id_idx\").on(t.previousId),\n")
        } else {
            String::new()
        };
        let _ = write!(
            out,
            r#"
export const {t} = pgTable(
  "{t}",
  {{
    id: uuid("id").primaryKey().defaultRandom(),
    doctorId: uuid("doctor_id").notNull().references(() => authUsers.id, {{ onDelete: "cascade" }}),
{previous}    fullName: text("full_name").notNull(),
    status: text("status", {{ enum: ["pending", "confirmed", "cancelled"] }}).notNull().default("pending"),
    startsAt: timestamp("starts_at", {{ withTimezone: true }}).notNull(),
    endsAt: timestamp("ends_at", {{ withTimezone: true }}).notNull(),
    updatedAt: timestamp("updated_at", {{ withTimezone: true }}).notNull().defaultNow(),
  }},
  (t) => [
    index("{t}_doctor_id_starts_at_idx").on(t.doctorId, t.startsAt),
{previous_index}    check("{t}_ends_after_start", sql`${{t.endsAt}} > ${{t.startsAt}}`),
    check("{t}_status_check", sql`${{t.status}} in ('pending', 'confirmed', 'cancelled')`),
    pgPolicy("{t}_select_own", {{ for: "select", to: authenticatedRole, using: sql`(select auth.uid()) = ${{t.doctorId}}` }}),
    pgPolicy("{t}_insert_own", {{ for: "insert", to: authenticatedRole, withCheck: sql`(select auth.uid()) = ${{t.doctorId}}` }}),
    pgPolicy("{t}_update_own", {{
      for: "update",
      to: authenticatedRole,
      using: sql`(select auth.uid()) = ${{t.doctorId}}`,
      withCheck: sql`(select auth.uid()) = ${{t.doctorId}}`,
    }}),
    pgPolicy("{t}_delete_own", {{ for: "delete", to: authenticatedRole, using: sql`(select auth.uid()) = ${{t.doctorId}}` }}),
  ],
).enableRLS();
"#
        );
    }
    out
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples.get(samples.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Runs `f` `rounds` times uncounted, for the median time, and once more counted, for the peak
/// heap above the start.
fn measure<T>(rounds: usize, mut f: impl FnMut() -> T) -> (Duration, usize) {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed());
        drop(out);
    }
    (median(times), peak_heap_of(f))
}

/// The numbers for one size.
struct Row {
    tables: usize,
    rounds: usize,
    schema_bytes: usize,
    load: Duration,
    templates: Duration,
    sql: Duration,
    rust: Duration,
    initial: Duration,
    initial_heap: usize,
    diff: Duration,
    incremental: Duration,
    incremental_heap: usize,
    rss: Option<usize>,
}

/// A throwaway project whose lock holds `tables` tables and whose schema.toml adds a column.
struct ChangedProject {
    dir: PathBuf,
}

impl ChangedProject {
    fn new(tables: usize) -> Result<ChangedProject, Box<dyn std::error::Error>> {
        let dir = std::env::temp_dir().join(format!("supaschema_bench_{}_{tables}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        std::os::unix::fs::symlink(TEMPLATES, dir.join("templates"))?;
        std::fs::write(dir.join("schema.toml"), synthetic_toml(tables, false))?;
        let project = Project::new(&dir);
        let now = chrono::DateTime::from_timestamp(1_900_000_000, 0).unwrap_or_default();
        build(&project, &dir, WriteMode::Write, now)?;
        std::fs::write(dir.join("schema.toml"), synthetic_toml(tables, true))?;
        Ok(ChangedProject { dir })
    }
}

impl Drop for ChangedProject {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn run_size(tables: usize, rounds: usize) -> Result<Row, Box<dyn std::error::Error>> {
    let source = SourceFile::new("schema.toml", synthetic_toml(tables, false));
    let changed_source = SourceFile::new("schema.toml", synthetic_toml(tables, true));
    let schema = validate::load(&source)?;
    let changed = validate::load(&changed_source)?;
    let renderer = Renderer::from_dir(Path::new(TEMPLATES))?;
    let steps = plan::initial(&schema);
    let project = ChangedProject::new(tables)?;
    let now = chrono::DateTime::from_timestamp(2_000_000_000, 0).unwrap_or_default();
    // One warm-up of the whole path, which also proves it works.
    let generation = generate(&Project::new(&project.dir), now)?;
    if generation.migrations.len() != 1 {
        return Err("the changed schema should plan exactly one migration".into());
    }
    drop(generation);
    reset_max_rss();

    let (load, _) = measure(rounds, || validate::load(&source));
    let (templates, _) = measure(rounds, || Renderer::from_dir(Path::new(TEMPLATES)));
    let (sql, _) = measure(rounds, || {
        renderer.migration("initial_schema", &plan::initial(&schema), &schema)
    });
    let (rust, _) = measure(rounds, || renderer.rust(&schema));
    let (initial, initial_heap) = measure(rounds, || render_schema(&source, Path::new(TEMPLATES)));
    let (diff, _) = measure(rounds, || diff::changes(&schema, &changed));
    let (incremental, incremental_heap) = measure(rounds, || generate(&Project::new(&project.dir), now));
    drop(steps);
    Ok(Row {
        tables,
        rounds,
        schema_bytes: source.text.len(),
        load,
        templates,
        sql,
        rust,
        initial,
        initial_heap,
        diff,
        incremental,
        incremental_heap,
        rss: max_rss(),
    })
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "MISSED" }
}

fn report(rows: &[Row]) {
    println!(
        "{:>6} {:>6} {:>9} {:>9} {:>9} {:>9} {:>9} {:>10} {:>10} {:>8} {:>10} {:>10} {:>8}",
        "tables",
        "rounds",
        "toml KiB",
        "load ms",
        "tmpl ms",
        "sql ms",
        "rust ms",
        "initial ms",
        "heap MiB",
        "diff ms",
        "increm. ms",
        "heap MiB",
        "RSS MiB"
    );
    for r in rows {
        println!(
            "{:>6} {:>6} {:>9.0} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>10.2} {:>10.1} {:>8.3} {:>10.2} {:>10.1} {:>8.1}",
            r.tables,
            r.rounds,
            r.schema_bytes as f64 / 1024.0,
            ms(r.load),
            ms(r.templates),
            ms(r.sql),
            ms(r.rust),
            ms(r.initial),
            mib(r.initial_heap),
            ms(r.diff),
            ms(r.incremental),
            mib(r.incremental_heap),
            r.rss.map(mib).unwrap_or(f64::NAN),
        );
    }
    println!(
        "\nload = parse + validate; tmpl = loading the templates; sql = plan + render the initial migration; \
         rust = render the Rust types; initial = render_schema (all of these); diff = diff::changes \
         against the schema with one column added; increm. = generate() for that change (read schema and lock, \
         verify checksums, diff, render); heap = peak heap above the start; RSS = process max RSS after the size."
    );
    let at = |n: usize| rows.iter().find(|r| r.tables == n);
    if let Some(r) = at(500) {
        for (what, time, heap) in [
            ("initial", r.initial, r.initial_heap),
            ("incremental", r.incremental, r.incremental_heap),
        ] {
            println!(
                "500 tables, {what}: {:.1} ms (target <= 50 ms: {}), peak heap {:.1} MiB (target <= 30 MB: {})",
                ms(time),
                verdict(ms(time) <= 50.0),
                mib(heap),
                verdict(heap as f64 <= 30e6)
            );
        }
        if let Some(big) = at(2000) {
            for (what, small, large) in [
                ("initial", r.initial, big.initial),
                ("incremental", r.incremental, big.incremental),
            ] {
                let ratio = large.as_secs_f64() / small.as_secs_f64();
                println!(
                    "2000 / 500 tables, {what}: {ratio:.2}x (target <= 4.5x: {})",
                    verdict(ratio <= 4.5)
                );
            }
        }
    }
}

/// `--write-schema N DIR`: the synthetic schema for both tools.
fn write_schema(tables: usize, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("schema.toml"), synthetic_toml(tables, false))?;
    std::fs::write(dir.join("schema.ts"), synthetic_drizzle(tables))?;
    Ok(())
}

/// `--one-shot SCHEMA OUT`: what a build does from scratch, as one process: read, validate,
/// plan, render, write the SQL and the Rust types into OUT. `--one-shot-sql` writes only the SQL
/// (the work `drizzle-kit generate` does).
fn one_shot(schema: &Path, out: &Path, with_rust: bool) -> Result<(), Box<dyn std::error::Error>> {
    let source = SourceFile::new("schema.toml", std::fs::read_to_string(schema)?);
    std::fs::create_dir_all(out)?;
    if with_rust {
        let (_, sql, rust) = render_schema(&source, Path::new(TEMPLATES))?;
        std::fs::write(out.join("initial_schema.sql"), sql)?;
        std::fs::write(out.join("schema.rs"), rust)?;
    } else {
        let schema = validate::load(&source)?;
        let renderer = Renderer::from_dir(Path::new(TEMPLATES))?;
        let sql = renderer.migration("initial_schema", &plan::initial(&schema), &schema)?;
        std::fs::write(out.join("initial_schema.sql"), sql)?;
    }
    Ok(())
}

/// Rounds per size: enough for a stable median, about ten seconds at the largest size.
fn rounds_for(tables: usize) -> usize {
    match tables {
        0..=10 => 200,
        11..=100 => 40,
        101..=500 => 15,
        _ => 7,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `cargo bench` passes `--bench`; ignore it and anything else unknown.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--write-schema", n, dir, ..] => write_schema(n.parse()?, Path::new(dir)),
        ["--one-shot", schema, out, ..] => one_shot(Path::new(schema), Path::new(out), true),
        ["--one-shot-sql", schema, out, ..] => one_shot(Path::new(schema), Path::new(out), false),
        rest => {
            let sizes: Vec<(usize, usize)> = match rest {
                [.., "--sizes", list] => list
                    .split(',')
                    .map(|n| n.parse().map(|n| (n, rounds_for(n))))
                    .collect::<Result<_, std::num::ParseIntError>>()?,
                _ if rest.contains(&"--smoke") => vec![(10, 1), (100, 1)],
                _ => [10, 100, 500, 2000].map(|n| (n, rounds_for(n))).to_vec(),
            };
            let mut rows = Vec::new();
            for (tables, rounds) in sizes {
                rows.push(run_size(tables, rounds)?);
            }
            report(&rows);
            Ok(())
        }
    }
}
