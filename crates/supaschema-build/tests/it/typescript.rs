//! The supabase-js types: every fixture's `Database` type type-checks with `tsc` and
//! `@supabase/supabase-js` (pinned in the workspace's `package.json`), a dashboard program
//! selects, inserts and updates through it while a wrong column or type does not compile, and
//! the build writes the file at the path the schema names only when its bytes change.

use std::path::{Path, PathBuf};
use std::process::Command;
use supaschema_build::{Renderer, SourceFile, load_schema};
use supaschema_testkit::{FIXTURES, TempProject, fixture, workspace_root};

fn typescript(name: &str) -> String {
    let schema = load_schema(&SourceFile::new(format!("{name}.toml"), fixture(name))).unwrap_or_else(|e| panic!("{e}"));
    Renderer::load(Path::new(""))
        .and_then(|renderer| renderer.typescript(&schema))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// A folder under the workspace's `target/`, so that the workspace's `node_modules/` resolves.
fn scratch(name: &str) -> PathBuf {
    let dir = workspace_root().join("target/typescript-check").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    dir
}

/// Runs the workspace's pinned `tsc` on `files` in `dir`, strict; returns (success, output).
fn tsc(dir: &Path, files: &[&str]) -> (bool, String) {
    let tsc = workspace_root().join("node_modules/.bin/tsc");
    assert!(
        tsc.exists(),
        "{} is missing: run `npm ci` at the workspace root (scripts/test does)",
        tsc.display()
    );
    let output = Command::new(tsc)
        .args([
            "--noEmit",
            "--strict",
            "--skipLibCheck",
            "--target",
            "es2022",
            "--module",
            "esnext",
        ])
        .args(["--moduleResolution", "bundler"])
        .args(files)
        .current_dir(dir)
        .output()
        .expect("run tsc");
    let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn every_fixture_type_checks_and_a_dashboard_uses_it() {
    let dir = scratch("fixtures");
    let mut files = Vec::new();
    for name in FIXTURES {
        let file = format!("{name}.types.ts");
        std::fs::write(dir.join(&file), typescript(name)).expect("write");
        files.push(file);
    }
    std::fs::write(dir.join("database.types.ts"), typescript("minimal")).expect("write");
    std::fs::write(dir.join("dashboard.ts"), include_str!("programs/supabase_js.ts")).expect("write");
    std::fs::write(dir.join("rpc.ts"), include_str!("programs/supabase_js_rpc.ts")).expect("write");
    files.extend(["dashboard.ts".to_owned(), "rpc.ts".to_owned()]);
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let (ok, output) = tsc(&dir, &files);
    assert!(ok, "{output}");

    // The control: without its directive, the wrong column is an error, on its line.
    let program = include_str!("programs/supabase_js.ts").replacen("// @ts-expect-error: no such column", "", 1);
    let line = 1 + program
        .lines()
        .position(|l| l.contains("colour: \"red\""))
        .expect("the line");
    std::fs::write(dir.join("dashboard.ts"), program).expect("write");
    let (ok, output) = tsc(&dir, &["dashboard.ts"]);
    assert!(!ok && output.contains(&format!("dashboard.ts({line},")), "{output}");
}

#[test]
fn the_build_writes_the_types_where_the_schema_says_only_when_they_change() {
    let schema = format!("typescript = \"web/src/database.types.ts\"\n{}", fixture("minimal"));
    let mut project = TempProject::empty();
    let wrote = project.build(&schema).expect("first build");
    let path = project.path().join("web/src/database.types.ts");
    assert!(
        wrote.iter().any(|w| w.contains("web/src/database.types.ts")),
        "{wrote:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).expect("written"), typescript("minimal"));
    let again = project.rebuild().expect("second build");
    assert!(again.is_empty(), "{again:?}");

    let grown = format!("{schema}tag = {{ type = \"text\", nullable = true, class = \"public\" }}\n");
    let wrote = project.build(&grown).expect("build with a new column");
    assert!(
        wrote.iter().any(|w| w.contains("web/src/database.types.ts")),
        "{wrote:?}"
    );
    assert!(
        std::fs::read_to_string(&path)
            .expect("written")
            .contains("tag: string | null")
    );
}

/// As `supabase gen types` has it: a generated column is in `Row`, and `Insert` and `Update`
/// say it is never written; `citext` is a string.
#[test]
fn a_generated_column_is_read_but_never_written() {
    let types = typescript("computed");
    let lines: Vec<&str> = types.lines().map(str::trim).collect();
    let count = |line: &str| lines.iter().filter(|l| **l == line).count();
    assert_eq!(count("search: string"), 1, "{types}");
    assert_eq!(count("search?: never"), 2, "{types}");
    assert_eq!(count("email: string"), 2, "the row and the insert: {types}");
    assert_eq!(count("email?: string"), 1, "the update may set it: {types}");
}

/// An enum type is a union of its values under `Enums` and a list under `Constants`, as
/// `supabase gen types typescript` writes them, and its columns (an array too) are typed by it:
/// a value outside it does not compile.
#[test]
fn enum_types_are_unions_their_columns_use() {
    let text = r#"
[enums.visit_status]
values = ["booked", "no_show", "with space"]

[tables.visits.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "public" }
status = { type = "visit_status", default = "'booked'", class = "public" }
history = { type = "visit_status[]", nullable = true, class = "public" }

[functions.next_status]
args = [{ name = "current", type = "visit_status" }]
returns = "visit_status"
language = "sql"
execute = ["authenticated"]
body = "select current"
"#;
    let schema = load_schema(&SourceFile::new("schema.toml", text)).unwrap_or_else(|e| panic!("{e}"));
    let types = Renderer::load(Path::new(""))
        .and_then(|renderer| renderer.typescript(&schema))
        .unwrap_or_else(|e| panic!("{e}"));
    for expected in [
        "    Enums: {\n      visit_status: \"booked\" | \"no_show\" | \"with space\"\n    }\n",
        "          status: Database[\"public\"][\"Enums\"][\"visit_status\"]\n",
        "          history?: Database[\"public\"][\"Enums\"][\"visit_status\"][] | null\n",
        "    Enums: {\n      visit_status: [\"booked\", \"no_show\", \"with space\"],\n    },\n",
        "        Args: { current: Database[\"public\"][\"Enums\"][\"visit_status\"] }\n        Returns: Database[\"public\"][\"Enums\"][\"visit_status\"]\n",
    ] {
        assert!(types.contains(expected), "{expected}\nnot in:\n{types}");
    }
    let dir = scratch("enums");
    std::fs::write(dir.join("database.types.ts"), &types).expect("write");
    let program = "import { Constants, type Database, type Enums } from \"./database.types\"\n\
        type Visit = Database[\"public\"][\"Tables\"][\"visits\"][\"Row\"]\n\
        const seen: Visit[\"status\"] = \"no_show\"\n\
        const all: readonly Enums<\"visit_status\">[] = Constants.public.Enums.visit_status\n\
        // @ts-expect-error: not a value of the enum\n\
        const wrong: Visit[\"status\"] = \"cancelled\"\n\
        export { all, seen, wrong }\n";
    std::fs::write(dir.join("use.ts"), program).expect("write");
    let (ok, output) = tsc(&dir, &["database.types.ts", "use.ts"]);
    assert!(ok, "{output}");
    std::fs::write(
        dir.join("use.ts"),
        program.replace("// @ts-expect-error: not a value of the enum\n", ""),
    )
    .expect("write");
    let (ok, output) = tsc(&dir, &["use.ts"]);
    assert!(!ok && output.contains("use.ts(5,"), "{output}");
}
