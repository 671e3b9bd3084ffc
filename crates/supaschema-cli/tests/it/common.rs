//! What only the command-line tests need: the fixture project they run against and a way to
//! run the `supaschema` binary. Databases, history queries and the Supabase CLI come from
//! `supaschema_testkit`.

use std::path::Path;
use supaschema_testkit::{TempProject, fixture};

/// The `multi_tenant` fixture in a temporary folder, built: schema.toml, the initial migration
/// and the lock.
pub fn fixture_project() -> TempProject {
    TempProject::new(&fixture("multi_tenant"))
}

/// The fixture's `workspaces.default_project_id` made NOT NULL: builds, and fails on push
/// against a workspace row that has none.
pub fn require_default_project(project: &mut TempProject) {
    let schema = project.path().join("schema.toml");
    let text = std::fs::read_to_string(&schema).expect("schema");
    let changed = text.replace(
        "default_project_id = { type = \"uuid\", nullable = true, ",
        "default_project_id = { type = \"uuid\", ",
    );
    assert_ne!(changed, text, "the fixture still has a nullable default_project_id");
    std::fs::write(&schema, changed).expect("write schema.toml");
    project.rebuild().expect("the NOT NULL change builds");
}

/// What one run of the `supaschema` binary printed.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `supaschema --project <project> <args>`, with `DATABASE_URL` removed from its
/// environment unless `env` sets it, and no standard input.
pub fn supaschema(project: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_supaschema"));
    command
        .arg("--project")
        .arg(project)
        .args(args)
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("run the supaschema binary");
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The `(kind, object, detail)` of every finding a `--json` run printed, in order; panics
/// unless stdout is exactly one JSON object of that shape.
pub fn json_findings(run: &Run) -> Vec<(String, String, String)> {
    let value: serde_json::Value =
        serde_json::from_str(run.stdout.trim()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{run}"));
    let findings = value["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no \"findings\" array:\n{run}"));
    findings
        .iter()
        .map(|finding| {
            let field = |name: &str| {
                finding[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("finding without a string {name:?}: {finding}"))
                    .to_owned()
            };
            (field("kind"), field("object"), field("detail"))
        })
        .collect()
}
