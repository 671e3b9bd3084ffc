//! The committed data-protection report, `docs/data-protection.md`, is the one `schema.toml`
//! gives (so `supaschema check` passes only while it is current), and it says what the spec
//! promises: every table holding PHI is audited, and deleting a doctor's login never erases
//! their records.

use crate::common::project_root;
use supaschema_build::Project;
use supaschema_cli::report;

#[test]
fn the_committed_report_is_current() {
    let project = Project::new(project_root());
    assert!(
        report::is_generated(&project),
        "docs/data-protection.md is the generated report"
    );
    assert_eq!(
        report::stale(&project).expect("the report renders"),
        None,
        "run `cargo run -q --bin supaschema -- report` and commit docs/data-protection.md"
    );
    let text = std::fs::read_to_string(report::path(&project)).expect("read the report");
    assert!(!text.contains("no audit trigger watches"), "a PHI table is not audited");
    let to_users: Vec<&str> = text.lines().filter(|l| l.contains("| `auth.users (id)` |")).collect();
    assert_eq!(to_users.len(), 6, "the six owned tables refer to their doctor");
    assert!(
        to_users
            .iter()
            .all(|l| l.ends_with("| restrict: refused while any of these rows refers to it |")),
        "{to_users:#?}"
    );
}
