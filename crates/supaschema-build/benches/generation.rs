//! Generation speed and memory on synthetic schemas of 10, 100, 500 and 2000 tables, each like a
//! receptionist table: uuid key, a foreign key to `auth.users` and one to the previous table, five
//! more columns, a composite index, a check, an owner policy, RLS and an `updated_at` trigger.
//!
//! Only the crate's public API is used: "initial" is [`render_schema`] (parse, validate, plan,
//! render the SQL and the Rust types), "incremental" is [`Config::run`] on a project whose lock
//! holds the schema and whose `schema.toml` adds one column (read the schema and the lock, verify
//! the checksums, diff, render, write the migration, the lock and the types).
//!
//! ```sh
//! cargo bench -p supaschema-build --bench generation                      # the table of numbers
//! cargo bench -p supaschema-build --bench generation -- --smoke           # small sizes, one round (CI)
//! cargo bench -p supaschema-build --bench generation -- --sizes 500,2000  # chosen sizes only
//! cargo bench -p supaschema-build --bench generation -- --write-schema 500 DIR  # DIR/schema.toml, DIR/schema.ts (Drizzle)
//! cargo bench -p supaschema-build --bench generation -- --write-diesel 500 DIR 1  # a diesel package, 1 added column
//! cargo bench -p supaschema-build --bench generation -- --one-shot SCHEMA OUT   # generate once, as a whole process
//! cargo bench -p supaschema-build --bench generation -- --one-shot-sql SCHEMA OUT  # the same, only the SQL
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
use supaschema_build::{Config, SourceFile, WriteMode, load_schema, render_schema};

/// Counts live heap bytes and remembers the peak, while [`COUNTING`] is on. Timed rounds run
/// with it off, so that the counters cost them nothing.
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

fn table_name(i: usize) -> String {
    format!("table_{i:04}")
}

/// `tables` receptionist-like tables as `schema.toml`; `extra_column` adds one nullable column
/// to the last table (the "one change" for the incremental run).
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
doctor_id = {{ type = "uuid", references = {{ table = "auth.users", column = "id", on_delete = "restrict" }}, class = "administrative" }}
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
    doctorId: uuid("doctor_id").notNull().references(() => authUsers.id, {{ onDelete: "restrict" }}),
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

/// The diesel version of the compile-cost comparison (`scripts/bench_edit_loop.sh`, layout
/// `diesel`).
const DIESEL: &str = "=2.3.14";

/// The same tables as diesel 2 code, as `diesel print-schema` and the usual derives have it: a
/// `table!` and `joinable!` per table, then a row struct (`Queryable`, `Selectable`,
/// `Identifiable`), an insert struct (`Insertable`, defaulted columns optional) and a patch
/// struct (`AsChangeset`, `Some(None)` writes NULL): what our generated row, insert and patch
/// structs do. `extra_columns` nullable text columns go on the first table, as the edit loop adds
/// them to `schema.toml`. `allow_tables_to_appear_in_same_query!` is left out: it grows with the
/// square of the table count, and leaving it out only makes diesel faster.
fn synthetic_diesel(tables: usize, extra_columns: usize) -> String {
    let mut schema = String::new();
    let mut models = String::new();
    for i in 0..tables {
        let t = table_name(i);
        let ty = format!("Table{i:04}");
        let mut columns: Vec<(String, &str, &str, bool)> = vec![("doctor_id".into(), "Uuid", "Uuid", false)];
        if i > 0 {
            columns.push(("previous_id".into(), "Nullable<Uuid>", "Option<Uuid>", false));
        }
        columns.extend([
            ("full_name".into(), "Text", "String", false),
            ("status".into(), "Text", "String", true),
            ("starts_at".into(), "Timestamptz", "DateTime<Utc>", false),
            ("ends_at".into(), "Timestamptz", "DateTime<Utc>", false),
            ("updated_at".into(), "Timestamptz", "DateTime<Utc>", true),
        ]);
        if i == 0 {
            for k in 1..=extra_columns {
                columns.push((
                    format!("edit_loop_column_{k}"),
                    "Nullable<Text>",
                    "Option<String>",
                    false,
                ));
            }
        }
        let _ = writeln!(
            schema,
            "    diesel::table! {{\n        {t} (id) {{\n            id -> Uuid,"
        );
        for (name, sql, _, _) in &columns {
            let _ = writeln!(schema, "            {name} -> {sql},");
        }
        schema.push_str("        }\n    }\n\n");
        if i > 0 {
            let _ = writeln!(
                schema,
                "    diesel::joinable!({t} -> {} (previous_id));\n",
                table_name(i - 1)
            );
        }
        let fields = |row: &dyn Fn(&str, &str, bool) -> String| -> String {
            columns
                .iter()
                .map(|(name, _, rust, defaulted)| row(name, rust, *defaulted))
                .collect()
        };
        let _ = write!(
            models,
            "#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]\n\
             #[diesel(table_name = schema::{t})]\npub struct {ty} {{\n    pub id: Uuid,\n{}}}\n\n\
             #[derive(Insertable, Debug, Clone, PartialEq)]\n\
             #[diesel(table_name = schema::{t})]\npub struct New{ty} {{\n    pub id: Option<Uuid>,\n{}}}\n\n\
             #[derive(AsChangeset, Default, Debug, Clone, PartialEq)]\n\
             #[diesel(table_name = schema::{t})]\npub struct {ty}Patch {{\n{}}}\n\n",
            fields(&|name, rust, _| format!("    pub {name}: {rust},\n")),
            fields(&|name, rust, defaulted| {
                if defaulted {
                    format!("    pub {name}: Option<{rust}>,\n")
                } else {
                    format!("    pub {name}: {rust},\n")
                }
            }),
            fields(&|name, rust, _| format!("    pub {name}: Option<{rust}>,\n")),
        );
    }
    format!(
        "//! {tables} tables as diesel code, for the compile-cost comparison.\n\n\
         use chrono::{{DateTime, Utc}};\nuse diesel::prelude::*;\nuse uuid::Uuid;\n\n\
         pub mod schema {{\n{schema}}}\n\n{models}"
    )
}

/// `--write-diesel N DIR K`: a cargo package of the diesel side, outside any workspace.
fn write_diesel(tables: usize, dir: &Path, extra_columns: usize) -> BenchResult<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    let manifest = format!(
        "[package]\nname = \"diesel_types\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n\
         diesel = {{ version = \"{DIESEL}\", default-features = false, features = [\"postgres_backend\", \"uuid\", \"chrono\"] }}\n\
         uuid = \"1\"\nchrono = {{ version = \"0.4\", default-features = false, features = [\"std\", \"clock\"] }}\n\n\
         [workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("src/lib.rs"), synthetic_diesel(tables, extra_columns))?;
    Ok(())
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

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

/// Runs `setup` and then `f`, `rounds` times uncounted, for the median time of `f`, and once
/// more counted, for the peak heap of `f` above the start. `setup` is not timed. Fails when
/// `f` fails in any round.
fn measure<T, E: Into<Box<dyn std::error::Error>>>(
    rounds: usize,
    mut setup: impl FnMut() -> std::io::Result<()>,
    mut f: impl FnMut() -> Result<T, E>,
) -> BenchResult<(Duration, usize)> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        setup()?;
        let start = Instant::now();
        let out = f();
        times.push(start.elapsed());
        drop(out.map_err(Into::into)?);
    }
    setup()?;
    let mut counted = None;
    let heap = peak_heap_of(|| counted = Some(f().map(drop)));
    if let Some(Err(error)) = counted {
        return Err(error.into());
    }
    Ok((median(times), heap))
}

/// The build time of the first build, and of the build after the change (a minute later).
const FIRST_BUILD: i64 = 1_900_000_000;
const CHANGED_BUILD: i64 = FIRST_BUILD + 60;

/// A throwaway project in the state a user's edit leaves: the build before the change wrote the
/// initial migration, the lock and the types of `tables` tables; then `schema.toml` gained a
/// column. [`ChangedProject::reset`] puts that state back after a build of the change.
struct ChangedProject {
    dir: tempfile::TempDir,
    out: tempfile::TempDir,
    /// The migration files, the lock and the types as the build before the change left them.
    migrations: Vec<PathBuf>,
    lock: Vec<u8>,
    types: Vec<u8>,
}

impl ChangedProject {
    fn new(tables: usize) -> BenchResult<ChangedProject> {
        let dir = tempfile::Builder::new().prefix("supaschema-bench-").tempdir()?;
        let out = tempfile::Builder::new().prefix("supaschema-bench-out-").tempdir()?;
        std::fs::write(dir.path().join("schema.toml"), synthetic_toml(tables, false))?;
        let mut first = ChangedProject {
            dir,
            out,
            migrations: Vec::new(),
            lock: Vec::new(),
            types: Vec::new(),
        };
        first.config(FIRST_BUILD).run()?;
        let project = first.config(FIRST_BUILD).project();
        first.migrations = migration_files(&project.migrations_dir)?;
        if first.migrations.len() != 1 {
            return Err(format!("the first build wrote {} migrations, not 1", first.migrations.len()).into());
        }
        first.lock = std::fs::read(&project.lock_path)?;
        first.types = std::fs::read(first.out.path().join("schema.rs"))?;
        std::fs::write(first.dir.path().join("schema.toml"), synthetic_toml(tables, true))?;
        Ok(first)
    }

    /// The settings of a `build.rs`, writing, at `time`.
    fn config(&self, time: i64) -> Config {
        let now = chrono::DateTime::from_timestamp(time, 0).unwrap_or_default();
        let mut config = Config::new();
        config
            .root(self.dir.path())
            .out_dir(self.out.path())
            .write_mode(WriteMode::Write)
            .build_time(now);
        config
    }

    /// Removes the migrations written since the first build and puts back its lock and types.
    fn reset(&self) -> std::io::Result<()> {
        let project = self.config(FIRST_BUILD).project();
        for file in migration_files(&project.migrations_dir)? {
            if !self.migrations.contains(&file) {
                std::fs::remove_file(file)?;
            }
        }
        match std::fs::remove_dir_all(&project.rollbacks_dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        std::fs::write(&project.lock_path, &self.lock)?;
        std::fs::write(self.out.path().join("schema.rs"), &self.types)
    }

    /// One build of the change: the `Config::run` of a `build.rs`.
    fn build(&self) -> Result<Vec<String>, supaschema_build::Error> {
        self.config(CHANGED_BUILD).run()
    }
}

fn migration_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "sql") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// The numbers for one size.
struct Row {
    tables: usize,
    rounds: usize,
    schema_bytes: usize,
    load: Duration,
    initial: Duration,
    initial_heap: usize,
    incremental: Duration,
    incremental_heap: usize,
    rss: Option<usize>,
}

fn run_size(tables: usize, rounds: usize) -> BenchResult<Row> {
    let source = SourceFile::new("schema.toml", synthetic_toml(tables, false));
    let project = ChangedProject::new(tables)?;
    // One build of the change, which also proves it does what a user's build would: one new
    // migration, its reverse and the lock.
    project.reset()?;
    let wrote = project.build()?;
    let migrations = wrote.iter().filter(|line| line.contains("migrations")).count();
    if migrations != 1 || wrote.len() != 3 {
        return Err(
            format!("one added column should write one migration, its reverse and the lock, not {wrote:?}").into(),
        );
    }
    reset_max_rss();

    let none = || Ok(());
    let (load, _) = measure(rounds, none, || load_schema(&source))?;
    let (initial, initial_heap) = measure(rounds, none, || render_schema(&source, None))?;
    let (incremental, incremental_heap) = measure(rounds, || project.reset(), || project.build())?;
    Ok(Row {
        tables,
        rounds,
        schema_bytes: source.text.len(),
        load,
        initial,
        initial_heap,
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
        "{:>6} {:>6} {:>9} {:>9} {:>10} {:>10} {:>10} {:>10} {:>8}",
        "tables", "rounds", "toml KiB", "load ms", "initial ms", "heap MiB", "increm. ms", "heap MiB", "RSS MiB"
    );
    for r in rows {
        println!(
            "{:>6} {:>6} {:>9.0} {:>9.2} {:>10.2} {:>10.1} {:>10.2} {:>10.1} {:>8.1}",
            r.tables,
            r.rounds,
            r.schema_bytes as f64 / 1024.0,
            ms(r.load),
            ms(r.initial),
            mib(r.initial_heap),
            ms(r.incremental),
            mib(r.incremental_heap),
            r.rss.map(mib).unwrap_or(f64::NAN),
        );
    }
    println!(
        "\nload = load_schema (parse + validate); initial = render_schema (parse, validate, plan, render the \
         SQL and the Rust types); increm. = Config::run for one added column on a project whose lock holds the \
         schema (read schema and lock, verify checksums, diff, render, write the migration, the lock and the \
         types); heap = peak heap above the start; RSS = process max RSS after the size."
    );
    let at = |n: usize| rows.iter().find(|r| r.tables == n);
    if let Some(r) = at(500) {
        for (what, time, heap) in [
            ("initial", r.initial, r.initial_heap),
            ("incremental", r.incremental, r.incremental_heap),
        ] {
            println!(
                "500 tables, {what}: {:.1} ms, peak heap {:.1} MiB (target <= 30 MB: {})",
                ms(time),
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
fn write_schema(tables: usize, dir: &Path) -> BenchResult<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join("schema.toml"), synthetic_toml(tables, false))?;
    std::fs::write(dir.join("schema.ts"), synthetic_drizzle(tables))?;
    Ok(())
}

/// `--one-shot SCHEMA OUT`: what a build does from scratch, as one process: read, validate,
/// plan, render, write the SQL and the Rust types into OUT. `--one-shot-sql` writes only the SQL
/// (the output `drizzle-kit generate` writes); it renders the Rust types too, since the public
/// API renders both in one call.
fn one_shot(schema: &Path, out: &Path, with_rust: bool) -> BenchResult<()> {
    let source = SourceFile::new("schema.toml", std::fs::read_to_string(schema)?);
    std::fs::create_dir_all(out)?;
    let (_, sql, rust) = render_schema(&source, None)?;
    std::fs::write(out.join("initial_schema.sql"), sql)?;
    if with_rust {
        std::fs::write(out.join("schema.rs"), rust)?;
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

fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench`; ignore it and anything else unknown.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["--write-schema", n, dir, ..] => write_schema(n.parse()?, Path::new(dir)),
        ["--write-diesel", n, dir, extra, ..] => write_diesel(n.parse()?, Path::new(dir), extra.parse()?),
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
