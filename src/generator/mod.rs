//! The generator: `schema.toml` in; migration SQL and Rust types out. One module per stage:
//! [`read`] → [`validate`] → [`plan`] → [`render`] → [`write`]. This module tree is compiled
//! into the library and, unchanged, into `build.rs`, so it refers to itself only through
//! `super::` paths.

pub mod build_script;
pub mod diff;
pub mod error;
pub mod expr;
pub mod ident;
pub mod lock;
pub mod model;
pub mod order;
pub mod parallel;
pub mod plan;
pub mod read;
pub mod render;
pub mod sql_type;
pub mod validate;
pub mod write;

pub use error::{Error, Problem, SchemaError, SourceFile};
pub use model::Schema;

use render::Renderer;
use std::fs;
use std::path::{Path, PathBuf};

/// Where a project keeps its inputs and outputs, relative to its root.
#[derive(Clone, Debug)]
pub struct Project {
    pub root: PathBuf,
}

impl Project {
    pub fn new(root: impl Into<PathBuf>) -> Project {
        Project { root: root.into() }
    }

    pub fn schema_path(&self) -> PathBuf {
        self.root.join("schema.toml")
    }

    pub fn templates_dir(&self) -> PathBuf {
        self.root.join("templates")
    }

    pub fn migrations_dir(&self) -> PathBuf {
        self.root.join("supabase").join("migrations")
    }

    /// Outside `supabase/migrations/`: the Supabase CLI skips (and warns about) foreign files
    /// there.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join("supabase").join("schema.lock.json")
    }

    /// Reads `schema.toml` with the name errors should show for it.
    pub fn schema_source(&self) -> Result<SourceFile, Error> {
        let path = self.schema_path();
        let text = fs::read_to_string(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        Ok(SourceFile::new("schema.toml", text))
    }
}

/// A file the build wants to exist with these contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Everything one run of the generator produces, before anything is written.
#[derive(Debug)]
pub struct Generation {
    pub schema: Schema,
    /// The Rust module for `OUT_DIR`.
    pub rust: String,
    /// Migration files to write; empty when the migrations already hold the schema.
    pub migrations: Vec<PlannedFile>,
    /// The lock, when its bytes change.
    pub lock: Option<PlannedFile>,
}

impl Generation {
    /// Every file the build would write outside `OUT_DIR`, migrations first.
    pub fn files(&self) -> impl Iterator<Item = &PlannedFile> {
        self.migrations.iter().chain(&self.lock)
    }
}

/// The name of the migration that creates the whole schema.
pub const INITIAL_MIGRATION: &str = "initial_schema";

/// Validates a schema text and renders its initial migration and Rust types, touching no file
/// but the templates it reads.
pub fn render_schema(source: &SourceFile, templates: &Path) -> Result<(Schema, String, String), Error> {
    let schema = validate::load(source)?;
    let renderer = Renderer::from_dir(templates)?;
    let (sql, rust) = std::thread::scope(|scope| {
        let rust = scope.spawn(|| renderer.rust(&schema));
        let sql = renderer.migration(INITIAL_MIGRATION, &plan::initial(&schema), &schema);
        (sql, joined(rust))
    });
    Ok((schema, sql?, rust?))
}

/// The result of a thread that renders beside the planning; its panic goes on up.
fn joined<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Runs the whole pipeline for a project in memory: compares `schema.toml` with the schema
/// the lock records and plans one new migration with the difference. Without a lock (a new
/// project) the initial migration holds the whole schema; an initial migration that was
/// generated but never locked is regenerated in place.
pub fn generate(project: &Project, now: chrono::DateTime<chrono::Utc>) -> Result<Generation, Error> {
    let source = project.schema_source()?;
    // The migrations on disk and the lock do not depend on schema.toml: they are read and
    // checked while it is parsed and validated.
    let (schema, history) = std::thread::scope(|scope| {
        let history = scope.spawn(|| History::read(project));
        (validate::load(&source), joined(history))
    });
    let schema = schema?;
    let renderer = Renderer::from_dir(&project.templates_dir())?;
    // The Rust types depend on the schema alone: they render while the schemas are compared.
    let (rust, planned) = std::thread::scope(|scope| {
        let rust = scope.spawn(|| renderer.rust(&schema));
        let planned = history.and_then(|history| plan_migrations(project, now, &source, &schema, &renderer, history));
        (joined(rust), planned)
    });
    let rust = rust?;
    let (migrations, lock) = planned?;
    Ok(Generation {
        schema,
        rust,
        migrations,
        lock,
    })
}

/// What earlier builds left: the migration files and the lock, its checksums verified, with
/// the lock's text as read.
struct History {
    existing: Vec<write::MigrationFile>,
    previous: Option<lock::Lock>,
    lock_text: Option<String>,
}

impl History {
    fn read(project: &Project) -> Result<History, Error> {
        let existing = write::migration_files(&project.migrations_dir())?;
        let lock_path = project.lock_path();
        let (previous, lock_text) = match lock::read(&lock_path)? {
            Some((previous, text)) => {
                lock::verify(&previous, &existing, &lock_path)?;
                (Some(previous), Some(text))
            }
            None => (None, None),
        };
        Ok(History {
            existing,
            previous,
            lock_text,
        })
    }
}

/// The migration with the difference between the lock's schema and `schema`, if any, and the
/// lock recording it, when its bytes change.
fn plan_migrations(
    project: &Project,
    now: chrono::DateTime<chrono::Utc>,
    source: &SourceFile,
    schema: &Schema,
    renderer: &Renderer,
    History {
        existing,
        previous,
        lock_text,
    }: History,
) -> Result<(Vec<PlannedFile>, Option<PlannedFile>), Error> {
    let lock_path = project.lock_path();
    let (steps, name, mut recorded, reuse) = match &previous {
        None => {
            let unlocked_initial = existing
                .iter()
                .find(|f| f.name == INITIAL_MIGRATION && lock::is_generated(&f.path).unwrap_or(false));
            (
                plan::initial(schema),
                INITIAL_MIGRATION.to_owned(),
                Vec::new(),
                unlocked_initial.map(|f| f.path.clone()),
            )
        }
        Some(previous) => {
            let steps = diff::changes(&previous.schema, schema).map_err(|refusal| locate(source, refusal))?;
            let name = schema.migration.name.clone().unwrap_or_else(|| describe(&steps));
            (steps, name, previous.migrations.clone(), None)
        }
    };
    let mut migrations = Vec::new();
    if !steps.is_empty() {
        let sql = renderer.migration(&name, &steps, schema)?;
        let path = reuse.unwrap_or_else(|| {
            let version = write::next_version(&existing, now);
            project.migrations_dir().join(format!("{version}_{name}.sql"))
        });
        let file = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        recorded.push(lock::LockedMigration::new(file, &sql));
        if write::differs(&path, sql.as_bytes()) {
            migrations.push(PlannedFile { path, contents: sql });
        }
    }
    let text = lock::to_text(&recorded, schema);
    let lock = (lock_text.as_deref() != Some(text.as_str())).then_some(PlannedFile {
        path: lock_path,
        contents: text,
    });
    Ok((migrations, lock))
}

/// Points a refused change at its table in `schema.toml` (or at the top of the file when the
/// table is gone).
fn locate(source: &SourceFile, refusal: diff::Refusal) -> Error {
    let span = refusal
        .table
        .and_then(|table| {
            [
                format!("[tables.{table}]"),
                format!("[tables.{table}.columns]"),
                format!("[tables.{table}"),
            ]
            .iter()
            .find_map(|header| source.text.find(header.as_str()).map(|at| at..at + header.len()))
        })
        .or_else(|| source.text.find("[migration]").map(|at| at..at + "[migration]".len()))
        .unwrap_or(0..0);
    source.error(span, *refusal.problem).into()
}

/// A short name for a migration from what it does: `add_patients_fax`,
/// `create_invoices_and_more`.
fn describe(steps: &[plan::Step]) -> String {
    use plan::Step::*;
    let mut names: Vec<String> = Vec::new();
    for step in steps {
        let name = match step {
            CreateTable { table, .. } => format!("create_{}", table.name),
            DropTable { table } => format!("drop_{table}"),
            RenameTable { from, to } => format!("rename_{from}_to_{to}"),
            AddColumn { table, column } => format!("add_{table}_{}", column.name),
            DropColumn { table, column } => format!("drop_{table}_{column}"),
            RenameColumn { table, to, .. } => format!("rename_{table}_{to}"),
            AlterColumn { table, column, .. } => format!("alter_{table}_{column}"),
            CreatePolicy { table, .. } | DropPolicy { table, .. } | RenamePolicy { table, .. } => {
                format!("policies_{table}")
            }
            CreateIndex { table, .. } => format!("index_{table}"),
            CreateTrigger { table, .. } | DropTrigger { table, .. } => format!("triggers_{table}"),
            CreateFunction { function } | DropFunction { function } => format!("function_{}", function.name),
            AddConstraint { table, .. } | DropConstraint { table, .. } => format!("constraints_{table}"),
            _ => "update_schema".to_owned(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let mut name = names.first().cloned().unwrap_or_else(|| "update_schema".to_owned());
    if names.len() > 1 {
        name.push_str("_and_more");
    }
    if name.len() > 60 {
        name = format!("{}_and_more", &name[..50].trim_end_matches('_'));
    }
    name
}
