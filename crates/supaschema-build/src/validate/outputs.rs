//! Where generated files other than the migrations go: `typescript = "…"`, the supabase-js
//! types, a path inside the project so that a build never writes outside it.

use super::{Result, Validator};
use crate::error::Problem;
use crate::read::Name;
use std::path::{Component, Path};

impl Validator<'_> {
    /// A relative path of plain components (no `..`, no root) to a `.ts` file.
    pub(super) fn typescript_path(&self, raw: &Name) -> Result<String> {
        let text = raw.get_ref();
        let path = Path::new(text);
        let inside = path.components().all(|c| matches!(c, Component::Normal(_)));
        if inside && text.ends_with(".ts") && !text.contains('\\') {
            Ok(text.clone())
        } else {
            Err(self.error(raw.span(), Problem::BadTypescriptPath { path: text.clone() }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{accepts, rejects};
    use crate::error::Problem;

    const TABLE: &str = "[tables.t.columns]\nid = { type = \"uuid\", primary_key = true, class = \"public\" }\n";

    #[test]
    fn accepts_a_path_inside_the_project() {
        let schema = accepts(&format!("typescript = \"web/src/database.types.ts\"\n{TABLE}"));
        assert_eq!(schema.typescript.as_deref(), Some("web/src/database.types.ts"));
        assert_eq!(accepts(TABLE).typescript, None);
    }

    #[test]
    fn refuses_a_path_outside_the_project_or_not_typescript() {
        for path in [
            "../web/types.ts",
            "/tmp/types.ts",
            "web/types.js",
            "web\\\\types.ts",
            "",
        ] {
            rejects(
                &format!("typescript = \"{path}\"\n{TABLE}"),
                1,
                Problem::BadTypescriptPath {
                    path: path.replace("\\\\", "\\"),
                },
            );
        }
    }
}
