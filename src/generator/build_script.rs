//! What `build.rs` does, as library code: generate, write the Rust types into `OUT_DIR`, and
//! write migrations into `supabase/migrations/` only when they change and only where the
//! source tree is the user's own.

use super::error::Error;
use super::{Project, generate, write};
use chrono::{DateTime, Utc};
use std::env;
use std::path::{Path, PathBuf};

/// Set to `1` to fail the build, instead of writing, when `schema.toml` has changes that no
/// migration holds yet (for CI).
pub const CHECK_ENV: &str = "SUPASCHEMA_CHECK";

/// The file in `OUT_DIR` that `src/lib.rs` includes.
pub const TYPES_FILE: &str = "schema.rs";

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

/// Runs the build script. Cargo's environment tells where the project and `OUT_DIR` are.
pub fn run() -> Result<(), Error> {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap_or_else(|| ".".into()));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap_or_else(|| ".".into()));
    let project = Project::new(&root);
    for path in [
        project.schema_path(),
        project.templates_dir(),
        project.migrations_dir(),
        project.lock_path(),
    ] {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    for var in [CHECK_ENV, "SOURCE_DATE_EPOCH", "DOCS_RS"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let mode = if env::var(CHECK_ENV).is_ok_and(|v| v == "1") {
        WriteMode::Check
    } else if source_is_read_only(&root) {
        WriteMode::ReadOnly
    } else {
        WriteMode::Write
    };
    let now = write::build_time(env::var("SOURCE_DATE_EPOCH").ok().as_deref());
    for line in build(&project, &out_dir, mode, now)? {
        println!("cargo:warning={line}");
    }
    Ok(())
}

/// Generates in memory, then writes the types into `out_dir` and the migrations as `mode`
/// allows. Returns what to tell the user. Nothing is written when generation fails.
pub fn build(project: &Project, out_dir: &Path, mode: WriteMode, now: DateTime<Utc>) -> Result<Vec<String>, Error> {
    let generation = generate(project, now)?;
    let types = out_dir.join(TYPES_FILE);
    if write::differs(&types, generation.rust.as_bytes()) {
        write::write_atomically(&types, generation.rust.as_bytes())?;
    }
    let relative = |path: &Path| path.strip_prefix(&project.root).unwrap_or(path).display().to_string();
    let names: Vec<String> = generation.files().map(|f| relative(&f.path)).collect();
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
            Ok(names.iter().map(|name| format!("supaschema: wrote {name}")).collect())
        }
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
