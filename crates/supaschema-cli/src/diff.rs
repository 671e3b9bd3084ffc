//! `supaschema diff`: prints the migration the next `cargo build` would write, and writes
//! nothing.

use crate::DeployError;
use std::io::Write;
use supaschema_build::{PlannedFile, Project};

/// The files the next build would write (empty when the migrations hold `schema.toml`).
pub fn planned(project: &Project) -> Result<Vec<PlannedFile>, DeployError> {
    let now = supaschema_build::build_time(std::env::var("SOURCE_DATE_EPOCH").ok().as_deref());
    Ok(supaschema_build::generate(project, now)?.migrations)
}

/// Prints each planned file under a header naming it. Returns how many there are.
pub fn print(project: &Project, files: &[PlannedFile], out: &mut dyn Write, err: &mut dyn Write) -> usize {
    if files.is_empty() {
        let _ = writeln!(err, "No changes: the migrations already hold schema.toml.");
        return 0;
    }
    for file in files {
        let relative = file.path.strip_prefix(&project.root).unwrap_or(&file.path);
        let action = if file.path.exists() {
            "would be rewritten"
        } else {
            "would be written"
        };
        let _ = writeln!(out, "-- {} {action}:", relative.display());
        let _ = write!(out, "{}", file.contents);
        if !file.contents.ends_with('\n') {
            let _ = writeln!(out);
        }
    }
    files.len()
}
