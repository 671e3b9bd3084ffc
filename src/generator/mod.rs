//! The generator: `schema.toml` in; migration SQL and Rust types out. One module per stage:
//! [`read`] → [`validate`] → [`plan`] → [`render`] → [`write`]. This module tree is compiled
//! into the library and, unchanged, into `build.rs`, so it refers to itself only through
//! `super::` paths.

pub mod build_script;
pub mod error;
pub mod expr;
pub mod ident;
pub mod model;
pub mod order;
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
}

/// The name of the migration that creates the whole schema.
pub const INITIAL_MIGRATION: &str = "initial_schema";

/// Validates a schema text and renders its initial migration and Rust types, touching no file
/// but the templates it reads.
pub fn render_schema(source: &SourceFile, templates: &Path) -> Result<(Schema, String, String), Error> {
    let schema = validate::load(source)?;
    let renderer = Renderer::from_dir(templates)?;
    let sql = renderer.migration(INITIAL_MIGRATION, &plan::initial(&schema), &schema)?;
    let rust = renderer.rust(&schema)?;
    Ok((schema, sql, rust))
}

/// Runs the whole pipeline for a project in memory. The initial migration keeps its file
/// (and version) once written; until the schema is deployed it is regenerated in place.
pub fn generate(project: &Project, now: chrono::DateTime<chrono::Utc>) -> Result<Generation, Error> {
    let source = project.schema_source()?;
    let (schema, sql, rust) = render_schema(&source, &project.templates_dir())?;
    let existing = write::migration_files(&project.migrations_dir())?;
    let path = match existing.iter().find(|f| f.name == INITIAL_MIGRATION) {
        Some(initial) => initial.path.clone(),
        None => {
            let version = write::next_version(&existing, now);
            project
                .migrations_dir()
                .join(format!("{version}_{INITIAL_MIGRATION}.sql"))
        }
    };
    let migrations = if write::differs(&path, sql.as_bytes()) {
        vec![PlannedFile { path, contents: sql }]
    } else {
        Vec::new()
    };
    Ok(Generation {
        schema,
        rust,
        migrations,
    })
}
