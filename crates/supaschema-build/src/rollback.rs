//! The reverses of the generated migrations, as the lock records them, for `supaschema
//! rollback`: grouped by change (a migration and the file that continues it are undone
//! together), each with its reverse read and checked against its recorded checksum, or the
//! reason it has none.

use crate::Project;
use crate::error::Error;
use crate::lock;
use crate::write::{self, MigrationFile};
use std::path::PathBuf;

/// One change the generator wrote: its migration files, oldest first, and its reverse.
#[derive(Debug)]
pub struct Change {
    pub migrations: Vec<MigrationFile>,
    pub reverse: Result<ReverseFile, NoReverse>,
}

/// A reverse ready to run.
#[derive(Debug)]
pub struct ReverseFile {
    pub path: PathBuf,
    pub sql: String,
    /// What running it destroys, one sentence each; empty when it loses no data.
    pub losses: Vec<String>,
}

/// Why a generated change cannot be rolled back.
#[derive(Debug, thiserror::Error)]
pub enum NoReverse {
    #[error("{file} was generated before supaschema wrote reverses, and has none")]
    Older { file: String },
    #[error("{file} has no reverse: {why}")]
    Irreversible { file: String, why: String },
    #[error("{reverse}, the reverse of {file} that the lock records, is missing")]
    Missing { file: String, reverse: String },
    #[error("{reverse} was edited after it was generated, and may not undo {file}")]
    Edited { file: String, reverse: String },
}

impl NoReverse {
    /// The way on.
    pub fn help(&self) -> &'static str {
        match self {
            NoReverse::Older { .. } | NoReverse::Irreversible { .. } => {
                "change the schema back in schema.toml and push the migration cargo build writes"
            }
            NoReverse::Missing { .. } | NoReverse::Edited { .. } => {
                "restore the reverse from version control as it was generated"
            }
        }
    }
}

/// Every generated change the lock records, oldest first, with its reverse. The migrations
/// are checked against the lock first, as the build checks them; a project without a lock
/// has none.
pub fn changes(project: &Project) -> Result<Vec<Change>, Error> {
    let Some((lock, _)) = lock::read(&project.lock_path)? else {
        return Ok(Vec::new());
    };
    let files = write::migration_files(&project.migrations_dir)?;
    lock::verify(&lock, &files, &project.lock_path)?;
    let mut changes: Vec<Change> = Vec::new();
    for locked in &lock.migrations {
        let Some(file) = files.iter().find(|f| f.file_name() == locked.file).cloned() else {
            continue;
        };
        match changes.last_mut() {
            Some(change) if locked.continues => change.migrations.push(file),
            _ => changes.push(Change {
                migrations: vec![file],
                reverse: reverse_of(project, locked),
            }),
        }
    }
    Ok(changes)
}

fn reverse_of(project: &Project, locked: &lock::LockedMigration) -> Result<ReverseFile, NoReverse> {
    let file = locked.file.clone();
    if let Some(why) = &locked.irreversible {
        return Err(NoReverse::Irreversible { file, why: why.clone() });
    }
    let Some(reverse) = &locked.reverse else {
        return Err(NoReverse::Older { file });
    };
    let path = project.rollbacks_dir.join(&reverse.file);
    let shown = project.relative(&path);
    let Ok(sql) = std::fs::read_to_string(&path) else {
        return Err(NoReverse::Missing { file, reverse: shown });
    };
    if lock::checksum(&sql) != reverse.sha256 {
        return Err(NoReverse::Edited { file, reverse: shown });
    }
    Ok(ReverseFile {
        path,
        sql,
        losses: reverse.losses.clone(),
    })
}
