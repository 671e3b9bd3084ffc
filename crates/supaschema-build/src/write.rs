//! Stage 5: the migrations folder. Finds existing migration files, picks the next version, and
//! writes files atomically, only when their bytes change.

use crate::error::Error;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// A file in `supabase/migrations/` the Supabase CLI would apply: `<digits>_<name>.sql`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationFile {
    pub path: PathBuf,
    pub version: String,
    pub name: String,
}

impl MigrationFile {
    /// `<version>_<name>.sql`, as the lock records it.
    pub fn file_name(&self) -> String {
        format!("{}_{}.sql", self.version, self.name)
    }
}

/// The migration files directly in `dir` (the CLI ignores sub-folders), in the CLI's order:
/// by file name. A missing folder has none.
pub fn migration_files(dir: &Path) -> Result<Vec<MigrationFile>, Error> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(dir).min_depth(1).max_depth(1).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Read {
            path: dir.to_owned(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let file_name = entry.file_name().to_string_lossy();
        let Some(stem) = file_name.strip_suffix(".sql") else {
            continue;
        };
        let Some((version, name)) = stem.split_once('_') else {
            continue;
        };
        if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
            files.push(MigrationFile {
                path: entry.path().to_owned(),
                version: version.to_owned(),
                name: name.to_owned(),
            });
        }
    }
    Ok(files)
}

const VERSION_FORMAT: &str = "%Y%m%d%H%M%S";

/// The version for a new migration: `now` in UTC as 14 digits, moved past the newest existing
/// version when the clock is behind it, so the new file always sorts (and applies) last.
pub fn next_version(existing: &[MigrationFile], now: DateTime<Utc>) -> String {
    let candidate = now.naive_utc();
    let newest = existing
        .iter()
        .filter(|f| f.version.len() == 14)
        .filter_map(|f| NaiveDateTime::parse_from_str(&f.version, VERSION_FORMAT).ok())
        .max();
    let version = match newest {
        Some(newest) if newest >= candidate => newest + TimeDelta::seconds(1),
        _ => candidate,
    };
    let formatted = version.format(VERSION_FORMAT).to_string();
    // A non-timestamp version (8 digits, say) still has to sort before ours.
    match existing
        .iter()
        .map(|f| f.version.as_str())
        .filter(|v| v.len() != 14)
        .max()
    {
        Some(odd) if odd >= formatted.as_str() => format!("{odd}1"),
        _ => formatted,
    }
}

/// The time new migrations are stamped with: `SOURCE_DATE_EPOCH` when set (reproducible
/// builds), else the clock.
pub fn build_time(source_date_epoch: Option<&str>) -> DateTime<Utc> {
    source_date_epoch
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(Utc::now)
}

/// Whether writing `contents` to `path` would change it.
pub fn differs(path: &Path, contents: &[u8]) -> bool {
    fs::read(path).map_or(true, |existing| existing != contents)
}

/// Writes through a temporary file in the same folder and a rename, so a reader (or a crash)
/// never sees half a file.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let wrap = |source| Error::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(wrap)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(contents).and_then(|()| file.sync_all()))
        .and_then(|()| fs::rename(&temporary, path));
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result.map_err(wrap)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: &str) -> MigrationFile {
        MigrationFile {
            path: PathBuf::from(format!("{version}_x.sql")),
            version: version.into(),
            name: "x".into(),
        }
    }

    #[test]
    fn versions_always_sort_after_existing_ones() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).expect("valid time");
        assert_eq!(next_version(&[], now), "20231114221320");
        assert_eq!(next_version(&[file("20231114221320")], now), "20231114221321");
        assert_eq!(next_version(&[file("20991231235959")], now), "21000101000000");
        assert_eq!(next_version(&[file("20240101000000")], now), "20240101000001");
        assert_eq!(next_version(&[file("20240109")], now), "202401091");
        assert_eq!(next_version(&[file("2023")], now), "20231114221320");
        assert_eq!(next_version(&[file("99999999999999999")], now), "999999999999999991");
    }

    #[test]
    fn reads_source_date_epoch() {
        assert_eq!(build_time(Some("0")).timestamp(), 0);
        assert!(build_time(Some("garbage")).timestamp() > 0);
    }

    #[test]
    fn writes_only_changed_bytes_atomically() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/a.sql");
        assert!(differs(&path, b"x"));
        write_atomically(&path, b"x").expect("written");
        assert!(!differs(&path, b"x"));
        assert_eq!(fs::read_dir(path.parent().expect("parent")).expect("listed").count(), 1);
    }
}
