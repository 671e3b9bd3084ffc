//! What a project's `build.rs` calls: [`Config`] says where the project keeps its files and how
//! the generated code names the runtime; [`Config::compile`] generates, writes the Rust types into
//! `OUT_DIR`, and writes migrations into `supabase/migrations/` only when they change and only
//! where the source tree is the user's own.

use crate::error::Error;
use crate::{DEFAULT_RUNTIME_PATH, Project, generate, write};
use chrono::{DateTime, Utc};
use std::env;
use std::path::{Path, PathBuf};

/// Set to `1` to fail the build, instead of writing, when `schema.toml` has changes that no
/// migration holds yet (for CI).
pub const CHECK_ENV: &str = "SUPASCHEMA_CHECK";

/// What the runtime's build script publishes to its dependents: `true` when its `serde` feature
/// is on.
const SERDE_ENV: &str = "DEP_SUPASCHEMA_SERDE";

/// The cfg the generated serde derives are gated on, so they cost nothing to compile unless the
/// project asks for them (the runtime's `serde` feature).
const SERDE_CFG: &str = "supaschema_serde";

/// How a build may treat the source tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteMode {
    /// Write changed migrations (the normal `cargo build`).
    Write,
    /// Fail when a migration would be written (`SUPASCHEMA_CHECK=1`, for CI).
    Check,
    /// Write nothing outside `OUT_DIR`, only warn (docs.rs, registry sources, `cargo package`).
    ReadOnly,
}

/// The generator's settings, with the defaults of `supaschema init`'s layout. Relative paths are
/// relative to the project root, which is `CARGO_MANIFEST_DIR` in a build script.
#[derive(Clone, Debug)]
pub struct Config {
    root: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    schema: PathBuf,
    templates: PathBuf,
    migrations: PathBuf,
    lock: PathBuf,
    rollbacks: PathBuf,
    runtime_path: String,
    types_file: String,
    mode: Option<WriteMode>,
    now: Option<DateTime<Utc>>,
}

impl Default for Config {
    fn default() -> Config {
        Config::new()
    }
}

impl Config {
    /// `schema.toml`, `templates/`, `supabase/migrations/` and `supabase/schema.lock.json` at the
    /// project root; the types in `OUT_DIR/schema.rs`, naming the runtime `::supaschema`.
    pub fn new() -> Config {
        Config {
            root: None,
            out_dir: None,
            schema: "schema.toml".into(),
            templates: "templates".into(),
            migrations: Path::new("supabase").join("migrations"),
            lock: Path::new("supabase").join("schema.lock.json"),
            rollbacks: Path::new("supabase").join("rollbacks"),
            runtime_path: DEFAULT_RUNTIME_PATH.to_owned(),
            types_file: "schema.rs".to_owned(),
            mode: None,
            now: None,
        }
    }

    /// The project root; default `CARGO_MANIFEST_DIR`.
    pub fn root(&mut self, dir: impl Into<PathBuf>) -> &mut Config {
        self.root = Some(dir.into());
        self
    }

    /// Where the Rust types go; default `OUT_DIR`.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Config {
        self.out_dir = Some(dir.into());
        self
    }

    /// The schema file; default `schema.toml`.
    pub fn schema(&mut self, path: impl Into<PathBuf>) -> &mut Config {
        self.schema = path.into();
        self
    }

    /// The folder of template overrides; default `templates`. Each file in it replaces the
    /// embedded default of the same name (`sql/create_table.sql`); a missing folder overrides
    /// nothing.
    pub fn templates_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Config {
        self.templates = dir.into();
        self
    }

    /// The migrations folder; default `supabase/migrations`, where the Supabase CLI looks.
    pub fn migrations_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Config {
        self.migrations = dir.into();
        self
    }

    /// The lock that records what the migrations hold; default `supabase/schema.lock.json`.
    /// Keep it out of the migrations folder: the Supabase CLI warns about foreign files there.
    pub fn lock_file(&mut self, path: impl Into<PathBuf>) -> &mut Config {
        self.lock = path.into();
        self
    }

    /// The folder of the migrations' reverses; default `supabase/rollbacks`. Keep it out of the
    /// migrations folder, or the Supabase CLI would run them as migrations.
    pub fn rollbacks_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Config {
        self.rollbacks = dir.into();
        self
    }

    /// The path by which the generated code names the runtime crate; default `::supaschema`.
    /// Set it when the runtime is renamed in `Cargo.toml` or re-exported by another crate.
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Config {
        self.runtime_path = path.into();
        self
    }

    /// The file name of the Rust types in the output folder; default `schema.rs`.
    pub fn types_file(&mut self, name: impl Into<String>) -> &mut Config {
        self.types_file = name.into();
        self
    }

    /// How the build may treat the source tree; by default `Check` when `SUPASCHEMA_CHECK=1`,
    /// `ReadOnly` on docs.rs and in sources that are not the user's own, else `Write`.
    pub fn write_mode(&mut self, mode: WriteMode) -> &mut Config {
        self.mode = Some(mode);
        self
    }

    /// The time a new migration's version is taken from; by default `SOURCE_DATE_EPOCH`, else
    /// the clock. A new version is always later than every existing one.
    pub fn build_time(&mut self, now: DateTime<Utc>) -> &mut Config {
        self.now = Some(now);
        self
    }

    /// The project these settings describe.
    pub fn project(&self) -> Project {
        let root = self.root.clone().unwrap_or_else(manifest_dir);
        Project {
            schema_path: root.join(&self.schema),
            templates_dir: root.join(&self.templates),
            migrations_dir: root.join(&self.migrations),
            lock_path: root.join(&self.lock),
            rollbacks_dir: root.join(&self.rollbacks),
            runtime_path: self.runtime_path.clone(),
            root,
        }
    }

    /// For `build.rs`: tells cargo what to watch, sets the `supaschema_serde` cfg when the
    /// runtime's `serde` feature is on (the generated serde derives are gated on it), generates,
    /// and reports every file written as a `cargo:warning` line. Nothing is written when
    /// generation fails.
    pub fn compile(&self) -> Result<(), Error> {
        let project = self.project();
        for path in [&project.schema_path, &project.migrations_dir, &project.lock_path] {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        // Cargo reruns a build script on every build while a path it watches is missing, so
        // the overrides folder is watched only where it exists (`supaschema init` creates it).
        if project.templates_dir.exists() {
            println!("cargo:rerun-if-changed={}", project.templates_dir.display());
        }
        for var in [CHECK_ENV, "SOURCE_DATE_EPOCH", "DOCS_RS", SERDE_ENV] {
            println!("cargo:rerun-if-env-changed={var}");
        }
        println!("cargo::rustc-check-cfg=cfg({SERDE_CFG})");
        if env::var(SERDE_ENV).is_ok_and(|on| on == "true") {
            println!("cargo::rustc-cfg={SERDE_CFG}");
        }
        for line in self.run()? {
            println!("cargo:warning={line}");
        }
        Ok(())
    }

    /// Generates in memory, then writes the types into the output folder and the migrations as
    /// the write mode allows. Returns what to tell the user, one line per file, then the notes
    /// on what the new migrations do.
    pub fn run(&self) -> Result<Vec<String>, Error> {
        let project = self.project();
        let mode = self.mode.unwrap_or_else(|| mode_from_environment(&project.root));
        let now = self
            .now
            .unwrap_or_else(|| write::build_time(env::var("SOURCE_DATE_EPOCH").ok().as_deref()));
        let generation = generate(&project, now)?;
        let out_dir = self
            .out_dir
            .clone()
            .or_else(|| env::var_os("OUT_DIR").map(PathBuf::from))
            .ok_or(Error::NoOutDir)?;
        let types = out_dir.join(&self.types_file);
        if write::differs(&types, generation.rust.as_bytes()) {
            write::write_atomically(&types, generation.rust.as_bytes())?;
        }
        let names: Vec<String> = generation.files().map(|f| project.relative(&f.path)).collect();
        match mode {
            _ if names.is_empty() => Ok(Vec::new()),
            WriteMode::Check => Err(Error::Unmaterialized { files: names }),
            WriteMode::ReadOnly => Ok(names
                .iter()
                .map(|name| {
                    format!("supaschema: {name} is out of date; not written, because this source tree is read-only")
                })
                .collect()),
            WriteMode::Write => {
                for file in generation.files() {
                    write::write_atomically(&file.path, file.contents.as_bytes())?;
                }
                let wrote = names.iter().map(|name| format!("supaschema: wrote {name}"));
                let notes = generation.notes.iter().map(|note| format!("supaschema: {note}"));
                Ok(wrote.chain(notes).collect())
            }
        }
    }
}

fn manifest_dir() -> PathBuf {
    env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

fn mode_from_environment(root: &Path) -> WriteMode {
    if env::var(CHECK_ENV).is_ok_and(|v| v == "1") {
        WriteMode::Check
    } else if source_is_read_only(root) {
        WriteMode::ReadOnly
    } else {
        WriteMode::Write
    }
}

/// docs.rs, a crate unpacked from a registry or a git checkout of a dependency, and
/// `cargo package`'s verification copy must not be written to.
fn source_is_read_only(root: &Path) -> bool {
    let path = root.to_string_lossy().replace('\\', "/");
    env::var_os("DOCS_RS").is_some()
        || path.contains("/registry/src/")
        || path.contains("/git/checkouts/")
        || path.contains("/target/package/")
}
