//! The local migration files, listed exactly as the Supabase CLI lists them: files directly in
//! `supabase/migrations/` named `^([0-9]+)_(.*)\.sql$`, in file-name order; sub-folders are
//! ignored, other files are skipped with a warning, and a first file `<14 digits>_init.sql`
//! older than 2021-12-09 is skipped as the CLI's legacy rule says.

use crate::{DeployError, split};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalMigration {
    pub path: PathBuf,
    pub file_name: String,
    pub version: String,
    pub name: String,
}

impl LocalMigration {
    pub fn read(&self) -> Result<String, DeployError> {
        std::fs::read_to_string(&self.path).map_err(|source| DeployError::Read {
            path: self.path.clone(),
            source,
        })
    }

    /// The statements `supabase db push` would record for this file.
    pub fn statements(&self) -> Result<Vec<String>, DeployError> {
        Ok(split::split_and_trim(&self.read()?))
    }

    /// `supabase/migrations/<file>`, the way the CLI names files in its messages.
    pub fn display_path(&self) -> String {
        format!("supabase/migrations/{}", self.file_name)
    }
}

/// The files the CLI would apply, and the warnings it would print for the rest.
#[derive(Clone, Debug, Default)]
pub struct LocalMigrations {
    pub migrations: Vec<LocalMigration>,
    pub warnings: Vec<String>,
}

/// `^([0-9]+)_(.*)\.sql$`: the version and the name, or `None`.
pub fn parse_file_name(file_name: &str) -> Option<(&str, &str)> {
    let stem = file_name.strip_suffix(".sql")?;
    let digits = stem.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || stem.as_bytes().get(digits) != Some(&b'_') {
        return None;
    }
    let name = &stem[digits + 1..];
    if name.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return None;
    }
    Some((&stem[..digits], name))
}

/// Versions of legacy `init` migrations before this are skipped by the CLI.
const LEGACY_INIT_BEFORE: u64 = 20211209000000;

pub fn list(dir: &Path) -> Result<LocalMigrations, DeployError> {
    let mut result = LocalMigrations::default();
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(result),
        Err(source) => {
            return Err(DeployError::Read {
                path: dir.to_owned(),
                source,
            });
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| DeployError::Read {
            path: dir.to_owned(),
            source,
        })?;
        let file_type = entry.file_type().map_err(|source| DeployError::Read {
            path: entry.path(),
            source,
        })?;
        if file_type.is_dir() {
            continue;
        }
        files.push((entry.file_name().to_string_lossy().into_owned(), entry.path()));
    }
    files.sort();
    for (index, (file_name, path)) in files.into_iter().enumerate() {
        if index == 0 && is_legacy_init(&file_name) {
            result.warnings.push(format!(
                "Skipping migration {file_name}... (replace \"init\" with a different file name to apply this migration)"
            ));
            continue;
        }
        match parse_file_name(&file_name) {
            Some((version, name)) => result.migrations.push(LocalMigration {
                version: version.to_owned(),
                name: name.to_owned(),
                file_name: file_name.clone(),
                path,
            }),
            None => result.warnings.push(format!(
                "Skipping migration {file_name}... (file name must match pattern \"<timestamp>_name.sql\")"
            )),
        }
    }
    Ok(result)
}

fn is_legacy_init(file_name: &str) -> bool {
    match file_name.strip_suffix("_init.sql") {
        Some(version) if version.len() == 14 && version.bytes().all(|b| b.is_ascii_digit()) => {
            version.parse::<u64>().is_ok_and(|v| v < LEGACY_INIT_BEFORE)
        }
        _ => false,
    }
}

/// Versions that more than one local file uses (the second one would fail on push).
pub fn duplicate_versions(migrations: &[LocalMigration]) -> Vec<String> {
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for migration in migrations {
        *seen.entry(migration.version.as_str()).or_default() += 1;
    }
    seen.into_iter()
        .filter(|(_, count)| *count > 1)
        .map(|(version, _)| version.to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_cli_pattern() {
        assert_eq!(
            parse_file_name("20240101000000_init.sql"),
            Some(("20240101000000", "init"))
        );
        assert_eq!(parse_file_name("20240109_short.sql"), Some(("20240109", "short")));
        assert_eq!(parse_file_name("20240111000000_.sql"), Some(("20240111000000", "")));
        assert_eq!(parse_file_name("1_a_b.sql"), Some(("1", "a_b")));
        for rejected in [
            "README.md",
            "foo.sql",
            "20240110000000-dash.sql",
            "20240112000000_upper.SQL",
            "_x.sql",
        ] {
            assert_eq!(parse_file_name(rejected), None, "{rejected}");
        }
    }

    #[test]
    fn lists_like_the_cli() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in [
            "20240102000000_b.sql",
            "20240101000000_a.sql",
            "notes.md",
            "20240103000000_c.SQL",
        ] {
            std::fs::write(dir.path().join(name), "select 1;").expect("write");
        }
        std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
        std::fs::write(dir.path().join("sub/20240104000000_d.sql"), "").expect("write");
        let listed = list(dir.path()).expect("listed");
        let versions: Vec<&str> = listed.migrations.iter().map(|m| m.version.as_str()).collect();
        assert_eq!(versions, ["20240101000000", "20240102000000"]);
        assert_eq!(listed.warnings.len(), 2, "{:?}", listed.warnings);
        assert!(list(&dir.path().join("missing")).expect("empty").migrations.is_empty());
    }

    #[test]
    fn skips_a_legacy_init_file_first_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("20211208000000_init.sql"), "").expect("write");
        std::fs::write(dir.path().join("20230101000000_init.sql"), "").expect("write");
        let listed = list(dir.path()).expect("listed");
        assert_eq!(listed.migrations.len(), 1);
        assert_eq!(listed.migrations[0].version, "20230101000000");
    }
}
