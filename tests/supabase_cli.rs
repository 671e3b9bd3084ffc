//! The committed migrations through the real Supabase CLI (the version `package.json` pins):
//! `supabase db push --db-url` applies them to a fresh database under both of Supabase's grant
//! regimes, records one history row per file, pushes nothing the second time, and
//! `supabase migration list` sees every local version on the remote.
//!
//! Runs `npm ci` first when `node_modules/` lacks the CLI; `.ci/run` does it up front.

mod common;

use common::{Grants, TestDb, history_rows, project_root};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The tables of the receptionist schema (SPEC §6).
const TABLES: [&str; 8] = [
    "appointments",
    "audit_logs",
    "availability",
    "blocked_times",
    "conversations",
    "messages",
    "patients",
    "webhook_idempotency",
];

/// Longer than any healthy CLI run here (about a second); a hung CLI fails the test instead
/// of hanging it.
const CLI_TIMEOUT: Duration = Duration::from_secs(180);

#[test]
fn db_push_applies_the_committed_migrations_under_legacy_grants() {
    push_twice_and_list(Grants::Legacy);
}

#[test]
fn db_push_applies_the_committed_migrations_under_explicit_grants() {
    push_twice_and_list(Grants::Explicit);
}

fn push_twice_and_list(grants: Grants) {
    let cli = Cli::new();
    let project = Project::copy_of_this_repo();
    let mut db = TestDb::new(grants);
    let url = db.url();
    let local = project.local_migrations();
    assert!(!local.is_empty(), "no migration in supabase/migrations to push");

    // First push: every committed file is applied, in order, each with its history row.
    let first = cli.run(&project, &["db", "push", "--db-url", &url, "--yes"]);
    first.assert_success(grants);
    for migration in &local {
        let line = format!("Applying migration {}...", migration.file);
        assert!(
            first.all_output().contains(&line),
            "{grants:?}: expected `{line}` in the output of the first push\n{first}"
        );
    }

    let history = history_rows(&mut db.client);
    let expected: Vec<(String, String)> = local.iter().map(|m| (m.version.clone(), m.name.clone())).collect();
    let recorded: Vec<(String, String)> = history
        .iter()
        .map(|(version, name, _)| (version.clone(), name.clone()))
        .collect();
    assert_eq!(
        recorded, expected,
        "{grants:?}: supabase_migrations.schema_migrations should hold one row per committed \
         migration\n{first}"
    );
    for (version, _, statements) in &history {
        assert!(
            !statements.is_empty(),
            "{grants:?}: history row {version} recorded no statements\n{first}"
        );
    }

    let tables: Vec<String> = db
        .client
        .query(
            "select tablename::text from pg_tables where schemaname = 'public' order by 1",
            &[],
        )
        .expect("list public tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert_eq!(tables, TABLES, "{grants:?}: the public tables after db push\n{first}");

    // Second push: nothing to do, and nothing in the database changes.
    let before = fingerprint(&mut db);
    let second = cli.run(&project, &["db", "push", "--db-url", &url, "--yes"]);
    second.assert_success(grants);
    assert!(
        second.all_output().contains("Remote database is up to date.")
            && !second.all_output().contains("Applying migration"),
        "{grants:?}: the second push should have nothing to push\n{second}"
    );
    let after = fingerprint(&mut db);
    let changed: Vec<String> = before
        .iter()
        .filter(|line| !after.contains(line))
        .map(|line| format!("- {line}"))
        .chain(
            after
                .iter()
                .filter(|line| !before.contains(line))
                .map(|line| format!("+ {line}")),
        )
        .collect();
    assert!(
        changed.is_empty(),
        "{grants:?}: the second push changed the database:\n{}\n{second}",
        changed.join("\n")
    );

    // `migration list` sees every local version as applied on the remote.
    let list = cli.run(
        &project,
        &["migration", "list", "--db-url", &url, "--output-format", "json"],
    );
    list.assert_success(grants);
    let listed: serde_json::Value = serde_json::from_str(list.stdout.trim())
        .unwrap_or_else(|e| panic!("{grants:?}: `migration list` printed no JSON ({e})\n{list}"));
    let rows = listed["migrations"]
        .as_array()
        .unwrap_or_else(|| panic!("{grants:?}: `migration list` JSON has no `migrations`\n{list}"));
    let pairs: Vec<(String, String)> = rows
        .iter()
        .map(|row| {
            (
                row["local"].as_str().unwrap_or_default().to_owned(),
                row["remote"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = local.iter().map(|m| (m.version.clone(), m.version.clone())).collect();
    assert_eq!(
        pairs, expected,
        "{grants:?}: `migration list` should show every local version applied on the remote\n{list}"
    );

    // The human-readable table says the same (versions appear in both columns).
    let table = cli.run(&project, &["migration", "list", "--db-url", &url]);
    table.assert_success(grants);
    for migration in &local {
        let applied = table.stdout.lines().any(|line| {
            let cells: Vec<&str> = line.split('|').map(|cell| cell.trim().trim_matches('`')).collect();
            cells.len() == 3 && cells[0] == migration.version && cells[1] == migration.version
        });
        assert!(
            applied,
            "{grants:?}: `migration list` does not show {} as applied\n{table}",
            migration.version
        );
    }
}

/// One line per user-visible catalog object, with its transaction id (`xmin`), privileges and
/// definition, plus the history rows: any DDL, grant or history write changes a line.
fn fingerprint(db: &mut TestDb) -> Vec<String> {
    const SQL: &str = r"
        with ns as (
          select oid, nspname from pg_namespace
          where nspname not in ('pg_catalog', 'information_schema', 'pg_toast')
            and nspname not like 'pg_temp_%' and nspname not like 'pg_toast_temp_%'
        )
        select format('schema %s acl=%s xmin=%s', n.nspname, n.nspacl, n.xmin)
          from pg_namespace n join ns using (oid)
        union all
        select format('relation %s.%s kind=%s acl=%s rls=%s xmin=%s',
                      ns.nspname, c.relname, c.relkind, c.relacl, c.relrowsecurity, c.xmin)
          from pg_class c join ns on ns.oid = c.relnamespace
        union all
        select format('column %s.%s type=%s notnull=%s acl=%s xmin=%s',
                      c.oid::regclass, a.attname, a.atttypid::regtype, a.attnotnull, a.attacl,
                      a.xmin)
          from pg_attribute a join pg_class c on c.oid = a.attrelid
          join ns on ns.oid = c.relnamespace
          where a.attnum > 0 and not a.attisdropped
        union all
        select format('constraint %s.%s %s xmin=%s',
                      ns.nspname, co.conname, pg_get_constraintdef(co.oid), co.xmin)
          from pg_constraint co join ns on ns.oid = co.connamespace
        union all
        select format('function %s acl=%s xmin=%s', p.oid::regprocedure, p.proacl, p.xmin)
          from pg_proc p join ns on ns.oid = p.pronamespace
        union all
        select format('policy %s.%s xmin=%s', po.polrelid::regclass, po.polname, po.xmin)
          from pg_policy po
        union all
        select format('trigger %s.%s xmin=%s', t.tgrelid::regclass, t.tgname, t.xmin)
          from pg_trigger t join pg_class c on c.oid = t.tgrelid
          join ns on ns.oid = c.relnamespace
        union all
        select format('default acl %s %s %s xmin=%s',
                      d.defaclrole::regrole, d.defaclnamespace, d.defaclobjtype, d.defaclacl,
                      d.xmin)
          from pg_default_acl d
        union all
        select format('extension %s %s xmin=%s', e.extname, e.extversion, e.xmin)
          from pg_extension e
        union all
        select format('history %s %s %s', m.version, m.name, m.statements)
          from supabase_migrations.schema_migrations m
        order by 1";
    db.client
        .query(SQL, &[])
        .expect("fingerprint the database")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A migration file as the CLI sees it (`^([0-9]+)_(.*)\.sql$`).
struct LocalMigration {
    file: String,
    version: String,
    name: String,
}

/// A throwaway Supabase project directory holding a copy of this repo's `supabase/` folder
/// (config.toml, migrations, …), so the CLI's own files (`supabase/.temp/`) never land in the
/// source tree.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn copy_of_this_repo() -> Project {
        let dir = tempfile::Builder::new()
            .prefix("supaschema-cli-")
            .tempdir()
            .expect("create a temporary project directory");
        let from = project_root().join("supabase");
        assert!(
            from.join("config.toml").is_file(),
            "{} is missing: the repo's Supabase project needs it",
            from.join("config.toml").display()
        );
        common::copy_tree(&from, &dir.path().join("supabase"));
        Project { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The migration files in the copy, in file-name order (the order the CLI applies them).
    fn local_migrations(&self) -> Vec<LocalMigration> {
        let dir = self.path().join("supabase/migrations");
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("read the copied supabase/migrations")
            .map(|entry| entry.expect("readable entry"))
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|file| {
                let stem = file
                    .strip_suffix(".sql")
                    .unwrap_or_else(|| panic!("supabase/migrations/{file}: the CLI skips files not named *.sql"));
                let (version, name) = stem
                    .split_once('_')
                    .unwrap_or_else(|| panic!("supabase/migrations/{file}: the CLI skips names without `_`"));
                assert!(
                    version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()),
                    "supabase/migrations/{file}: the version should be 14 digits"
                );
                LocalMigration {
                    version: version.to_owned(),
                    name: name.to_owned(),
                    file,
                }
            })
            .collect()
    }
}

/// The pinned Supabase CLI in `node_modules/`.
struct Cli {
    program: PathBuf,
}

impl Cli {
    /// Finds the CLI, installing it with `npm ci` on first use, and checks it is the version
    /// `package.json` pins.
    fn new() -> Cli {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        let root = project_root();
        let program = root.join("node_modules/.bin/supabase");
        INSTALL.call_once(|| {
            if !program.exists() {
                let status = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&root)
                    .status();
                assert!(
                    status.as_ref().is_ok_and(|s| s.success()),
                    "`npm ci` failed: {status:?}; is npm installed?"
                );
            }
        });
        assert!(
            program.exists(),
            "the Supabase CLI is not installed: {} is missing.\n\
             Run `npm ci` in {} first (package.json pins the CLI version; .ci/run does this).",
            program.display(),
            root.display()
        );
        let cli = Cli { program };
        let pinned = pinned_version(&root);
        let scratch = tempfile::tempdir().expect("create a temporary directory");
        let output = cli.run_in(scratch.path(), &["--version"]);
        assert!(
            output.success && output.stdout.trim() == pinned,
            "node_modules/.bin/supabase is not the pinned Supabase CLI {pinned}: run `npm ci`\n\
             {output}"
        );
        cli
    }

    /// Runs `supabase <args> --workdir <project>` from inside the project directory.
    fn run(&self, project: &Project, args: &[&str]) -> CliOutput {
        let workdir = project.path().to_str().expect("UTF-8 temporary path");
        let mut args = args.to_vec();
        args.extend(["--workdir", workdir]);
        self.run_in(project.path(), &args)
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> CliOutput {
        let mut command = common::supabase_command(&self.program);
        command
            .args(args)
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let shown = format!(
            "{} {}",
            self.program.display(),
            args.iter().map(|a| redact(a)).collect::<Vec<_>>().join(" ")
        );
        let started = Instant::now();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start `{shown}`: {e}"));
        let stdout = drain(child.stdout.take().expect("piped stdout"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the Supabase CLI") {
                break Some(status);
            }
            if started.elapsed() > CLI_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        CliOutput {
            command: shown,
            success: status.is_some_and(|s| s.success()),
            status: match status {
                Some(status) => status.to_string(),
                None => format!("killed after {CLI_TIMEOUT:?}"),
            },
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
            elapsed: started.elapsed(),
        }
    }
}

/// The exact `supabase` version in `package.json`'s devDependencies.
fn pinned_version(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join("package.json")).expect("read package.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("package.json is JSON");
    json["devDependencies"]["supabase"]
        .as_str()
        .expect("package.json pins devDependencies.supabase")
        .to_owned()
}

/// Hides a password in a connection string shown in a test failure.
fn redact(arg: &str) -> String {
    match (arg.find("://"), arg.find('@')) {
        (Some(scheme), Some(at)) if scheme < at => {
            let userinfo = &arg[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &arg[..scheme + 3], &arg[at..]),
                None => arg.to_owned(),
            }
        }
        _ => arg.to_owned(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// What one CLI run printed; its `Display` is what a failing assertion shows.
struct CliOutput {
    command: String,
    success: bool,
    status: String,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl CliOutput {
    fn assert_success(&self, grants: Grants) {
        assert!(self.success, "{grants:?}: the Supabase CLI failed\n{self}");
    }

    fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for CliOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        writeln!(f, "exit: {} after {:.1?}", self.status, self.elapsed)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}

/// Each later schema change is one migration that `supabase db push` applies after the ones
/// already on the database, and nothing else.
#[test]
fn db_push_applies_each_later_migration_after_the_earlier_ones() {
    const SCHEMA: &str = r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[tables.patients]
owner = { column = "doctor_id" }
indexes = [{ columns = ["doctor_id"] }]

[tables.patients.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
doctor_id = { type = "uuid", references = { table = "auth.users", column = "id" }, class = "administrative" }
full_name = { type = "text", class = "phi" }
fax = { type = "text", nullable = true, class = "administrative" }
"#;
    let edits = [
        SCHEMA.replace(
            "fax = {",
            "email = { type = \"text\", nullable = true, class = \"phi\" }\nfax = {",
        ),
        SCHEMA
            .replace(
                "fax = {",
                "email = { type = \"text\", nullable = true, class = \"phi\" }\nfax = {",
            )
            .replace("full_name = { type", "name = { renamed_from = \"full_name\", type"),
        SCHEMA
            .replace(
                "fax = { type = \"text\", nullable = true, class = \"administrative\" }\n",
                "",
            )
            .replace("full_name = { type", "name = { type")
            .replace(
                "indexes = [{ columns = [\"doctor_id\"] }]",
                "indexes = [{ columns = [\"doctor_id\"] }, { columns = [\"name\"] }]",
            )
            + "email = { type = \"text\", nullable = true, class = \"phi\" }\n\n[migration]\nallow_drop = [\"patients.fax\"]\n",
    ];
    let cli = Cli::new();
    let mut project = common::TempProject::new(SCHEMA);
    let mut db = TestDb::new(Grants::Explicit);
    let url = db.url();
    let workdir = project.dir.path().to_str().expect("UTF-8 path").to_owned();
    let push = |project: &common::TempProject| {
        cli.run_in(
            project.dir.path(),
            &["db", "push", "--db-url", &url, "--yes", "--workdir", &workdir],
        )
    };
    let output = push(&project);
    output.assert_success(Grants::Explicit);
    assert_eq!(history_rows(&mut db.client).len(), 1);
    for (step, edit) in edits.iter().enumerate() {
        project.build(edit).unwrap_or_else(|e| panic!("edit {step}: {e}"));
        let migrations = project.migrations();
        assert_eq!(migrations.len(), step + 2, "edit {step}: one new migration");
        let newest = &migrations.last().expect("a migration").0;
        let output = push(&project);
        output.assert_success(Grants::Explicit);
        let all_output = output.all_output();
        let applied: Vec<&str> = all_output
            .lines()
            .filter(|l| l.contains("Applying migration"))
            .map(str::trim)
            .collect();
        assert_eq!(
            applied,
            vec![format!("Applying migration {newest}...")],
            "edit {step}\n{output}"
        );
        let recorded: Vec<String> = history_rows(&mut db.client)
            .into_iter()
            .map(|(version, name, _)| format!("{version}_{name}.sql"))
            .collect();
        let local: Vec<String> = migrations.iter().map(|(name, _)| name.clone()).collect();
        assert_eq!(recorded, local, "edit {step}");
    }
    let columns: Vec<String> = db
        .client
        .query(
            "select column_name::text from information_schema.columns where table_name = 'patients' order by 1",
            &[],
        )
        .expect("columns")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(columns, vec!["doctor_id", "email", "id", "name"]);
}
