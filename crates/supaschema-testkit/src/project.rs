//! Projects in temporary folders, built with the same code as a `build.rs`, and the proof that
//! a database reached through migrations equals a fresh build.

use crate::{Grants, TestDb};
use std::path::{Path, PathBuf};
use supaschema_build::rollback::ReverseFile;
use supaschema_build::{Config, WriteMode};
use supaschema_cli::catalog::{Catalog, read_catalog};

/// A project in a temporary folder (`schema.toml`, `supabase/`, optionally `templates/`),
/// built with a clock that moves a minute per build.
pub struct TempProject {
    pub dir: tempfile::TempDir,
    out: tempfile::TempDir,
    clock: i64,
}

impl TempProject {
    /// A project whose first build has written the initial migration and the lock.
    pub fn new(schema: &str) -> TempProject {
        let mut project = TempProject::empty();
        project
            .build(schema)
            .unwrap_or_else(|e| panic!("initial build failed: {e}"));
        project
    }

    /// An empty folder, not built yet.
    pub fn empty() -> TempProject {
        TempProject {
            dir: tempfile::Builder::new()
                .prefix("supaschema-project-")
                .tempdir()
                .expect("create a temporary project directory"),
            out: tempfile::tempdir().expect("out dir"),
            clock: 1_900_000_000,
        }
    }

    /// A copy of the project at `root`: its `schema.toml`, `templates/` and `supabase/`, without
    /// dot-files. Not built.
    pub fn copy_of(root: &Path) -> TempProject {
        let project = TempProject::empty();
        std::fs::copy(root.join("schema.toml"), project.path().join("schema.toml")).expect("copy schema.toml");
        for folder in ["templates", "supabase"] {
            if root.join(folder).is_dir() {
                copy_tree(&root.join(folder), &project.path().join(folder));
            }
        }
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The generator's settings for this project, writing, at the project's clock.
    pub fn config(&self) -> Config {
        let now = chrono::DateTime::from_timestamp(self.clock, 0).expect("valid time");
        let mut config = Config::new();
        config
            .root(self.path())
            .out_dir(self.out.path())
            .write_mode(WriteMode::Write)
            .build_time(now);
        config
    }

    pub fn project(&self) -> supaschema_build::Project {
        self.config().project()
    }

    /// Writes `schema` as schema.toml and builds; returns what the build said it wrote.
    pub fn build(&mut self, schema: &str) -> Result<Vec<String>, supaschema_build::Error> {
        std::fs::write(self.path().join("schema.toml"), schema).expect("write schema.toml");
        self.rebuild()
    }

    /// Builds the schema.toml that is there, a minute after the last build.
    pub fn rebuild(&mut self) -> Result<Vec<String>, supaschema_build::Error> {
        self.clock += 60;
        self.config().run()
    }

    /// The Rust types the last build wrote.
    pub fn types(&self) -> String {
        std::fs::read_to_string(self.out.path().join("schema.rs")).expect("the build wrote schema.rs")
    }

    pub fn migrations_dir(&self) -> PathBuf {
        self.path().join("supabase/migrations")
    }

    /// The migration files in order, with their text.
    pub fn migrations(&self) -> Vec<(String, String)> {
        self.migration_files()
            .into_iter()
            .map(|path| {
                let name = path.file_name().expect("name").to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&path).expect("readable migration");
                (name, text)
            })
            .collect()
    }

    /// The migration files, sorted by name.
    pub fn migration_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = match std::fs::read_dir(self.migrations_dir()) {
            Ok(entries) => entries
                .map(|e| e.expect("entry").path())
                .filter(|p| p.is_file())
                .collect(),
            Err(_) => Vec::new(),
        };
        files.sort();
        files
    }

    /// The reverse of the change whose first migration file is `file`, or why it has none.
    pub fn reverse(&self, file: &str) -> Result<ReverseFile, String> {
        let changes = supaschema_build::rollback::changes(&self.project()).expect("the lock and migrations agree");
        let change = changes
            .into_iter()
            .find(|c| c.migrations[0].file_name() == file)
            .unwrap_or_else(|| panic!("no change starts with {file}"));
        change.reverse.map_err(|why| why.to_string())
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

    /// Applies every migration file in order to `db`.
    pub fn migrate(&self, db: &mut TestDb) {
        for (name, sql) in self.migrations() {
            db.execute(&sql, &name);
        }
    }

    /// Removes every migration and the lock that records them, for a test that writes its own
    /// hand-written ones.
    pub fn clear_migrations(&self) {
        for file in self.migration_files() {
            std::fs::remove_file(file).expect("remove");
        }
        let lock = self.project().lock_path;
        if lock.exists() {
            std::fs::remove_file(lock).expect("remove the lock");
        }
    }

    /// Writes `supabase/migrations/<file>`.
    pub fn add_migration(&self, file: &str, sql: &str) -> PathBuf {
        std::fs::create_dir_all(self.migrations_dir()).expect("create supabase/migrations");
        let path = self.migrations_dir().join(file);
        std::fs::write(&path, sql).expect("write migration");
        path
    }

    /// Every file under supabase/, with its bytes, to prove a failed build changed nothing.
    pub fn snapshot(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(self.path().join("supabase"))
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
pub fn comparable(mut catalog: Catalog) -> Catalog {
    for table in catalog.tables.values_mut() {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
    }
    catalog
}

/// The database `db` reached through migrations holds the same catalog as a fresh database
/// built from `schema` alone; `context` names the case in failure messages.
pub fn assert_same_as_fresh(project: &TempProject, db: &mut TestDb, schema: &str, context: &str) {
    let (_, sql, _) = supaschema_build::render_schema(
        &supaschema_build::SourceFile::new("schema.toml", schema),
        Some(&project.project().templates_dir),
    )
    .unwrap_or_else(|e| panic!("{context}: {e}"));
    let mut fresh = TestDb::new(Grants::Explicit);
    fresh
        .client
        .batch_execute(&sql)
        .unwrap_or_else(|e| panic!("{context}: fresh build failed: {e:?}"));
    let incremental = comparable(read_catalog(&mut db.client).expect("catalog"));
    let expected = comparable(read_catalog(&mut fresh.client).expect("catalog"));
    for (name, table) in &expected.tables {
        assert_eq!(
            incremental.tables.get(name),
            Some(table),
            "{context}: table {name}\nschema:\n{schema}"
        );
    }
    assert_eq!(incremental, expected, "{context}\nschema:\n{schema}");
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
