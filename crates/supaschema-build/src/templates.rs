//! The templates: the defaults embedded in this crate, each replaced by the file of the same
//! name in a project's own `templates/` folder when there is one, so a project overrides one
//! template without copying the rest.

use crate::error::Error;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Declares the embedded defaults, by name relative to `templates/`.
macro_rules! defaults {
    ($($name:literal),* $(,)?) => {
        /// Every default template: its name and its text.
        pub(crate) const DEFAULTS: &[(&str, &str)] = &[$(($name, include_str!(concat!("../templates/", $name)))),*];
    };
}

defaults![
    "functions/audit_row_change.sql",
    "functions/read_rows.sql",
    "functions/reject_change.sql",
    "functions/set_updated_at.sql",
    "pgtap/table.test.sql",
    "report/data-protection.md",
    "rust/types.rs",
    "sql/add_column.sql",
    "sql/add_constraint.sql",
    "sql/add_enum_value.sql",
    "sql/add_not_null_check.sql",
    "sql/alter_column.sql",
    "sql/attach_key.sql",
    "sql/check_rows.sql",
    "sql/comment_on.sql",
    "sql/create_bucket_policy.sql",
    "sql/create_enum.sql",
    "sql/create_extension.sql",
    "sql/create_function.sql",
    "sql/create_index.sql",
    "sql/create_membership_lookup.sql",
    "sql/create_policy.sql",
    "sql/create_role.sql",
    "sql/create_schema.sql",
    "sql/create_table.sql",
    "sql/create_trigger.sql",
    "sql/delete_bucket.sql",
    "sql/drop_bucket_policy.sql",
    "sql/drop_column.sql",
    "sql/drop_constraint.sql",
    "sql/drop_enum.sql",
    "sql/drop_extension.sql",
    "sql/drop_function.sql",
    "sql/drop_index.sql",
    "sql/drop_membership_lookup.sql",
    "sql/drop_policy.sql",
    "sql/drop_table.sql",
    "sql/drop_trigger.sql",
    "sql/grant_function.sql",
    "sql/grant_table.sql",
    "sql/migration.sql",
    "sql/parts/column.sql",
    "sql/parts/constraint.sql",
    "sql/parts/index.sql",
    "sql/parts/policy.sql",
    "sql/parts/probe.sql",
    "sql/parts/trigger.sql",
    "sql/rename_column.sql",
    "sql/rename_enum_value.sql",
    "sql/rename_policy.sql",
    "sql/rename_relation.sql",
    "sql/rename_table.sql",
    "sql/rename_trigger.sql",
    "sql/set_aside_enum.sql",
    "sql/set_default_grants.sql",
    "sql/set_not_null.sql",
    "sql/set_realtime.sql",
    "sql/set_rls.sql",
    "sql/upsert_bucket.sql",
    "sql/validate_constraint.sql",
    "typescript/database.ts",
];

/// A template's name and text, and the project's file it was read from when it overrides the
/// default (for error messages).
pub(crate) struct Template {
    pub name: String,
    pub text: String,
    pub file: Option<PathBuf>,
}

/// The defaults, with every file under `overrides` (when the folder exists) in place of the
/// default of the same name. A file that replaces no default is refused, unless it is a shared
/// piece under a `parts/` folder that an override includes; `README.md` files are skipped.
pub(crate) fn load(overrides: &Path) -> Result<Vec<Template>, Error> {
    let mut templates: Vec<Template> = DEFAULTS
        .iter()
        .map(|(name, text)| Template {
            name: (*name).to_owned(),
            text: (*text).to_owned(),
            file: None,
        })
        .collect();
    if overrides.as_os_str().is_empty() || !overrides.is_dir() {
        return Ok(templates);
    }
    for entry in WalkDir::new(overrides).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::Read {
            path: overrides.to_owned(),
            source: e.into(),
        })?;
        if !entry.file_type().is_file() || entry.file_name().eq_ignore_ascii_case("README.md") {
            continue;
        }
        let path = entry.path();
        let name = path
            .strip_prefix(overrides)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let file = Some(path.to_owned());
        match templates.iter_mut().find(|t| t.name == name) {
            Some(default) => *default = Template { name, text, file },
            None if name.split('/').any(|part| part == "parts") => templates.push(Template { name, text, file }),
            None => {
                return Err(Error::UnknownTemplate {
                    path: path.to_owned(),
                    closest: closest_default(&name),
                });
            }
        }
    }
    Ok(templates)
}

/// The default whose name is nearest to `name`, for a misspelt override.
fn closest_default(name: &str) -> Option<&'static str> {
    DEFAULTS
        .iter()
        .map(|(default, _)| (strsim::levenshtein(name, default), *default))
        .filter(|(distance, _)| *distance <= 3)
        .min()
        .map(|(_, default)| default)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The list above names every file under `templates/`, so none is left out of the crate.
    #[test]
    fn every_template_file_is_embedded() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut files: Vec<String> = WalkDir::new(&dir)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(&dir)
                    .unwrap_or(e.path())
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        files.sort();
        let embedded: Vec<String> = DEFAULTS.iter().map(|(name, _)| (*name).to_owned()).collect();
        assert_eq!(embedded, files);
    }

    #[test]
    fn an_override_replaces_one_default_and_keeps_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("sql")).expect("mkdir");
        std::fs::write(dir.path().join("sql/comment_on.sql"), "-- mine").expect("write");
        std::fs::write(dir.path().join("README.md"), "{{ not a template").expect("write");
        let templates = load(dir.path()).expect("loads");
        assert_eq!(templates.len(), DEFAULTS.len());
        let comment = templates
            .iter()
            .find(|t| t.name == "sql/comment_on.sql")
            .expect("present");
        assert_eq!(comment.text, "-- mine");
        let table = templates
            .iter()
            .find(|t| t.name == "sql/create_table.sql")
            .expect("present");
        assert_eq!(table.file, None);
    }

    #[test]
    fn a_misspelt_override_is_refused_with_the_name_it_meant() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("sql")).expect("mkdir");
        std::fs::write(dir.path().join("sql/create_tabel.sql"), "-- typo").expect("write");
        match load(dir.path()) {
            Err(Error::UnknownTemplate { closest, .. }) => assert_eq!(closest, Some("sql/create_table.sql")),
            other => panic!("expected UnknownTemplate, got {:?}", other.map(|t| t.len())),
        }
    }
}
