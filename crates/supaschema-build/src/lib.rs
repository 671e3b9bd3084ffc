//! The generator: one `schema.toml` in; Supabase-CLI-compatible migrations under
//! `supabase/migrations/` and typed Rust row structs in `OUT_DIR` out. A project's `build.rs`
//! calls it through [`Config`], in the manner of prost-build:
//!
//! ```no_run
//! // build.rs
//! fn main() -> Result<(), supaschema_build::Error> {
//!     supaschema_build::Config::new().compile()
//! }
//! ```
//!
//! and the crate includes the types: `pub mod schema { include!(concat!(env!("OUT_DIR"),
//! "/schema.rs")); }`. The generated code depends on the `supaschema` runtime crate only.
//!
//! One module per stage of the pipeline: `read` → `validate` → `diff` and `plan` (with
//! `order`) → `render` (with the `templates`) → `write`, plus the `lock` that records what the
//! committed migrations hold, and the two ways back it enables: [`discard`] and [`rollback`].

mod config;
mod diff;
pub mod discard;
mod error;
mod expr;
mod ident;
mod lock;
pub mod model;
mod order;
mod plan;
mod read;
mod render;
pub mod rollback;
mod sql_type;
mod templates;
mod validate;
mod write;

pub use config::{Config, WriteMode};
pub use error::{Error, Problem, SchemaError, SourceFile};
pub use ident::{quote_identifier, quote_literal};
pub use lock::is_generated;
pub use model::Schema;
pub use render::Renderer;
pub use sql_type::SqlType;
pub use validate::{MAX_SCHEMA_BYTES, load as load_schema};
pub use write::{MigrationFile, build_time};

use std::fs;
use std::path::{Path, PathBuf};

/// The path generated code names the runtime crate by, unless [`Config::runtime_path`] says
/// otherwise.
pub const DEFAULT_RUNTIME_PATH: &str = "::supaschema";

/// Where a project keeps its inputs and outputs. [`Project::new`] is the layout of
/// `supaschema init` and the Supabase CLI: `schema.toml`, `templates/` and `supabase/` at the
/// root.
#[derive(Clone, Debug)]
pub struct Project {
    pub root: PathBuf,
    pub schema_path: PathBuf,
    /// The project's own templates, each replacing the default of the same name.
    pub templates_dir: PathBuf,
    pub migrations_dir: PathBuf,
    /// Outside `supabase/migrations/`: the Supabase CLI skips (and warns about) foreign files
    /// there.
    pub lock_path: PathBuf,
    /// The reverse of each generated migration, `<version>_<name>.down.sql`, where the Supabase
    /// CLI does not look; `supaschema rollback` runs them.
    pub rollbacks_dir: PathBuf,
    /// The path generated code names the runtime crate by.
    pub runtime_path: String,
}

impl Project {
    pub fn new(root: impl Into<PathBuf>) -> Project {
        let root = root.into();
        Project {
            schema_path: root.join("schema.toml"),
            templates_dir: root.join("templates"),
            migrations_dir: root.join("supabase").join("migrations"),
            lock_path: root.join("supabase").join("schema.lock.json"),
            rollbacks_dir: root.join("supabase").join("rollbacks"),
            runtime_path: DEFAULT_RUNTIME_PATH.to_owned(),
            root,
        }
    }

    /// Reads `schema.toml` with the name errors should show for it: its path relative to the
    /// project root.
    pub fn schema_source(&self) -> Result<SourceFile, Error> {
        let text = fs::read_to_string(&self.schema_path).map_err(|source| Error::Read {
            path: self.schema_path.clone(),
            source,
        })?;
        Ok(SourceFile::new(self.relative(&self.schema_path), text))
    }

    /// `path` as the user sees it from the project root.
    pub fn relative(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).unwrap_or(path).display().to_string()
    }
}

/// A file the build wants to exist with these contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedFile {
    pub path: PathBuf,
    pub contents: String,
}

impl PlannedFile {
    /// Whether the file on disk already holds exactly these contents.
    pub fn is_current(&self) -> bool {
        !write::differs(&self.path, self.contents.as_bytes())
    }

    /// Writes the file atomically (a temporary file renamed into place), creating its folder.
    pub fn write(&self) -> Result<(), Error> {
        write::write_atomically(&self.path, self.contents.as_bytes())
    }
}

/// Everything one run of the generator produces, before anything is written.
#[derive(Debug)]
pub struct Generation {
    pub schema: Schema,
    /// The Rust module for `OUT_DIR`.
    pub rust: String,
    /// Migration files to write; empty when the migrations already hold the schema.
    pub migrations: Vec<PlannedFile>,
    /// The new migration's reverse under `supabase/rollbacks/`, when its bytes change.
    pub rollbacks: Vec<PlannedFile>,
    /// The lock, when its bytes change.
    pub lock: Option<PlannedFile>,
    /// The supabase-js types at the path `typescript` names, when their bytes change.
    pub typescript: Option<PlannedFile>,
    /// What the new migrations do that the user should know before running them: changes
    /// without a lock-safe form.
    pub notes: Vec<String>,
}

impl Generation {
    /// Every file the build would write outside `OUT_DIR`, migrations first.
    pub fn files(&self) -> impl Iterator<Item = &PlannedFile> {
        self.migrations
            .iter()
            .chain(&self.rollbacks)
            .chain(&self.lock)
            .chain(&self.typescript)
    }
}

/// The name of the migration that creates the whole schema.
pub const INITIAL_MIGRATION: &str = "initial_schema";

/// Validates a schema text and renders its initial migration and Rust types (naming the
/// runtime by [`DEFAULT_RUNTIME_PATH`]), with the default templates, each replaced by its file
/// in `overrides` when given. Touches no file.
pub fn render_schema(source: &SourceFile, overrides: Option<&Path>) -> Result<(Schema, String, String), Error> {
    let schema = validate::load(source)?;
    let renderer = Renderer::load(overrides.unwrap_or(Path::new("")))?;
    let sql = renderer.migration(INITIAL_MIGRATION, &plan::initial(&schema), &schema)?;
    let rust = renderer.rust(&schema, DEFAULT_RUNTIME_PATH)?;
    Ok((schema, sql, rust))
}

/// Runs the whole pipeline for a project in memory: compares `schema.toml` with the schema
/// the lock records and plans one new migration with the difference. Without a lock (a new
/// project) the initial migration holds the whole schema; an initial migration that was
/// generated but never locked is regenerated in place.
pub fn generate(project: &Project, now: chrono::DateTime<chrono::Utc>) -> Result<Generation, Error> {
    let source = project.schema_source()?;
    let schema = validate::load(&source)?;
    let history = History::read(project)?;
    let renderer = Renderer::load(&project.templates_dir)?;
    let rust = renderer.rust(&schema, &project.runtime_path)?;
    let Planned {
        migrations,
        rollbacks,
        lock,
        notes,
    } = plan_migrations(project, now, &source, &schema, &renderer, history)?;
    let typescript = match &schema.typescript {
        Some(path) => Some(PlannedFile {
            path: project.root.join(path),
            contents: renderer.typescript(&schema)?,
        })
        .filter(|file| !file.is_current()),
        None => None,
    };
    Ok(Generation {
        schema,
        rust,
        migrations,
        rollbacks,
        lock,
        typescript,
        notes,
    })
}

/// Checks the generated migrations against the lock as the build does before it plans, so a
/// deploy can refuse what the build would: an edited, missing or unrecorded generated migration
/// is the build's own error. A project without a lock has nothing to check.
pub fn verify_history(project: &Project) -> Result<(), Error> {
    History::read(project).map(|_| ())
}

/// The lock for a project adopted from a live database: it records `source` (a `schema.toml`
/// describing what the database already holds) as deployed, together with every generated
/// migration already in the migrations folder, so the next build writes no migration and later
/// changes become incremental ones. Hand-written migrations are left out, as the build leaves
/// them out. Returns the validated schema and the lock file to write; touches no file.
pub fn adopted_lock(project: &Project, source: &SourceFile) -> Result<(Schema, PlannedFile), Error> {
    let schema = validate::load(source)?;
    let mut recorded = Vec::new();
    for file in write::migration_files(&project.migrations_dir)? {
        let generated = lock::is_generated(&file.path).map_err(|source| Error::Read {
            path: file.path.clone(),
            source,
        })?;
        if generated {
            let contents = fs::read_to_string(&file.path).map_err(|source| Error::Read {
                path: file.path.clone(),
                source,
            })?;
            recorded.push(lock::LockedMigration::new(file.file_name(), &contents));
        }
    }
    let contents = lock::to_text(&recorded, &schema, None);
    Ok((
        schema,
        PlannedFile {
            path: project.lock_path.clone(),
            contents,
        },
    ))
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
        let existing = write::migration_files(&project.migrations_dir)?;
        let lock_path = project.lock_path.clone();
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

/// What [`plan_migrations`] plans: the new migration files, the lock when its bytes change, and
/// the notes on what the new migrations do.
struct Planned {
    migrations: Vec<PlannedFile>,
    rollbacks: Vec<PlannedFile>,
    lock: Option<PlannedFile>,
    notes: Vec<String>,
}

/// The migration with the difference between the lock's schema and `schema`, if any (in two
/// files when part of it must run after it committed), and the lock recording it, when its
/// bytes change.
fn plan_migrations(
    project: &Project,
    now: chrono::DateTime<chrono::Utc>,
    source: &SourceFile,
    schema: &Schema,
    renderer: &Renderer,
    History {
        mut existing,
        previous,
        lock_text,
    }: History,
) -> Result<Planned, Error> {
    let lock_path = project.lock_path.clone();
    let (steps, name, mut recorded, mut reuse) = match &previous {
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
    let mut rollbacks = Vec::new();
    let mut notes = Vec::new();
    let mut before_newest = previous.as_ref().and_then(|lock| lock.before_newest.as_ref());
    if !steps.is_empty() {
        before_newest = previous.as_ref().map(|lock| &lock.schema);
        let change_start = recorded.len();
        // What must run after the migration committed goes into a second file, which the
        // Supabase CLI runs in a transaction of its own (and each concurrent index alone).
        let (later, first): (Vec<plan::Step>, Vec<plan::Step>) = steps.into_iter().partition(plan::Step::after_commit);
        let parts = [first, later].into_iter().filter(|part| !part.is_empty());
        for (i, part) in parts.enumerate() {
            let name = match i {
                0 => name.clone(),
                _ => format!("{name}_nonblocking"),
            };
            let sql = renderer.migration(&name, &part, schema)?;
            let path = reuse.take().unwrap_or_else(|| {
                let version = write::next_version(&existing, now);
                let path = project.migrations_dir.join(format!("{version}_{name}.sql"));
                existing.push(write::MigrationFile {
                    path: path.clone(),
                    version,
                    name: name.clone(),
                });
                path
            });
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            recorded.push(lock::LockedMigration {
                continues: i > 0,
                ..lock::LockedMigration::new(file, &sql)
            });
            if write::differs(&path, sql.as_bytes()) {
                notes.extend(part.iter().filter_map(|step| lock_note(&project.relative(&path), step)));
                migrations.push(PlannedFile { path, contents: sql });
            }
        }
        let empty = Schema::default();
        let before = before_newest.unwrap_or(&empty);
        rollbacks.extend(plan_reverse(
            project,
            renderer,
            schema,
            before,
            &mut recorded[change_start],
        )?);
    }
    let text = lock::to_text(&recorded, schema, before_newest);
    let lock = (lock_text.as_deref() != Some(text.as_str())).then_some(PlannedFile {
        path: lock_path,
        contents: text,
    });
    Ok(Planned {
        migrations,
        rollbacks,
        lock,
        notes,
    })
}

/// Records the reverse of the change from `before` to `after` on the change's first migration,
/// and returns its file when its bytes change; records why there is none when there is none.
fn plan_reverse(
    project: &Project,
    renderer: &Renderer,
    after: &Schema,
    before: &Schema,
    migration: &mut lock::LockedMigration,
) -> Result<Option<PlannedFile>, Error> {
    let reverse = match diff::reverse(after, before) {
        Ok(reverse) => reverse,
        Err(refusal) => {
            migration.irreversible = Some(match *refusal.problem {
                Problem::NotNullWithoutDefault { column } => format!(
                    "it drops {column}, which is NOT NULL without a default: its values are gone, and the \
                     column cannot come back without them"
                ),
                problem => problem.to_string(),
            });
            return Ok(None);
        }
    };
    let sql = renderer.rollback(&migration.file, &reverse.steps, &reverse.target)?;
    let file = format!(
        "{}.down.sql",
        migration.file.strip_suffix(".sql").unwrap_or(&migration.file)
    );
    let path = project.rollbacks_dir.join(&file);
    migration.reverse = Some(lock::LockedReverse {
        file,
        sha256: lock::checksum(&sql),
        losses: reverse.losses,
    });
    Ok(write::differs(&path, sql.as_bytes()).then_some(PlannedFile { path, contents: sql }))
}

/// The note for a step that stops reads and writes of its table until the migration commits:
/// a type change that rewrites the table, a generated column added (or added again with a
/// changed expression: PostgreSQL 15 has no `set expression`), which computes every row, NOT
/// NULL set on a column (PostgreSQL scans the rows under ACCESS EXCLUSIVE), and a key or exclusion constraint whose index is built under that
/// lock (an exclusion constraint cannot take over an index built beforehand; a key that a
/// foreign key of the same migration references must exist before it).
fn lock_note(file: &str, step: &plan::Step) -> Option<String> {
    use plan::{ColumnChange, Step, TableConstraint};
    let (table, what) = match step {
        Step::AlterColumn {
            table,
            column,
            change: ColumnChange::Type { rewrites: true, .. },
        } => (
            table,
            format!("changes the type of {table}.{column}, which rewrites the table"),
        ),
        Step::AlterColumn {
            table,
            column,
            change: ColumnChange::Nullability { nullable: false },
        } => (
            table,
            format!("sets NOT NULL on {table}.{column}, which scans the table"),
        ),
        Step::AddColumn { table, column } if column.generated.is_some() => (
            table,
            format!(
                "adds the generated column {table}.{}, which computes it for every row and rewrites the table",
                column.name
            ),
        ),
        Step::AddConstraint {
            table,
            constraint:
                constraint @ (TableConstraint::Exclusion(_) | TableConstraint::PrimaryKey(_) | TableConstraint::Unique(_)),
            ..
        } => (
            table,
            format!("adds {} to {table}, which builds its index", constraint.name()),
        ),
        _ => return None,
    };
    Some(format!(
        "{file} {what} under ACCESS EXCLUSIVE and has no lock-safe form: reads and writes of {table} wait until it commits"
    ))
}

/// Points a refused change at its section in `schema.toml`; when that is gone, where the fix
/// goes: the `allow_drop` list, the `[migration]` section, or the file's last line, after which
/// the section would be written.
fn locate(source: &SourceFile, refusal: diff::Refusal) -> Error {
    let span = refusal
        .section
        .and_then(|section| {
            [
                format!("[{section}]"),
                format!("[{section}.columns]"),
                format!("[{section}"),
            ]
            .iter()
            .find_map(|header| source.text.find(header.as_str()).map(|at| at..at + header.len()))
        })
        .or_else(|| {
            // The schema parsed before it was compared, so this parse succeeds too.
            let migration = read::parse(source).ok()?.migration?;
            let allow_drop = migration.get_ref().allow_drop.first().map(|entry| entry.span());
            Some(allow_drop.unwrap_or_else(|| migration.span()))
        })
        .unwrap_or_else(|| last_line(&source.text));
    source.error(span, *refusal.problem).into()
}

/// The span of the last line that is not blank (empty at the start of an empty file).
fn last_line(text: &str) -> std::ops::Range<usize> {
    let end = text.trim_end().len();
    let start = text[..end].rfind('\n').map_or(0, |newline| newline + 1);
    start..end
}

/// A short name for a migration from what it does: `add_patients_fax`,
/// `create_invoices_and_more`. It is named after its most significant change (tables before
/// columns before the rest), so that names derived from a renamed column, renamed along with
/// it, do not name the migration.
fn describe(steps: &[plan::Step]) -> String {
    use plan::Step::*;
    let mut names: Vec<(u8, String)> = Vec::new();
    for step in steps {
        let named = match step {
            // A test of the rows belongs to the change it guards, which names the migration.
            CheckRows { .. } => continue,
            CreateTable { table, .. } => (0, format!("create_{}", table.name)),
            DropTable { table } => (0, format!("drop_{table}")),
            RenameTable { from, to } => (0, format!("rename_{from}_to_{to}")),
            AddColumn { table, column } => (1, format!("add_{table}_{}", column.name)),
            DropColumn { table, column, .. } => (1, format!("drop_{table}_{column}")),
            RenameColumn { table, from, to } => (1, format!("rename_{table}_{from}_to_{to}")),
            AlterColumn { table, column, .. }
            | AddNotNullCheck { table, column, .. }
            | SetNotNull { table, column, .. } => (1, format!("alter_{table}_{column}")),
            CreatePolicy { table, .. } | DropPolicy { table, .. } | RenamePolicy { table, .. } => {
                (2, format!("policies_{table}"))
            }
            CreateIndex { table, .. } => (2, format!("index_{table}")),
            DropIndex { name, .. } => (2, format!("drop_index_{name}")),
            RenameRelation { from, to, .. } => (2, format!("rename_{from}_to_{to}")),
            CreateTrigger { table, .. } | DropTrigger { table, .. } | RenameTrigger { table, .. } => {
                (2, format!("triggers_{table}"))
            }
            CreateFunction { function } | DropFunction { function } => (2, format!("function_{}", function.name)),
            CreateSchema { schema, .. } => (4, format!("schema_{schema}")),
            AddConstraint { table, .. }
            | DropConstraint { table, .. }
            | ValidateConstraint { table, .. }
            | AttachKey { table, .. } => (3, format!("constraints_{table}")),
            SetRls { table, .. } => (3, format!("rls_{table}")),
            SetRealtime { table, .. } => (3, format!("realtime_{table}")),
            CreateMembershipLookup { lookup } | DropMembershipLookup { lookup } => {
                (2, format!("function_{}", lookup.function_name()))
            }
            GrantTable { table, .. } => (3, format!("grants_{table}")),
            // A bucket's row and its policies are one change.
            UpsertBucket {
                bucket: model::Bucket { name: bucket, .. },
            }
            | DeleteBucket { bucket }
            | CreateBucketPolicy { bucket, .. }
            | DropBucketPolicy { bucket, .. } => (0, format!("bucket_{bucket}")),
            CommentOn { .. } => (4, "comments".to_owned()),
            CreateExtension { name } | DropExtension { name } => (4, format!("extension_{name}")),
            SetDefaultGrants { .. } => (4, "default_grants".to_owned()),
            CreateEnum { name, .. } => (0, format!("create_{name}")),
            // The values' labels need not fit a file name; the type's name does.
            AddEnumValue { name, .. } | RenameEnumValue { name, .. } | SetAsideEnum { name, .. } => {
                (1, format!("enum_{name}"))
            }
            // Also the old type of a replaced one, which its `SetAsideEnum` names the migration after.
            DropEnum { name } => (2, format!("drop_{name}")),
            GrantFunction { function, .. } => (4, format!("grants_{}", function.name)),
            CreateRole { role, .. } => (4, format!("role_{}", role.sql())),
        };
        if !names.iter().any(|(_, name)| *name == named.1) {
            names.push(named);
        }
    }
    let mut name = names
        .iter()
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, name)| name.clone())
        .unwrap_or_else(|| "update_schema".to_owned());
    if names.len() > 1 {
        name.push_str("_and_more");
    }
    if name.len() > 60 {
        name = format!("{}_and_more", &name[..50].trim_end_matches('_'));
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use plan::Step;

    #[test]
    fn a_migration_is_named_after_its_most_significant_change() {
        let rename = Step::RenameColumn {
            table: "tasks".into(),
            from: "due_date".into(),
            to: "due_on".into(),
        };
        let derived = Step::DropConstraint {
            table: "tasks".into(),
            name: "tasks_due_date_check".into(),
            replaced_by: None,
        };
        assert_eq!(
            describe(&[derived, rename.clone()]),
            "rename_tasks_due_date_to_due_on_and_more"
        );
        assert_eq!(describe(&[rename]), "rename_tasks_due_date_to_due_on");
        let index = Step::RenameRelation {
            table: "tasks".into(),
            kind: "index",
            from: "tasks_owner_idx".into(),
            to: "tasks_by_owner_idx".into(),
        };
        assert_eq!(describe(&[index]), "rename_tasks_owner_idx_to_tasks_by_owner_idx");
    }
}
