//! The test harness: a fresh PostgreSQL database per test, prepared with the Supabase
//! stand-in, and helpers to act as `anon`, a signed-in user, or `service_role`.
#![allow(dead_code)]

use postgres::{Client, Config, NoTls, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use uuid::Uuid;

/// The server tests use: `DATABASE_URL`, else the local default.
pub fn server_config() -> Config {
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".to_owned());
    Config::from_str(&url).expect("DATABASE_URL is a valid connection string")
}

pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The committed migrations, in the order the Supabase CLI applies them.
pub fn committed_migrations() -> Vec<(PathBuf, String)> {
    let dir = project_root().join("supabase/migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("supabase/migrations exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let sql = std::fs::read_to_string(&p).expect("readable migration");
            (p, sql)
        })
        .collect()
}

/// Whether new tables in `public` are granted to the API roles automatically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grants {
    /// Projects created before 2026: every new table is granted to anon and authenticated.
    Legacy,
    /// Projects since 2026: nothing is granted unless a migration says so.
    Explicit,
}

/// Who runs a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    Anon,
    User(Uuid),
    ServiceRole,
}

/// A database that exists for one test and is dropped after it.
pub struct TestDb {
    pub name: String,
    pub client: Client,
    server: Config,
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

impl TestDb {
    /// A fresh database with the Supabase stand-in installed (skipped where the `auth` schema
    /// already exists, as on a real Supabase database) under the given grant regime.
    pub fn new(grants: Grants) -> TestDb {
        let db = TestDb::empty();
        let mut db = db;
        let has_auth: bool = db
            .client
            .query_one("select exists (select 1 from pg_namespace where nspname = 'auth')", &[])
            .expect("catalog query")
            .get(0);
        if !has_auth {
            db.execute_file(&project_root().join("tests/fixtures/supabase_stand_in.sql"));
        }
        if grants == Grants::Legacy {
            db.execute_file(&project_root().join("tests/fixtures/legacy_default_grants.sql"));
        }
        db
    }

    /// A fresh, empty database.
    pub fn empty() -> TestDb {
        let server = server_config();
        let name = format!(
            "supaschema_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst),
            Uuid::new_v4().simple().to_string().get(..8).unwrap_or("0")
        );
        let mut admin = server.connect(NoTls).expect("PostgreSQL is reachable (DATABASE_URL)");
        admin
            .batch_execute(&format!("create database {name}"))
            .expect("create test database");
        let mut config = server.clone();
        config.dbname(&name);
        let client = config.connect(NoTls).expect("connect to test database");
        TestDb { name, client, server }
    }

    /// A connection string for tools (the Supabase CLI) to reach this database.
    pub fn url(&self) -> String {
        let host = match self.server.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let port = self.server.get_ports().first().copied().unwrap_or(5432);
        let user = self.server.get_user().unwrap_or("postgres");
        let password = self
            .server
            .get_password()
            .map(|p| format!(":{}", String::from_utf8_lossy(p)))
            .unwrap_or_default();
        format!(
            "postgresql://{user}{password}@{host}:{port}/{}?sslmode=disable",
            self.name
        )
    }

    /// Another connection to the same database.
    pub fn connect(&self) -> Client {
        let mut config = self.server.clone();
        config.dbname(&self.name);
        config.connect(NoTls).expect("connect to test database")
    }

    pub fn execute_file(&mut self, path: &Path) {
        let sql = std::fs::read_to_string(path).expect("readable SQL file");
        self.client
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("{} failed: {e:?}", path.display()));
    }

    /// Applies every committed migration in order.
    pub fn migrate(&mut self) {
        for (path, sql) in committed_migrations() {
            self.client
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("{} failed: {e:?}", path.display()));
        }
    }

    /// A user in `auth.users`, as Supabase Auth would create at sign-up.
    pub fn create_user(&mut self) -> Uuid {
        let id = Uuid::new_v4();
        self.client
            .execute(
                "insert into auth.users (id, email) values ($1, $2)",
                &[&id, &format!("{id}@example.test")],
            )
            .expect("insert auth user");
        id
    }

    /// Runs `f` in a transaction as `actor`, the way PostgREST does: `set local role` and the
    /// JWT claims in `request.jwt.claims`. The transaction commits if `f` left it usable.
    pub fn act<T>(&mut self, actor: Actor, f: impl FnOnce(&mut Transaction<'_>) -> T) -> T {
        act_on(&mut self.client, actor, f)
    }
}

/// [`TestDb::act`] on any connection.
pub fn act_on<T>(client: &mut Client, actor: Actor, f: impl FnOnce(&mut Transaction<'_>) -> T) -> T {
    let mut tx = client.transaction().expect("begin");
    let (role, claims) = match actor {
        Actor::Anon => ("anon", serde_json::json!({ "role": "anon" })),
        Actor::User(id) => (
            "authenticated",
            serde_json::json!({ "sub": id, "role": "authenticated" }),
        ),
        Actor::ServiceRole => ("service_role", serde_json::json!({ "role": "service_role" })),
    };
    tx.batch_execute(&format!("set local role {role}")).expect("set role");
    tx.execute(
        "select set_config('request.jwt.claims', $1, true)",
        &[&claims.to_string()],
    )
    .expect("set claims");
    let out = f(&mut tx);
    let _ = tx.commit();
    out
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = self.server.connect(NoTls) {
            let _ = admin.batch_execute(&format!("drop database if exists {} with (force)", self.name));
        }
    }
}

/// One row in every doctor-owned table, written as the backend would.
#[derive(Clone, Copy, Debug)]
pub struct DoctorRows {
    pub doctor: Uuid,
    pub patient: Uuid,
    pub appointment: Uuid,
    pub conversation: Uuid,
    pub message: Uuid,
    pub availability: Uuid,
    pub blocked_time: Uuid,
}

/// The doctor-owned tables and the id column each is keyed by.
pub const OWNED_TABLES: [&str; 6] = [
    "patients",
    "appointments",
    "conversations",
    "messages",
    "availability",
    "blocked_times",
];

impl DoctorRows {
    pub fn id_in(&self, table: &str) -> Uuid {
        match table {
            "patients" => self.patient,
            "appointments" => self.appointment,
            "conversations" => self.conversation,
            "messages" => self.message,
            "availability" => self.availability,
            "blocked_times" => self.blocked_time,
            other => panic!("{other} is not doctor-owned"),
        }
    }
}

/// Creates a doctor and one row of each owned table for them, as `service_role`.
pub fn seed_doctor(db: &mut TestDb, hour: u32) -> DoctorRows {
    use chrono::{NaiveTime, TimeZone, Utc};
    use supaschema::schema::*;
    let doctor = db.create_user();
    db.act(Actor::ServiceRole, |tx| {
        let patient = NewPatient {
            id: None,
            doctor_id: doctor,
            full_name: format!("Patient of {doctor}"),
            phone: Some("+4915112345678".into()),
            email: None,
            date_of_birth: None,
            social_handle: None,
            preferred_channel: Some(PatientPreferredChannel::Whatsapp),
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert patient");
        let starts_at = Utc
            .with_ymd_and_hms(2030, 1, 7, hour, 0, 0)
            .single()
            .expect("valid time");
        let appointment = NewAppointment {
            id: None,
            doctor_id: doctor,
            patient_id: patient.id,
            starts_at,
            ends_at: starts_at + chrono::TimeDelta::minutes(30),
            status: Some(AppointmentStatus::Confirmed),
            reason: Some("Back pain".into()),
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert appointment");
        let conversation = NewConversation {
            id: None,
            doctor_id: doctor,
            patient_id: patient.id,
            channel: ConversationChannel::Whatsapp,
            status: None,
            last_message_at: None,
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert conversation");
        let message = NewMessage {
            id: None,
            conversation_id: conversation.id,
            doctor_id: doctor,
            sender: MessageSender::Patient,
            content: "I need an appointment".into(),
            provider_message_id: None,
            sent_at: None,
        }
        .insert(tx)
        .expect("insert message");
        let availability = NewAvailability {
            id: None,
            doctor_id: doctor,
            day_of_week: 1,
            start_time: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            end_time: NaiveTime::from_hms_opt(17, 0, 0).expect("valid time"),
            time_zone: "Europe/Berlin".into(),
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert availability");
        let blocked_time = NewBlockedTime {
            id: None,
            doctor_id: doctor,
            starts_at: starts_at + chrono::TimeDelta::days(7),
            ends_at: starts_at + chrono::TimeDelta::days(8),
            label: Some("holiday".into()),
            created_at: None,
            updated_at: None,
        }
        .insert(tx)
        .expect("insert blocked time");
        DoctorRows {
            doctor,
            patient: patient.id,
            appointment: appointment.id,
            conversation: conversation.id,
            message: message.id,
            availability: availability.id,
            blocked_time: blocked_time.id,
        }
    })
}

/// A project in a temporary folder (schema.toml, templates, supabase/), built with the same
/// code as `cargo build`, with a clock that moves a minute per build.
pub struct TempProject {
    pub dir: tempfile::TempDir,
    out: tempfile::TempDir,
    clock: i64,
}

impl TempProject {
    /// A project whose first build has written the initial migration and the lock.
    pub fn new(schema: &str) -> TempProject {
        let dir = tempfile::tempdir().expect("temp dir");
        copy_tree(&project_root().join("templates"), &dir.path().join("templates"));
        let mut project = TempProject {
            dir,
            out: tempfile::tempdir().expect("out dir"),
            clock: 1_900_000_000,
        };
        project
            .build(schema)
            .unwrap_or_else(|e| panic!("initial build failed: {e}"));
        project
    }

    pub fn project(&self) -> supaschema::generator::Project {
        supaschema::generator::Project::new(self.dir.path())
    }

    /// Writes `schema` as schema.toml and builds; returns what the build said it wrote.
    pub fn build(&mut self, schema: &str) -> Result<Vec<String>, supaschema::generator::Error> {
        use supaschema::generator::build_script::{WriteMode, build};
        std::fs::write(self.dir.path().join("schema.toml"), schema).expect("write schema.toml");
        self.clock += 60;
        let now = chrono::DateTime::from_timestamp(self.clock, 0).expect("valid time");
        build(&self.project(), self.out.path(), WriteMode::Write, now)
    }

    /// The migration files in order, with their text.
    pub fn migrations(&self) -> Vec<(String, String)> {
        let dir = self.dir.path().join("supabase/migrations");
        let mut names: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        };
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let text = std::fs::read_to_string(dir.join(&n)).expect("readable");
                (n, text)
            })
            .collect()
    }

    /// Every file under supabase/, with its bytes, to prove a failed build changed nothing.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(self.dir.path().join("supabase"))
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().to_owned(), std::fs::read(e.path()).expect("readable")))
            .collect();
        files.sort();
        files
    }
}

/// A catalog with columns in name order: a column added later sits last in its table, where
/// a fresh build puts it in schema order, and PostgreSQL cannot reorder columns.
pub fn comparable(mut catalog: supaschema::introspect::Catalog) -> supaschema::introspect::Catalog {
    for table in catalog.tables.values_mut() {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    catalog
}

/// The database `db` reached through migrations holds the same catalog as a fresh database
/// built from `schema` alone; `context` names the case in failure messages.
pub fn assert_same_as_fresh(project: &TempProject, db: &mut TestDb, schema: &str, context: &str) {
    let (_, sql, _) = supaschema::generator::render_schema(
        &supaschema::generator::SourceFile::new("schema.toml", schema),
        &project.dir.path().join("templates"),
    )
    .unwrap_or_else(|e| panic!("{context}: {e}"));
    let mut fresh = TestDb::new(Grants::Explicit);
    fresh
        .client
        .batch_execute(&sql)
        .unwrap_or_else(|e| panic!("{context}: fresh build failed: {e:?}"));
    let incremental = comparable(supaschema::introspect::read_catalog(&mut db.client).expect("catalog"));
    let expected = comparable(supaschema::introspect::read_catalog(&mut fresh.client).expect("catalog"));
    for (name, table) in &expected.tables {
        assert_eq!(
            incremental.tables.get(name),
            Some(table),
            "{context}: table {name}\nschema:\n{schema}"
        );
    }
    assert_eq!(incremental, expected, "{context}\nschema:\n{schema}");
}

// --- Helpers for the command-line tests (tests/cli_*.rs) ----------------------------------------

/// A throwaway copy of this project (`schema.toml`, `templates/`, `supabase/` without
/// dot-files), for commands that read or write a project tree.
pub struct ProjectCopy {
    pub dir: tempfile::TempDir,
}

impl ProjectCopy {
    pub fn of_this_repo() -> ProjectCopy {
        let dir = tempfile::Builder::new()
            .prefix("supaschema-project-")
            .tempdir()
            .expect("create a temporary project directory");
        let root = project_root();
        std::fs::copy(root.join("schema.toml"), dir.path().join("schema.toml")).expect("copy schema.toml");
        copy_tree(&root.join("templates"), &dir.path().join("templates"));
        copy_tree(&root.join("supabase"), &dir.path().join("supabase"));
        ProjectCopy { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn migrations_dir(&self) -> PathBuf {
        self.path().join("supabase/migrations")
    }

    /// The migration files, sorted by name.
    pub fn migration_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.migrations_dir())
            .expect("read migrations")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    }

    /// The versions of the migration files (the digits before `_`), in file order.
    pub fn migration_versions(&self) -> Vec<String> {
        self.migration_files()
            .iter()
            .map(|p| {
                let name = p.file_name().expect("name").to_string_lossy().into_owned();
                name.split_once('_').expect("version_name").0.to_owned()
            })
            .collect()
    }

    /// Removes every migration, for a test that writes its own.
    pub fn clear_migrations(&self) {
        for file in self.migration_files() {
            std::fs::remove_file(file).expect("remove");
        }
    }

    /// Writes `supabase/migrations/<file>`.
    pub fn add_migration(&self, file: &str, sql: &str) -> PathBuf {
        let path = self.migrations_dir().join(file);
        std::fs::write(&path, sql).expect("write migration");
        path
    }
}

/// Copies a tree, leaving out dot-files and dot-directories.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("readable entry");
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let target = to.join(entry.file_name());
        let kind = entry.file_type().expect("file type");
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| panic!("copy {}: {e}", entry.path().display()));
        }
    }
}

/// What one run of the `supaschema` binary printed.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `supaschema --project <project> <args>`, with `DATABASE_URL` removed from its
/// environment unless `env` sets it.
pub fn supaschema(project: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_supaschema"));
    command
        .arg("--project")
        .arg(project)
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run the supaschema binary");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `(version, name, statements)` of every row in the CLI's history table, in version order.
pub fn history_rows(client: &mut Client) -> Vec<(String, String, Vec<String>)> {
    client
        .query(
            "select version, coalesce(name, ''), coalesce(statements, '{}') \
             from supabase_migrations.schema_migrations order by version",
            &[],
        )
        .expect("read supabase_migrations.schema_migrations")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

/// The versions `supabase_migrations.schema_migrations` records, in order.
pub fn history_versions(client: &mut Client) -> Vec<String> {
    history_rows(client).into_iter().map(|row| row.0).collect()
}

/// Whether the history table exists.
pub fn history_exists(client: &mut Client) -> bool {
    client
        .query_one(
            "select to_regclass('supabase_migrations.schema_migrations') is not null",
            &[],
        )
        .expect("catalog query")
        .get(0)
}

/// Tables in `public`, sorted.
pub fn public_tables(client: &mut Client) -> Vec<String> {
    client
        .query(
            "select tablename::text from pg_tables where schemaname = 'public' order by 1",
            &[],
        )
        .expect("list public tables")
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A connection string to a port where nothing listens.
pub fn unreachable_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("local address").port();
    drop(listener);
    format!("postgresql://postgres:secret-password@127.0.0.1:{port}/postgres?sslmode=disable&connect_timeout=5")
}

/// A command for the Supabase CLI at `program`, without a developer's own Supabase settings
/// (access token, project ref, database password: only the flags say where to push), with
/// telemetry and colour off and no standard input.
pub fn supabase_command(program: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(program);
    command.stdin(std::process::Stdio::null());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("SUPABASE_") {
            command.env_remove(key);
        }
    }
    command
        .env("SUPABASE_TELEMETRY_DISABLED", "1")
        .env("DO_NOT_TRACK", "1")
        .env("NO_COLOR", "1");
    command
}
