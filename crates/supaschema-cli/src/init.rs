//! `supaschema init`: a new project that builds at once, or the same files added to an existing
//! Supabase project folder (whose `supabase/` is kept as it is).

use crate::DeployError;
use std::path::{Path, PathBuf};

const SCHEMA: &str = include_str!("init/schema.toml");
const BUILD_RS: &str = include_str!("init/build.rs");
const LIB_RS: &str = include_str!("init/lib.rs");
const SUPABASE_CONFIG: &str = include_str!("init/config.toml");
const SEED: &str = include_str!("init/seed.sql");
const GITIGNORE: &str = include_str!("init/gitignore");
const TEMPLATES_README: &str = include_str!("init/templates.md");

/// How the new project depends on the supaschema crates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// By version, from the registry.
    Registry,
    /// As path dependencies on a checkout of the supaschema workspace.
    Checkout(PathBuf),
}

/// The files `init` writes, relative to the project folder, with their contents; files that
/// exist already are left out (an existing Supabase project keeps its `supabase/`).
pub fn plan(dir: &Path, source: &Source) -> Result<Vec<(PathBuf, String)>, DeployError> {
    for owned in ["Cargo.toml", "schema.toml", "build.rs", "src/lib.rs"] {
        if dir.join(owned).exists() {
            return Err(DeployError::ProjectExists { path: dir.join(owned) });
        }
    }
    let name = package_name(dir);
    let files = [
        ("Cargo.toml", manifest(&name, source)?),
        ("build.rs", BUILD_RS.to_owned()),
        ("schema.toml", SCHEMA.to_owned()),
        ("src/lib.rs", LIB_RS.to_owned()),
        ("templates/README.md", TEMPLATES_README.to_owned()),
        ("supabase/config.toml", SUPABASE_CONFIG.replace("{project_id}", &name)),
        ("supabase/seed.sql", SEED.to_owned()),
        ("supabase/migrations/.gitkeep", String::new()),
        (".gitignore", GITIGNORE.to_owned()),
    ];
    Ok(files
        .into_iter()
        .map(|(path, contents)| (PathBuf::from(path), contents))
        .filter(|(path, _)| !dir.join(path).exists())
        .collect())
}

/// Writes the planned files; returns their paths relative to `dir`.
pub fn run(dir: &Path, source: &Source) -> Result<Vec<String>, DeployError> {
    let files = plan(dir, source)?;
    for (path, contents) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| DeployError::Write {
                path: parent.to_owned(),
                source,
            })?;
        }
        std::fs::write(&path, contents).map_err(|source| DeployError::Write { path, source })?;
    }
    Ok(files.iter().map(|(path, _)| path.display().to_string()).collect())
}

/// The folder's name as a Cargo package name: lower case, `-` for anything else.
fn package_name(dir: &Path) -> String {
    let folder = std::path::absolute(dir)
        .ok()
        .and_then(|path| path.file_name().map(|name| name.to_string_lossy().into_owned()))
        .unwrap_or_default();
    let mut name: String = folder
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    name = name.trim_matches('-').to_owned();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        name.insert_str(0, "app-");
    }
    name
}

fn manifest(name: &str, source: &Source) -> Result<String, DeployError> {
    let dependency = |crate_name: &str| -> Result<String, DeployError> {
        match source {
            Source::Registry => Ok(format!("{crate_name} = \"{}\"", env!("CARGO_PKG_VERSION"))),
            Source::Checkout(checkout) => {
                let crate_dir = checkout.join("crates").join(crate_name);
                let absolute = crate_dir
                    .canonicalize()
                    .map_err(|_| DeployError::NotACheckout { path: checkout.clone() })?;
                // TOML basic strings escape `\` and `"`; a literal string could not hold a `'`.
                let path = absolute
                    .display()
                    .to_string()
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"");
                Ok(format!("{crate_name} = {{ path = \"{path}\" }}"))
            }
        }
    };
    Ok(format!(
        "[package]\n\
         name = \"{name}\"\n\
         version = \"0.1.0\"\n\
         edition = \"2024\"\n\
         publish = false\n\
         \n\
         [dependencies]\n\
         # The runtime the generated types use; it re-exports serde, postgres, uuid and chrono.\n\
         {}\n\
         \n\
         [build-dependencies]\n\
         # Generates the migrations and types from schema.toml (build.rs).\n\
         {}\n",
        dependency("supaschema")?,
        dependency("supaschema-build")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_follow_cargo_rules() {
        assert_eq!(package_name(Path::new("/tmp/My Clinic")), "my-clinic");
        assert_eq!(package_name(Path::new("/tmp/2026_app")), "app-2026_app");
    }

    #[test]
    fn an_existing_project_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("Cargo.toml"), "[package]").expect("write");
        assert!(matches!(
            plan(dir.path(), &Source::Registry),
            Err(DeployError::ProjectExists { .. })
        ));
    }

    #[test]
    fn an_existing_supabase_folder_is_kept() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("supabase/migrations")).expect("mkdir");
        std::fs::write(dir.path().join("supabase/config.toml"), "project_id = \"mine\"").expect("write");
        let planned: Vec<PathBuf> = plan(dir.path(), &Source::Registry)
            .expect("plans")
            .into_iter()
            .map(|(path, _)| path)
            .collect();
        assert!(!planned.contains(&PathBuf::from("supabase/config.toml")), "{planned:?}");
        assert!(planned.contains(&PathBuf::from("schema.toml")), "{planned:?}");
    }

    #[test]
    fn the_sample_schema_is_valid() {
        supaschema_build::load_schema(&supaschema_build::SourceFile::new("schema.toml", SCHEMA))
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
