//! A corpus of malformed, inconsistent and hostile `schema.toml` inputs. Each case is a small
//! schema that passes every check ([`BASE`]) with one thing changed, and names the exact error it
//! must produce: the [`Problem`], the line it points at, and the rendered message with that line
//! and the problem's help. A few variants that look hostile but are fine must pass, so the checks
//! are shown to be no broader than they should be.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use supaschema::Actor;
use supaschema_build::{Config, Error, MAX_SCHEMA_BYTES, Problem, SourceFile, WriteMode, render_schema};
use supaschema_testkit::{Grants, TestDb};

/// A small schema that passes every check. Every case below changes one thing in it.
const BASE: &str = r#"# A small schema that passes every check; each case changes one thing.
extensions = ["btree_gist"]
audit_table = "audit_logs"

[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[functions.stamp]
returns = "trigger"
language = "plpgsql"
body = '''
begin
  new.body = trim(new.body);
  return new;
end;
'''

[functions.note_count]
returns = "integer"
language = "sql"
security = "definer"
execute = ["authenticated"]
body = "select count(*)::integer from public.notes"

[tables.notes]
owner = { column = "user_id" }
updated_at = true
audit = true
checks = [{ name = "notes_body_short", expr = "char_length(body) <= 10000" }]
indexes = [{ columns = ["user_id", "created_at"] }]
triggers = [{ name = "notes_stamp", timing = "before", events = ["insert"], function = "stamp" }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
user_id = { type = "uuid", references = { table = "auth.users", column = "id", on_delete = "cascade" }, class = "administrative", allow = ["cascade_phi"] }
body = { type = "text", class = "phi" }
status = { type = "text", values = ["draft", "sent"], default = "'draft'", class = "administrative" }
created_at = { type = "timestamptz", default = "now()", class = "administrative" }
updated_at = { type = "timestamptz", default = "now()", class = "administrative" }

[tables.replies]
owner = { via = "note_id" }
indexes = [{ columns = ["note_id"] }]

[tables.replies.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
note_id = { type = "uuid", references = { table = "notes", column = "id", on_delete = "cascade" }, class = "administrative" }
content = { type = "text", class = "phi" }

[tables.tags]
indexes = [{ columns = ["label"], where = "label <> ''" }]

[tables.tags.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
label = { type = "text", class = "public", check = "char_length(label) between 1 and 40" }

[[tables.tags.policies]]
name = "tags_read"
command = "select"
roles = ["authenticated"]
using = "(select auth.uid()) is not null"

[[tables.tags.policies]]
name = "tags_add"
command = "insert"
roles = ["authenticated"]
with_check = "(select auth.uid()) is not null"

[tables.audit_logs]
append_only = true
grants = { service_role = ["select"] }

[tables.audit_logs.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
actor_id = { type = "uuid", nullable = true, class = "administrative" }
actor_role = { type = "text", class = "administrative" }
action = { type = "text", class = "administrative" }
table_name = { type = "text", class = "administrative" }
record_id = { type = "uuid", nullable = true, class = "administrative" }
changed_columns = { type = "text[]", default = "'{}'", class = "administrative" }
occurred_at = { type = "timestamptz", default = "now()", class = "administrative" }
"#;

/// Lines of [`BASE`] that cases change or point at.
const NOTES_STATUS: &str =
    r#"status = { type = "text", values = ["draft", "sent"], default = "'draft'", class = "administrative" }"#;
const NOTE_ID: &str = r#"note_id = { type = "uuid", references = { table = "notes", column = "id", on_delete = "cascade" }, class = "administrative" }"#;
const TAGS_LABEL: &str =
    r#"label = { type = "text", class = "public", check = "char_length(label) between 1 and 40" }"#;
const TAGS_INDEX: &str = r#"indexes = [{ columns = ["label"], where = "label <> ''" }]"#;
const NOTES_INDEX: &str = r#"indexes = [{ columns = ["user_id", "created_at"] }]"#;
const NOTES_TRIGGER: &str =
    r#"triggers = [{ name = "notes_stamp", timing = "before", events = ["insert"], function = "stamp" }]"#;
const REPLIES_INDEX: &str = r#"indexes = [{ columns = ["note_id"] }]"#;
const TAGS_READ_USING: &str = r#"using = "(select auth.uid()) is not null""#;
const TAGS_ADD_CHECK: &str = r#"with_check = "(select auth.uid()) is not null""#;
const TAGS_ID: &str = "[tables.tags.columns]\nid = { type = \"uuid\", primary_key = true,";
const AUDIT_APPEND_ONLY: &str = "[tables.audit_logs]\nappend_only = true\n";
/// A metadata-only table, placed before the audit log; cases add a column after its last line.
const AI_RUNS: &str = r#"[tables.ai_runs]
metadata_only = true
grants = { service_role = ["select", "insert"] }

[tables.ai_runs.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
model = { type = "text", values = ["small", "large"], class = "administrative" }
tokens = { type = "integer", class = "administrative" }
"#;

/// [`BASE`] with [`AI_RUNS`], whose columns end with `extra` (a line of TOML).
fn with_ai_runs(extra: &str) -> String {
    edit(&[(AUDIT_APPEND_ONLY, &format!("{AI_RUNS}{extra}\n{AUDIT_APPEND_ONLY}"))])
}

fn free_text(column: &str, sql_type: &str) -> Problem {
    Problem::FreeTextInMetadataTable {
        table: "ai_runs".into(),
        column: column.into(),
        sql_type: sql_type.into(),
    }
}

/// One malformed input and the exact error it must produce.
struct Case {
    name: String,
    toml: String,
    /// Text that occurs exactly once in `toml`: the error must point at the line where it starts.
    line: String,
    problem: Problem,
}

fn case(name: impl Into<String>, toml: String, line: impl Into<String>, problem: Problem) -> Case {
    Case {
        name: name.into(),
        toml,
        line: line.into(),
        problem,
    }
}

/// [`BASE`] with each `(from, to)` applied in turn. `from` must occur exactly once, so a case
/// can never silently test the unchanged schema.
fn edit(edits: &[(&str, &str)]) -> String {
    let mut text = BASE.to_owned();
    for (from, to) in edits {
        let count = text.matches(from).count();
        assert_eq!(count, 1, "`{from}` occurs {count} times in the schema being edited");
        text = text.replacen(from, to, 1);
    }
    text
}

/// [`BASE`] with the table `tags` declared under another key (a TOML key, quoted as needed).
fn rename_tags(key: &str) -> String {
    let count = BASE.matches("tables.tags").count();
    assert_eq!(count, 4, "`tables.tags` heads the table, its columns and two policies");
    BASE.replace("tables.tags", &format!("tables.{key}"))
}

/// `value` as a TOML basic string (usable as a quoted key, too).
fn toml_str(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn unsafe_identifier(what: &'static str, name: &str) -> Problem {
    Problem::UnsafeIdentifier {
        what,
        name: name.to_owned(),
    }
}

fn unsafe_expression(reason: &'static str) -> Problem {
    Problem::UnsafeExpression { reason }
}

fn syntax(message: &str) -> Problem {
    Problem::Syntax {
        message: message.to_owned(),
    }
}

fn duplicate(what: &'static str, name: &str) -> Problem {
    Problem::Duplicate {
        what,
        name: name.to_owned(),
    }
}

fn notes_columns() -> Vec<String> {
    strings(&["id", "user_id", "body", "status", "created_at", "updated_at"])
}

/// Names that must never reach SQL as identifiers: SQL in disguise, quotes, comment markers,
/// case and length the identifier rule forbids, and Unicode that looks like ASCII or hides.
const HOSTILE_NAMES: &[&str] = &[
    "patients; drop table x",
    "pat\"ients",
    "pat'ients",
    "patients--",
    "patients/*x*/",
    "Patients",
    "1patients",
    "pat ients",
    "",
    // Cyrillic а, zero-width space, right-to-left override, NUL, line break, full-width p,
    // combining accent.
    "p\u{430}tients",
    "pat\u{200B}ients",
    "pat\u{202E}stneit",
    "pat\u{0}ients",
    "pat\nients",
    "\u{FF50}atients",
    "patients\u{301}",
    // 64 bytes, one over PostgreSQL's limit.
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
];

/// Every hostile name in every place a schema names something.
fn identifier_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for name in HOSTILE_NAMES {
        let quoted = toml_str(name);
        let places: [(&'static str, String, String); 9] = [
            ("table", rename_tags(&quoted), format!("[tables.{quoted}]")),
            (
                "column",
                edit(&[(TAGS_LABEL, &TAGS_LABEL.replacen("label", &quoted, 1))]),
                r#"class = "public""#.to_owned(),
            ),
            (
                "index",
                edit(&[(
                    TAGS_INDEX,
                    &TAGS_INDEX.replacen("{ ", &format!("{{ name = {quoted}, "), 1),
                )]),
                r#"where = "label <> ''""#.to_owned(),
            ),
            (
                "policy",
                edit(&[(r#"name = "tags_read""#, &format!("name = {quoted} # the policy"))]),
                "# the policy".to_owned(),
            ),
            (
                "check constraint",
                edit(&[(r#""notes_body_short""#, &quoted)]),
                "checks = [".to_owned(),
            ),
            (
                "function",
                edit(&[("[functions.stamp]", &format!("[functions.{quoted}]"))]),
                "# the function".to_owned(),
            ),
            (
                "trigger",
                edit(&[(r#""notes_stamp""#, &quoted)]),
                "triggers = [".to_owned(),
            ),
            (
                "extension",
                edit(&[(r#"extensions = ["btree_gist"]"#, &format!("extensions = [{quoted}]"))]),
                "extensions = [".to_owned(),
            ),
            (
                "foreign key",
                edit(&[(
                    REPLIES_INDEX,
                    &format!(
                        "{REPLIES_INDEX}\nforeign_keys = [{{ name = {quoted}, columns = [\"note_id\"], references = \"notes\", references_columns = [\"id\"] }}]"
                    ),
                )]),
                "foreign_keys = [".to_owned(),
            ),
        ];
        for (what, toml, line) in places {
            // The function's key shares its line with nothing that could be mistaken for it.
            let toml = if what == "function" {
                toml.replacen(
                    &format!("[functions.{quoted}]"),
                    &format!("[functions.{quoted}] # the function"),
                    1,
                )
            } else {
                toml
            };
            cases.push(case(
                format!("{what} named {name:?}"),
                toml,
                line,
                unsafe_identifier(what, name),
            ));
        }
    }
    cases
}

const SEMICOLON: &str = "contains `;`, which would end the statement";
const LINE_COMMENT: &str = "contains a `--` comment";
const BLOCK_COMMENT: &str = "contains a `/*` comment";
const OPEN_STRING: &str = "has an unterminated string";
const OPEN_IDENTIFIER: &str = "has an unterminated quoted identifier";
const UNBALANCED: &str = "has unbalanced parentheses";
const EXTRA_CLOSE: &str = "closes a parenthesis it never opened";
const ESCAPE_STRING: &str = "uses an E'…' string, which the Supabase CLI splits wrongly";
const DOLLAR: &str = "contains dollar quoting";
const BACKSLASH: &str = "contains a backslash";
const EMPTY: &str = "is empty";
const NUL: &str = "contains a NUL character";

/// SQL that would end its statement, hide the rest of it or confuse the statement splitter.
const HOSTILE_EXPRESSIONS: &[(&str, &str)] = &[
    ("now(); drop table notes", SEMICOLON),
    ("now() -- the rest of the line is gone", LINE_COMMENT),
    ("now() /* hidden", BLOCK_COMMENT),
    ("'open", OPEN_STRING),
    ("'it''s", OPEN_STRING),
    ("\"open", OPEN_IDENTIFIER),
    ("(now()", UNBALANCED),
    ("now())", EXTRA_CLOSE),
    ("now()) or (true", EXTRA_CLOSE),
    ("E'\\''", ESCAPE_STRING),
    // Before PostgreSQL 15, `1e'…'` is the number 1 and an escape string.
    ("1e'\\'' = x", ESCAPE_STRING),
    ("x = e'a\\'b'", ESCAPE_STRING),
    ("$$x$$", DOLLAR),
    ("$body$ ; $body$", DOLLAR),
    // A digit does not start an identifier, so PostgreSQL reads `$$` after it as a dollar quote:
    // `1$$'$$` and then `; select …` is a statement of its own.
    ("1$$'$$); select 'second statement' as injected; --'", DOLLAR),
    ("a \\ b", BACKSLASH),
    ("", EMPTY),
    ("  \n ", EMPTY),
    ("now()\u{0}", NUL),
];

/// Every hostile expression in every place a schema takes SQL.
fn expression_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for (expr, reason) in HOSTILE_EXPRESSIONS {
        let quoted = toml_str(expr);
        let places: [(&str, String, &str); 6] = [
            (
                "default",
                edit(&[(r#"default = "'draft'""#, &format!("default = {quoted}"))]),
                r#"values = ["draft", "sent"]"#,
            ),
            (
                "column check",
                edit(&[(r#""char_length(label) between 1 and 40""#, &quoted)]),
                r#"class = "public""#,
            ),
            (
                "table check",
                edit(&[(r#""char_length(body) <= 10000""#, &quoted)]),
                "checks = [",
            ),
            (
                "policy using",
                edit(&[(TAGS_READ_USING, &format!("using = {quoted} # the using"))]),
                "# the using",
            ),
            (
                "policy with_check",
                edit(&[(TAGS_ADD_CHECK, &format!("with_check = {quoted} # the check"))]),
                "# the check",
            ),
            (
                "index where",
                edit(&[(r#"where = "label <> ''""#, &format!("where = {quoted}"))]),
                r#"columns = ["label"]"#,
            ),
        ];
        for (place, toml, line) in places {
            cases.push(case(format!("{place} {expr:?}"), toml, line, unsafe_expression(reason)));
        }
    }
    cases
}

/// Everything else: one case per rule, most of them in several forms.
fn rule_cases() -> Vec<Case> {
    let unknown_field = |field: &str, expected: &str| syntax(&format!("unknown field `{field}`, expected {expected}"));
    let column_fields = "one of `type`, `renamed_from`, `class`, `nullable`, `default`, `generated`, `primary_key`, `unique`, `identity`, `references`, `values`, `check`, `comment`, `rust_name`, `allow`";
    let table_fields = "one of `renamed_from`, `comment`, `rust_name`, `columns`, `primary_key`, `unique`, `foreign_keys`, `checks`, `exclusions`, `indexes`, `rls`, `force_rls`, `owner`, `policies`, `grants`, `updated_at`, `audit`, `audit_reads`, `append_only`, `realtime`, `metadata_only`, `triggers`";
    let long_table = "t".repeat(59);
    let long_column = "c".repeat(55);
    let deep_array = format!("default = {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_table = format!("default = {}1{}", "{ a = ".repeat(10_000), " }".repeat(10_000));
    let deep_key = format!("comment.{} = 1", vec!["a"; 10_000].join("."));
    let deep_header = format!("[tables.{}]", vec!["a"; 10_000].join("."));
    const PARTIAL_INDEX: &str = r#"indexes = [{ columns = ["note_id"], where = "content <> ''" }]"#;
    const WRONG_ORDER: &str = r#"indexes = [{ columns = ["created_at", "user_id"] }]"#;
    let partial_index = edit(&[(REPLIES_INDEX, PARTIAL_INDEX)]);
    let wrong_order = edit(&[(NOTES_INDEX, WRONG_ORDER)]);
    let index_tables = edit(&[
        (REPLIES_INDEX, ""),
        (
            "[tables.tags]\n",
            "[[tables.replies.indexes]]\ncolumns = [\"content\"]\n\n[tables.tags]\n",
        ),
    ]);
    vec![
        // TOML itself.
        case(
            "TOML: unclosed string",
            edit(&[(
                r#"body = { type = "text", class = "phi" }"#,
                r#"body = { type = "text", class = "phi }"#,
            )]),
            r#"class = "phi }"#,
            syntax("invalid basic string, expected `\"`"),
        ),
        case(
            "TOML: key without a value",
            edit(&[("updated_at = true", "updated_at =")]),
            "updated_at =\n",
            syntax("string values must be quoted, expected literal string"),
        ),
        case(
            "TOML: key given twice",
            edit(&[("audit = true\n", "audit = true\naudit = false # again\n")]),
            "audit = false # again",
            syntax("duplicate key"),
        ),
        case(
            "TOML: table declared twice",
            edit(&[(
                AUDIT_APPEND_ONLY,
                "[tables.audit_logs]\nappend_only = true\n\n[tables.notes] # again\n",
            )]),
            "[tables.notes] # again",
            syntax("duplicate key"),
        ),
        case(
            "TOML: unclosed table header",
            edit(&[("[tables.replies]\n", "[tables.replies # open\n")]),
            "[tables.replies # open",
            syntax("unclosed table, expected `]`"),
        ),
        case(
            "TOML: unclosed inline table",
            edit(&[(r#"columns = { id = "uuid" }"#, r#"columns = { id = "uuid""#)]),
            "primary_key = [\"id\"]\n\n[functions.stamp]",
            syntax("missing comma between key-value pairs, expected `,`"),
        ),
        case(
            "TOML: a value that is not TOML",
            edit(&[("updated_at = true", "updated_at = yes")]),
            "updated_at = yes",
            syntax("string values must be quoted, expected literal string"),
        ),
        // Unknown keys, at every level.
        case(
            "unknown key at the top level",
            edit(&[(
                "audit_table = \"audit_logs\"\n",
                "audit_table = \"audit_logs\"\nschema = \"public\"\n",
            )]),
            "schema = \"public\"",
            unknown_field(
                "schema",
                "one of `extensions`, `audit_table`, `external`, `functions`, `tables`, `buckets`, `enums`, `migration`, `typescript`, `revoke_default_grants`",
            ),
        ),
        case(
            "unknown key in a table",
            edit(&[("[tables.tags]\n", "[tables.tags]\nrls_forced = true\n")]),
            "rls_forced = true",
            unknown_field("rls_forced", table_fields),
        ),
        case(
            "unknown key in a column",
            edit(&[(TAGS_LABEL, &TAGS_LABEL.replacen("class", "size = 40, class", 1))]),
            "size = 40",
            unknown_field("size", column_fields),
        ),
        case(
            "misspelt key in a column",
            edit(&[(
                r#"body = { type = "text", class = "phi" }"#,
                r#"body = { type = "text", clas = "phi" }"#,
            )]),
            "clas = ",
            unknown_field("clas", column_fields),
        ),
        case(
            "unknown key in a reference",
            edit(&[(
                NOTE_ID,
                &NOTE_ID.replacen("on_delete", "match = \"full\", on_delete", 1),
            )]),
            "match = \"full\"",
            unknown_field(
                "match",
                "one of `table`, `column`, `on_delete`, `on_update`, `deferrable`",
            ),
        ),
        case(
            "unknown key in a policy",
            edit(&[("command = \"select\"\n", "command = \"select\"\npermissive = true\n")]),
            "permissive = true",
            unknown_field(
                "permissive",
                "one of `name`, `renamed_from`, `command`, `roles`, `restrictive`, `using`, `with_check`",
            ),
        ),
        case(
            "unknown key in a function",
            edit(&[("returns = \"integer\"\n", "returns = \"integer\"\nstrict = true\n")]),
            "strict = true",
            unknown_field(
                "strict",
                "one of `args`, `returns`, `language`, `security`, `volatility`, `body`, `execute`, `comment`",
            ),
        ),
        case(
            "a table without columns",
            edit(&[(
                AUDIT_APPEND_ONLY,
                "[tables.audit_logs]\nappend_only = true\n\n[tables.empty]\nrls = true\n",
            )]),
            "[tables.empty]",
            syntax("missing field `columns`"),
        ),
        // Wrong value types.
        case(
            "string where a boolean belongs",
            edit(&[("updated_at = true", "updated_at = \"yes\"")]),
            "updated_at = \"yes\"",
            syntax("invalid type: string \"yes\", expected a boolean"),
        ),
        case(
            "integer where a boolean belongs",
            edit(&[(
                "nullable = true, class = \"administrative\" }\nchanged_columns",
                "nullable = 1, class = \"administrative\" }\nchanged_columns",
            )]),
            "nullable = 1",
            syntax("invalid type: integer `1`, expected a boolean"),
        ),
        case(
            "integer where a type name belongs",
            edit(&[(
                r#"body = { type = "text", class = "phi" }"#,
                r#"body = { type = 42, class = "phi" }"#,
            )]),
            "type = 42",
            syntax("invalid type: integer `42`, expected a string"),
        ),
        case(
            "string where a list belongs",
            edit(&[(r#"extensions = ["btree_gist"]"#, r#"extensions = "btree_gist""#)]),
            "extensions = ",
            syntax("invalid type: string \"btree_gist\", expected a sequence"),
        ),
        case(
            "table where a string belongs",
            edit(&[(
                r#"audit_table = "audit_logs""#,
                r#"audit_table = { name = "audit_logs" }"#,
            )]),
            "audit_table = ",
            syntax("invalid type: map, expected a string"),
        ),
        case(
            "unknown policy command",
            edit(&[("command = \"select\"", "command = \"read\"")]),
            "command = \"read\"",
            syntax("unknown variant `read`, expected one of `all`, `select`, `insert`, `update`, `delete`"),
        ),
        case(
            "misspelt policy command",
            edit(&[("command = \"select\"", "command = \"slect\"")]),
            "command = \"slect\"",
            syntax("unknown variant `slect`, expected one of `all`, `select`, `insert`, `update`, `delete`"),
        ),
        case(
            "unknown role",
            edit(&[("roles = [\"authenticated\"]\nusing", "roles = [\"admin\"]\nusing")]),
            "roles = [\"admin\"]",
            syntax("unknown variant `admin`, expected one of `anon`, `authenticated`, `service_role`, `backend`"),
        ),
        case(
            "unknown data class",
            edit(&[(
                r#"body = { type = "text", class = "phi" }"#,
                r#"body = { type = "text", class = "secret" }"#,
            )]),
            "class = \"secret\"",
            syntax("unknown variant `secret`, expected one of `public`, `administrative`, `phi`"),
        ),
        case(
            "unknown referential action",
            edit(&[(NOTE_ID, &NOTE_ID.replacen("cascade", "nuke", 1))]),
            "note_id = {",
            syntax(
                "unknown variant `nuke`, expected one of `no_action`, `restrict`, `cascade`, `set_null`, `set_default`",
            ),
        ),
        // Column types.
        case(
            "unknown column type",
            edit(&[(r#"body = { type = "text""#, r#"body = { type = "strnig""#)]),
            "strnig",
            Problem::UnknownType { found: "strnig".into() },
        ),
        case(
            "array of arrays",
            edit(&[(r#"body = { type = "text""#, r#"body = { type = "text[][]""#)]),
            "text[][]",
            Problem::UnknownType {
                found: "text[][]".into(),
            },
        ),
        case(
            "serial type",
            edit(&[(r#"body = { type = "text""#, r#"body = { type = "serial""#)]),
            "serial",
            Problem::SerialType { found: "serial".into() },
        ),
        case(
            "bigserial type",
            edit(&[(r#"body = { type = "text""#, r#"body = { type = "BIGSERIAL""#)]),
            "BIGSERIAL",
            Problem::SerialType {
                found: "BIGSERIAL".into(),
            },
        ),
        case(
            "modifier on a type without one",
            edit(&[(r#"body = { type = "text""#, r#"body = { type = "text(3)""#)]),
            "text(3)",
            Problem::BadTypeModifier {
                found: "text(3)".into(),
            },
        ),
        case(
            "numeric scale above its precision",
            edit(&[(r#"body = { type = "text""#, r#"body = { type = "numeric(2,5)""#)]),
            "numeric(2,5)",
            Problem::BadTypeModifier {
                found: "numeric(2,5)".into(),
            },
        ),
        case(
            "varchar without allow",
            edit(&[(TAGS_LABEL, &TAGS_LABEL.replacen("\"text\"", "\"varchar(40)\"", 1))]),
            "varchar(40)",
            Problem::RuleVarchar {
                found: "varchar(40)".into(),
            },
        ),
        case(
            "varchar allowed for another rule",
            edit(&[(
                TAGS_LABEL,
                &TAGS_LABEL.replacen("\"text\",", "\"varchar(40)\", allow = [\"json\"],", 1),
            )]),
            "varchar(40)",
            Problem::RuleVarchar {
                found: "varchar(40)".into(),
            },
        ),
        case(
            "array of varchar without allow",
            edit(&[(
                TAGS_LABEL,
                &TAGS_LABEL.replacen("\"text\"", "\"character varying[]\"", 1),
            )]),
            "character varying[]",
            Problem::RuleVarchar {
                found: "character varying[]".into(),
            },
        ),
        case(
            "timestamp without time zone",
            edit(&[(
                r#"created_at = { type = "timestamptz""#,
                r#"created_at = { type = "timestamp without time zone""#,
            )]),
            "created_at = {",
            Problem::RuleTimestamp {
                found: "timestamp without time zone".into(),
            },
        ),
        case(
            "plain timestamp",
            edit(&[(
                r#"created_at = { type = "timestamptz""#,
                r#"created_at = { type = "timestamp""#,
            )]),
            "created_at = {",
            Problem::RuleTimestamp {
                found: "timestamp".into(),
            },
        ),
        case(
            "json instead of jsonb",
            edit(&[(r#"body = { type = "text""#, r#"body = { type = "json""#)]),
            "body = {",
            Problem::RuleJson,
        ),
        case(
            "unknown allow",
            edit(&[(
                TAGS_LABEL,
                &TAGS_LABEL.replacen("class", "allow = [\"everything\"], class", 1),
            )]),
            "everything",
            Problem::UnknownAllow {
                found: "everything".into(),
            },
        ),
        case(
            "missing class",
            edit(&[(
                r#"body = { type = "text", class = "phi" }"#,
                r#"body = { type = "text" }"#,
            )]),
            "body = {",
            Problem::MissingClass { column: "body".into() },
        ),
        // Primary keys.
        case(
            "no primary key",
            edit(&[(TAGS_ID, "[tables.tags.columns]\nid = { type = \"uuid\",")]),
            "[tables.tags]",
            Problem::NoPrimaryKey { table: "tags".into() },
        ),
        case(
            "two primary keys",
            edit(&[("[tables.tags]\n", "[tables.tags]\nprimary_key = [\"id\"] # again\n")]),
            "# again",
            Problem::TwoPrimaryKeys { table: "tags".into() },
        ),
        case(
            "nullable primary key",
            edit(&[(
                TAGS_ID,
                "[tables.tags.columns]\nid = { type = \"uuid\", nullable = true, primary_key = true,",
            )]),
            "nullable = true, primary_key",
            Problem::NullableKey,
        ),
        case(
            "nullable column of a composite primary key",
            edit(&[
                ("[tables.tags]\n", "[tables.tags]\nprimary_key = [\"id\", \"label\"]\n"),
                (TAGS_ID, "[tables.tags.columns]\nid = { type = \"uuid\","),
                (TAGS_LABEL, &TAGS_LABEL.replacen("class", "nullable = true, class", 1)),
            ]),
            r#"class = "public""#,
            Problem::NullableKey,
        ),
        case(
            "single primary key that is not uuid",
            edit(&[
                ("[tables.tags]\n", "[tables.tags]\nprimary_key = [\"label\"]\n"),
                (TAGS_ID, "[tables.tags.columns]\nid = { type = \"uuid\","),
            ]),
            r#"class = "public""#,
            Problem::NonUuidKey {
                column: "label".into(),
                found: "text".into(),
            },
        ),
        case(
            "primary key on an unknown column",
            edit(&[
                ("[tables.tags]\n", "[tables.tags]\nprimary_key = [\"tag_id\"]\n"),
                (TAGS_ID, "[tables.tags.columns]\nid = { type = \"uuid\","),
            ]),
            "primary_key = [\"tag_id\"]",
            Problem::UnknownColumn {
                table: "tags".into(),
                column: "tag_id".into(),
                known: strings(&["id", "label"]),
            },
        ),
        // Foreign keys.
        case(
            "foreign key to a missing table",
            edit(&[(NOTE_ID, &NOTE_ID.replacen("\"notes\"", "\"notez\"", 1))]),
            "note_id = {",
            Problem::UnknownTable { name: "notez".into() },
        ),
        case(
            "foreign key to a table spelt with its schema",
            edit(&[(NOTE_ID, &NOTE_ID.replacen("\"notes\"", "\"public.notes\"", 1))]),
            "note_id = {",
            Problem::UnknownTable {
                name: "public.notes".into(),
            },
        ),
        case(
            "foreign key to an undeclared external table",
            edit(&[(NOTE_ID, &NOTE_ID.replacen("\"notes\"", "\"auth.sessions\"", 1))]),
            "note_id = {",
            Problem::UnknownTable {
                name: "auth.sessions".into(),
            },
        ),
        case(
            "foreign key to a missing column",
            edit(&[(NOTE_ID, &NOTE_ID.replacen("column = \"id\"", "column = \"nid\"", 1))]),
            "note_id = {",
            Problem::UnknownColumn {
                table: "notes".into(),
                column: "nid".into(),
                known: notes_columns(),
            },
        ),
        case(
            "foreign key of another type",
            edit(&[(NOTE_ID, &NOTE_ID.replacen("\"uuid\"", "\"text\"", 1))]),
            "note_id = {",
            Problem::ReferenceTypeMismatch {
                column: "note_id".into(),
                column_type: "text".into(),
                target: "notes.id".into(),
                target_type: "uuid".into(),
            },
        ),
        case(
            "foreign key to a column that is not a key",
            edit(&[(NOTE_ID, &NOTE_ID.replacen("column = \"id\"", "column = \"user_id\"", 1))]),
            "note_id = {",
            Problem::ReferenceNotKey {
                target: "notes".into(),
                columns: "\"user_id\"".into(),
            },
        ),
        case(
            "foreign key with more targets than columns",
            edit(&[(
                REPLIES_INDEX,
                &format!(
                    "{REPLIES_INDEX}\nforeign_keys = [{{ columns = [\"note_id\"], references = \"notes\", references_columns = [\"id\", \"user_id\"] }}]"
                ),
            )]),
            "foreign_keys = [",
            Problem::ReferenceArity { columns: 1, targets: 2 },
        ),
        case(
            "set null limited to a column outside the foreign key",
            edit(&[(
                NOTE_ID,
                &NOTE_ID.replacen("on_delete = \"cascade\"", "on_delete = { set_null = [\"content\"] }", 1),
            )]),
            "note_id = {",
            Problem::DeleteActionColumnNotInKey {
                column: "content".into(),
                key: "note_id".into(),
            },
        ),
        case(
            "set null limited to a column that is not nullable",
            edit(&[(
                NOTE_ID,
                &NOTE_ID.replacen("on_delete = \"cascade\"", "on_delete = { set_null = [\"note_id\"] }", 1),
            )]),
            "note_id = {",
            Problem::SetNullColumnNotNullable {
                column: "note_id".into(),
            },
        ),
        case(
            "delete action limited to columns twice",
            edit(&[(
                NOTE_ID,
                &NOTE_ID.replacen(
                    "on_delete = \"cascade\"",
                    "on_delete = { set_null = [\"note_id\"], set_default = [\"note_id\"] }",
                    1,
                ),
            )]),
            "note_id = {",
            Problem::DeleteActionColumns,
        ),
        case(
            "foreign key without an index",
            edit(&[(REPLIES_INDEX, "")]),
            "note_id = {",
            Problem::UnindexedForeignKey {
                table: "replies".into(),
                columns: "\"note_id\"".into(),
                indexes_line: None,
            },
        ),
        case(
            "foreign key covered only by a partial index",
            partial_index.clone(),
            "note_id = {",
            Problem::UnindexedForeignKey {
                table: "replies".into(),
                columns: "\"note_id\"".into(),
                indexes_line: line_of(&partial_index, PARTIAL_INDEX).ok(),
            },
        ),
        case(
            "foreign key covered only by an index in the wrong order",
            wrong_order.clone(),
            "user_id = {",
            Problem::UnindexedForeignKey {
                table: "notes".into(),
                columns: "\"user_id\"".into(),
                indexes_line: line_of(&wrong_order, WRONG_ORDER).ok(),
            },
        ),
        case(
            "foreign key beside an indexes list written as tables",
            index_tables.clone(),
            "note_id = {",
            Problem::UnindexedForeignKey {
                table: "replies".into(),
                columns: "\"note_id\"".into(),
                indexes_line: line_of(&index_tables, "[[tables.replies.indexes]]").ok(),
            },
        ),
        // Identity columns.
        case(
            "identity on text",
            edit(&[(
                TAGS_LABEL,
                &TAGS_LABEL.replacen("class", "identity = \"always\", class", 1),
            )]),
            r#"class = "public""#,
            Problem::IdentityType { found: "text".into() },
        ),
        case(
            "identity with a default",
            edit(&[(
                TAGS_LABEL,
                &format!(
                    "{TAGS_LABEL}\nposition = {{ type = \"bigint\", identity = \"always\", default = \"1\", class = \"public\" }}"
                ),
            )]),
            "position = {",
            Problem::IdentityWithDefault,
        ),
        // Closed value sets.
        case(
            "closed set on a non-text column",
            edit(&[(NOTES_STATUS, &NOTES_STATUS.replacen("\"text\"", "\"integer\"", 1))]),
            "status = {",
            Problem::ValuesNotText {
                found: "integer".into(),
            },
        ),
        case(
            "empty closed set",
            edit(&[(r#"values = ["draft", "sent"]"#, "values = []")]),
            "status = {",
            Problem::EmptyValues,
        ),
        case(
            "value with a quote and a semicolon",
            edit(&[(
                r#"values = ["draft", "sent"]"#,
                r#"values = ["draft", "sent'; drop table notes; --"]"#,
            )]),
            "status = {",
            Problem::BadValue {
                value: "sent'; drop table notes; --".into(),
            },
        ),
        case(
            "default outside the value set",
            edit(&[(r#"default = "'draft'""#, r#"default = "'archived'""#)]),
            "status = {",
            Problem::DefaultOutsideValues {
                default: "archived".into(),
                values: vec!["draft".into(), "sent".into()],
            },
        ),
        case(
            "value of punctuation only",
            edit(&[(r#"values = ["draft", "sent"]"#, r#"values = ["draft", "--"]"#)]),
            "status = {",
            Problem::BadValue { value: "--".into() },
        ),
        case(
            "value outside ASCII",
            edit(&[(r#"values = ["draft", "sent"]"#, r#"values = ["draft", "entwürf"]"#)]),
            "status = {",
            Problem::BadValue {
                value: "entwürf".into(),
            },
        ),
        case(
            "empty value",
            edit(&[(r#"values = ["draft", "sent"]"#, r#"values = ["draft", ""]"#)]),
            "status = {",
            Problem::BadValue { value: String::new() },
        ),
        case(
            "value of 64 bytes",
            edit(&[(
                r#"values = ["draft", "sent"]"#,
                &format!("values = [\"draft\", \"{}\"]", "v".repeat(64)),
            )]),
            "status = {",
            Problem::BadValue { value: "v".repeat(64) },
        ),
        case(
            "value that becomes the Rust keyword Self",
            edit(&[(r#"values = ["draft", "sent"]"#, r#"values = ["draft", "self"]"#)]),
            "status = {",
            Problem::BadValue { value: "self".into() },
        ),
        case(
            "values that become the same Rust variant",
            edit(&[(
                r#"values = ["draft", "sent"]"#,
                r#"values = ["in_progress", "in-progress"]"#,
            )]),
            "status = {",
            Problem::DuplicateVariant {
                first: "in_progress".into(),
                second: "in-progress".into(),
                variant: "InProgress".into(),
            },
        ),
        case(
            "values that differ only in case",
            edit(&[(r#"values = ["draft", "sent"]"#, r#"values = ["draft", "Draft"]"#)]),
            "status = {",
            Problem::DuplicateVariant {
                first: "draft".into(),
                second: "Draft".into(),
                variant: "Draft".into(),
            },
        ),
        case(
            "the same value twice",
            edit(&[(
                r#"values = ["draft", "sent"]"#,
                r#"values = ["draft", "sent", "draft"]"#,
            )]),
            "status = {",
            duplicate("value", "draft"),
        ),
        // Policies.
        case(
            "policy calling auth.uid() per row",
            edit(&[(TAGS_READ_USING, r#"using = "auth.uid() is not null""#)]),
            "using = ",
            Problem::AuthCallNotWrapped {
                call: "auth.uid()".into(),
            },
        ),
        case(
            "policy calling auth.jwt() per row in with_check",
            edit(&[(TAGS_ADD_CHECK, r#"with_check = "(auth.jwt() ->> 'role') = 'doctor'""#)]),
            "with_check = ",
            Problem::AuthCallNotWrapped {
                call: "auth.jwt()".into(),
            },
        ),
        case(
            "policy calling auth.uid() wrapped once and unwrapped once",
            edit(&[(
                TAGS_READ_USING,
                r#"using = "(select auth.uid()) is not null and auth.uid() is not null""#,
            )]),
            "using = ",
            Problem::AuthCallNotWrapped {
                call: "auth.uid()".into(),
            },
        ),
        case(
            "policy reading current_setting per row",
            edit(&[(
                TAGS_READ_USING,
                r#"using = "current_setting('app.tenant') is not null""#,
            )]),
            "using = ",
            Problem::AuthCallNotWrapped {
                call: "current_setting()".into(),
            },
        ),
        case(
            "two permissive select policies for one role",
            edit(&[(
                "[tables.audit_logs]\n",
                "[[tables.tags.policies]]\nname = \"tags_read_too\" # second\ncommand = \"select\"\nroles = [\"authenticated\", \"anon\"]\nusing = \"label <> ''\"\n\n[tables.audit_logs]\n",
            )]),
            "[[tables.tags.policies]]\nname = \"tags_read_too\"",
            Problem::MultiplePermissive {
                first: "tags_read".into(),
                first_from_owner: false,
                second: "tags_read_too".into(),
                role: "authenticated".into(),
                command: "select".into(),
            },
        ),
        case(
            "an `all` policy beside a `select` policy",
            edit(&[(
                "name = \"tags_add\"\ncommand = \"insert\"",
                "name = \"tags_add\"\ncommand = \"all\"",
            )]),
            "[[tables.tags.policies]]\nname = \"tags_add\"",
            Problem::MultiplePermissive {
                first: "tags_read".into(),
                first_from_owner: false,
                second: "tags_add".into(),
                role: "authenticated".into(),
                command: "select".into(),
            },
        ),
        case(
            "a policy beside the owner's policies",
            edit(&[(
                NOTES_TRIGGER,
                &format!(
                    "{NOTES_TRIGGER}\npolicies = [{{ name = \"notes_delete_drafts\", command = \"delete\", roles = [\"authenticated\"], using = \"status = 'draft'\" }}]"
                ),
            )]),
            "policies = [",
            Problem::MultiplePermissive {
                first: "notes_owner_delete".into(),
                first_from_owner: true,
                second: "notes_delete_drafts".into(),
                role: "authenticated".into(),
                command: "delete".into(),
            },
        ),
        case(
            "policies on a table with rls = false",
            edit(&[("[tables.tags]\n", "[tables.tags]\nrls = false\n")]),
            "rls = false",
            Problem::PolicyWithoutRls { table: "tags".into() },
        ),
        case(
            "owner policies on a table with rls = false",
            edit(&[(
                "owner = { via = \"note_id\" }\n",
                "owner = { via = \"note_id\" }\nrls = false\n",
            )]),
            "rls = false",
            Problem::PolicyWithoutRls {
                table: "replies".into(),
            },
        ),
        case(
            "PHI column on a table with rls = false",
            edit(&[("owner = { via = \"note_id\" }\n", "rls = false\n")]),
            "content = {",
            Problem::PhiWithoutRls {
                table: "replies".into(),
                column: "content".into(),
            },
        ),
        case(
            "PHI column without a policy",
            edit(&[("owner = { via = \"note_id\" }\n", "")]),
            "content = {",
            Problem::PhiWithoutPolicy {
                table: "replies".into(),
                column: "content".into(),
            },
        ),
        case(
            "an owner claim in user_metadata, which users edit themselves",
            edit(&[(
                "owner = { column = \"user_id\" }\n",
                "owner = { column = \"user_id\", claim = { path = \"user_metadata.role\", equals = \"doctor\" } }\n",
            )]),
            "user_metadata.role",
            Problem::OwnerClaimUserMetadata {
                path: "user_metadata.role".into(),
            },
        ),
        case(
            "an owner claim outside app_metadata",
            edit(&[(
                "owner = { column = \"user_id\" }\n",
                "owner = { column = \"user_id\", claim = { path = \"email\", equals = \"a@b.c\" } }\n",
            )]),
            "claim = {",
            Problem::OwnerClaimPath { path: "email".into() },
        ),
        case(
            "an owner claim of its own on a table owned via a parent",
            edit(&[(
                "owner = { via = \"note_id\" }\n",
                "owner = { via = \"note_id\", claim = { path = \"app_metadata.role\", equals = \"doctor\" } }\n",
            )]),
            "claim = {",
            Problem::OwnerClaimOnVia,
        ),
        case(
            "a policy letting anon at a PHI table",
            edit(&[(
                "[tables.notes.columns]",
                "[[tables.notes.policies]]\nname = \"notes_public\"\ncommand = \"select\"\nroles = [\"anon\"]\nusing = \"status = 'sent'\"\n\n[tables.notes.columns]",
            )]),
            "[[tables.notes.policies]]",
            Problem::PhiForAnon {
                table: "notes".into(),
                policy: "notes_public".into(),
            },
        ),
        case(
            "an audit table whose actor_id cannot be null",
            edit(&[(
                "actor_id = { type = \"uuid\", nullable = true, class = \"administrative\" }",
                "actor_id = { type = \"uuid\", class = \"administrative\" }",
            )]),
            "audit_table = ",
            Problem::AuditColumnUnfillable {
                column: "actor_id".into(),
            },
        ),
        case(
            "an audit table column the trigger cannot fill",
            edit(&[(
                "occurred_at = { type = \"timestamptz\", default = \"now()\", class = \"administrative\" }",
                "occurred_at = { type = \"timestamptz\", default = \"now()\", class = \"administrative\" }\nsource = { type = \"text\", class = \"administrative\" }",
            )]),
            "audit_table = ",
            Problem::AuditColumnUnfillable {
                column: "source".into(),
            },
        ),
        case(
            "an index without columns",
            edit(&[(
                REPLIES_INDEX,
                "indexes = [{ columns = [\"note_id\"] }, { columns = [] }]",
            )]),
            "indexes = [{ columns = [\"note_id\"] }, { columns = [] }]",
            Problem::EmptyColumnList { what: "an index" },
        ),
        case(
            "an empty primary key",
            edit(&[(TAGS_ID, "[tables.tags.columns]\nid = { type = \"uuid\",")])
                .replace("[tables.tags]\n", "[tables.tags]\nprimary_key = []\n"),
            "primary_key = []",
            Problem::EmptyColumnList { what: "a primary key" },
        ),
        case(
            "a NUL character in a comment",
            edit(&[("[tables.tags]\n", "[tables.tags]\ncomment = \"a\\u0000b\"\n")]),
            "comment = \"a",
            Problem::UnsafeExpression {
                reason: "contains a NUL character",
            },
        ),
        case(
            "insert policy with using",
            edit(&[(TAGS_ADD_CHECK, &format!("{TAGS_ADD_CHECK}\nusing = \"label <> ''\""))]),
            "using = \"label <> ''\"",
            Problem::PolicyClause {
                command: "insert".into(),
                key: "using",
            },
        ),
        case(
            "select policy with with_check",
            edit(&[(
                TAGS_READ_USING,
                &format!("{TAGS_READ_USING}\nwith_check = \"label <> ''\""),
            )]),
            "with_check = \"label <> ''\"",
            Problem::PolicyClause {
                command: "select".into(),
                key: "with_check",
            },
        ),
        case(
            "policy with neither using nor with_check",
            edit(&[(TAGS_ADD_CHECK, "")]),
            "[[tables.tags.policies]]\nname = \"tags_add\"",
            Problem::PolicyWithoutExpression,
        ),
        case(
            "policy with no roles",
            edit(&[("roles = [\"authenticated\"]\nusing", "roles = []\nusing")]),
            "roles = []",
            Problem::NoRoles,
        ),
        case(
            "always-true update policy for authenticated",
            edit(&[(
                "[tables.audit_logs]\n",
                "[[tables.tags.policies]]\nname = \"tags_edit\"\ncommand = \"update\"\nroles = [\"authenticated\"]\nusing = \"true\"\n\n[tables.audit_logs]\n",
            )]),
            "using = \"true\"",
            Problem::PolicyAlwaysTrue {
                command: "update".into(),
                role: "authenticated".into(),
            },
        ),
        case(
            "always-true insert policy for anon",
            edit(&[
                (TAGS_ADD_CHECK, "with_check = \" 1 = 1 \""),
                (
                    "roles = [\"authenticated\"]\nwith_check",
                    "roles = [\"anon\"]\nwith_check",
                ),
            ]),
            "with_check = ",
            Problem::PolicyAlwaysTrue {
                command: "insert".into(),
                role: "anon".into(),
            },
        ),
        case(
            "the same policy name twice",
            edit(&[(
                "[tables.audit_logs]\n",
                "[[tables.tags.policies]]\nname = \"tags_read\" # again\ncommand = \"delete\"\nroles = [\"service_role\"]\nusing = \"label <> ''\"\n\n[tables.audit_logs]\n",
            )]),
            "# again",
            duplicate("policy", "tags_read"),
        ),
        // The membership mistake: a policy that looks itself up recurses into its own policies.
        case(
            "policy that reads its own table",
            edit(&[(
                TAGS_READ_USING,
                r#"using = "exists (select 1 from public.tags t where t.label = label and (select auth.uid()) is not null)""#,
            )]),
            "[[tables.tags.policies]]\nname = \"tags_read\"",
            Problem::PolicyReadsItsTable {
                policy: "tags_read".into(),
                table: "tags".into(),
            },
        ),
        case(
            "policy that reads its own table unqualified, in capitals, in with_check",
            edit(&[(
                TAGS_ADD_CHECK,
                r#"with_check = "label NOT IN (SELECT t.label FROM Tags t)""#,
            )]),
            "[[tables.tags.policies]]\nname = \"tags_add\"",
            Problem::PolicyReadsItsTable {
                policy: "tags_add".into(),
                table: "tags".into(),
            },
        ),
        case(
            "select policy calling an invoker function that reads its table",
            edit(&[
                ("security = \"definer\"\n", "security = \"invoker\"\n"),
                ("from public.notes\"", "from public.tags\""),
                (TAGS_READ_USING, r#"using = "(select public.note_count()) < 1000""#),
            ]),
            "[[tables.tags.policies]]\nname = \"tags_read\"",
            Problem::PolicyCallsInvokerReadingItsTable {
                policy: "tags_read".into(),
                function: "note_count".into(),
                table: "tags".into(),
            },
        ),
        case(
            "policy that joins its own table",
            edit(&[(
                TAGS_READ_USING,
                r#"using = "exists (select 1 from public.notes n join tags t on t.label = n.status where n.user_id = (select auth.uid()))""#,
            )]),
            "[[tables.tags.policies]]\nname = \"tags_read\"",
            Problem::PolicyReadsItsTable {
                policy: "tags_read".into(),
                table: "tags".into(),
            },
        ),
        // Owners.
        case(
            "owner with both column and via",
            edit(&[(
                "owner = { via = \"note_id\" }",
                "owner = { column = \"note_id\", via = \"note_id\" }",
            )]),
            "owner = { column = \"note_id\"",
            Problem::OwnerForm,
        ),
        case(
            "owner with neither column nor via",
            edit(&[("owner = { via = \"note_id\" }", "owner = {}")]),
            "owner = {}",
            Problem::OwnerForm,
        ),
        case(
            "owner column that is not uuid",
            edit(&[("owner = { column = \"user_id\" }", "owner = { column = \"body\" }")]),
            "owner = { column = \"body\" }",
            Problem::OwnerColumnType {
                column: "body".into(),
                found: "text".into(),
            },
        ),
        case(
            "owner column that does not exist",
            edit(&[("owner = { column = \"user_id\" }", "owner = { column = \"author_id\" }")]),
            "owner = { column = \"author_id\" }",
            Problem::UnknownColumn {
                table: "notes".into(),
                column: "author_id".into(),
                known: notes_columns(),
            },
        ),
        case(
            "owner via a column that is not a foreign key",
            edit(&[("owner = { via = \"note_id\" }", "owner = { via = \"id\" }")]),
            "owner = { via = \"id\" }",
            Problem::OwnerViaNotForeignKey { column: "id".into() },
        ),
        case(
            "owner via a parent that has no owner",
            edit(&[
                ("owner = { via = \"note_id\" }", "owner = { via = \"tag_id\" }"),
                (
                    REPLIES_INDEX,
                    r#"indexes = [{ columns = ["note_id"] }, { columns = ["tag_id"] }]"#,
                ),
                (
                    "content = { type",
                    "tag_id = { type = \"uuid\", references = { table = \"tags\", column = \"id\" }, class = \"public\" }\ncontent = { type",
                ),
            ]),
            "owner = { via = \"tag_id\" }",
            Problem::ParentHasNoOwner { parent: "tags".into() },
        ),
        // Triggers and functions.
        case(
            "trigger calling an undeclared function",
            edit(&[("function = \"stamp\"", "function = \"stamp_it\"")]),
            "triggers = [",
            Problem::UnknownFunction {
                name: "stamp_it".into(),
            },
        ),
        case(
            "trigger calling a function that is not a trigger function",
            edit(&[("function = \"stamp\"", "function = \"note_count\"")]),
            "triggers = [",
            Problem::NotATriggerFunction {
                name: "note_count".into(),
            },
        ),
        case(
            "trigger named like a generated one",
            edit(&[("name = \"notes_stamp\"", "name = \"notes_audit\"")]),
            "triggers = [",
            duplicate("trigger", "notes_audit"),
        ),
        case(
            "trigger without events",
            edit(&[("events = [\"insert\"]", "events = []")]),
            "triggers = [",
            syntax("a trigger needs at least one event"),
        ),
        case(
            "trigger with an event twice",
            edit(&[("events = [\"insert\"]", "events = [\"insert\", \"insert\"]")]),
            "triggers = [",
            duplicate("trigger event", "insert"),
        ),
        case(
            "security definer function executable by anon",
            edit(&[(
                "execute = [\"authenticated\"]",
                "execute = [\"authenticated\", \"anon\"]",
            )]),
            "execute = [",
            Problem::SecurityDefinerForAnon {
                function: "note_count".into(),
            },
        ),
        case(
            "function returning an unknown type",
            edit(&[("returns = \"integer\"", "returns = \"record\"")]),
            "returns = \"record\"",
            Problem::UnknownReturnType { found: "record".into() },
        ),
        case(
            "function returning a set of an undeclared table",
            edit(&[("returns = \"integer\"", "returns = \"setof nope\"")]),
            "setof nope",
            Problem::UnknownTable { name: "nope".into() },
        ),
        case(
            "function returning a table of an unknown type",
            edit(&[(
                "returns = \"integer\"",
                "returns = { table = [{ name = \"n\", type = \"widget\" }] }",
            )]),
            "returns = { table",
            Problem::UnknownType { found: "widget".into() },
        ),
        case(
            "function returning a table of no columns",
            edit(&[("returns = \"integer\"", "returns = { table = [] }")]),
            "returns = { table",
            Problem::EmptyReturnTable,
        ),
        case(
            "function argument without a default after one with a default",
            edit(&[(
                "[functions.note_count]\n",
                "[functions.note_count]\nargs = [{ name = \"since\", type = \"date\", default = \"'2020-01-01'\" }, { name = \"until\", type = \"date\" }]\n",
            )]),
            "args = [",
            Problem::ArgumentWithoutDefault {
                argument: "until".into(),
                after: "since".into(),
            },
        ),
        case(
            "function in a schema Supabase owns",
            edit(&[("[functions.note_count]", "[functions.\"auth.note_count\"]")]),
            "[functions.\"auth.note_count\"]",
            Problem::ReservedFunctionSchema {
                schema: "auth".into(),
                name: "note_count".into(),
            },
        ),
        case(
            "function body containing $function$",
            edit(&[(
                "  return new;\n",
                "  return new;\nend;\n$function$; drop table notes; $function$\n",
            )]),
            "body = '''",
            unsafe_expression("contains `$function$`, the delimiter around function bodies"),
        ),
        case(
            "function body with an E'' string",
            edit(&[("trim(new.body)", "trim(new.body, E'\\'')")]),
            "body = '''",
            unsafe_expression(ESCAPE_STRING),
        ),
        case(
            "empty function body",
            edit(&[(r#"body = "select count(*)::integer from public.notes""#, "body = \" \"")]),
            "body = \" \"",
            unsafe_expression(EMPTY),
        ),
        case(
            "function argument declared twice",
            edit(&[(
                "returns = \"integer\"\n",
                "returns = \"integer\"\nargs = [{ name = \"a\", type = \"text\" }, { name = \"a\", type = \"uuid\" }]\n",
            )]),
            "args = [",
            duplicate("argument", "a"),
        ),
        case(
            "function named like a generated one",
            edit(&[(
                "[functions.note_count]",
                "[functions.set_updated_at]\nreturns = \"trigger\"\nlanguage = \"sql\"\nbody = \"select 1\"\n\n[functions.note_count]",
            )]),
            "[functions.set_updated_at]",
            Problem::ReservedName {
                name: "set_updated_at".into(),
            },
        ),
        // updated_at and audit.
        case(
            "updated_at = true without the column",
            edit(&[(
                "updated_at = { type = \"timestamptz\", default = \"now()\", class = \"administrative\" }\n",
                "",
            )]),
            "updated_at = true",
            Problem::UpdatedAtColumn { table: "notes".into() },
        ),
        case(
            "updated_at = true with a date column",
            edit(&[(
                "updated_at = { type = \"timestamptz\"",
                "updated_at = { type = \"date\"",
            )]),
            "updated_at = true",
            Problem::UpdatedAtColumn { table: "notes".into() },
        ),
        case(
            "audit = true without audit_table",
            edit(&[("audit_table = \"audit_logs\"\n", "")]),
            "audit = true",
            Problem::AuditTableNotSet,
        ),
        case(
            "audit_table naming a missing table",
            edit(&[("audit_table = \"audit_logs\"", "audit_table = \"audit_log\"")]),
            "audit_table = ",
            Problem::UnknownTable {
                name: "audit_log".into(),
            },
        ),
        case(
            "audit table without a required column",
            edit(&[("action = { type = \"text\", class = \"administrative\" }\n", "")]),
            "audit_table = ",
            Problem::AuditTableColumn {
                column: "action",
                expected: "text".into(),
            },
        ),
        case(
            "audit table with a column of the wrong type",
            edit(&[("record_id = { type = \"uuid\"", "record_id = { type = \"text\"")]),
            "audit_table = ",
            Problem::AuditTableColumn {
                column: "record_id",
                expected: "uuid".into(),
            },
        ),
        case(
            "audit table with changed_columns of the wrong type",
            edit(&[(
                "changed_columns = { type = \"text[]\"",
                "changed_columns = { type = \"text\"",
            )]),
            "audit_table = ",
            Problem::AuditTableColumn {
                column: "changed_columns",
                expected: "text[]".into(),
            },
        ),
        case(
            "audit table that is not append-only",
            edit(&[(AUDIT_APPEND_ONLY, "[tables.audit_logs]\n")]),
            "audit_table = ",
            Problem::AuditTableNotAppendOnly {
                table: "audit_logs".into(),
            },
        ),
        case(
            "audit table audited itself",
            edit(&[(
                AUDIT_APPEND_ONLY,
                "[tables.audit_logs]\nappend_only = true\naudit = true # itself\n",
            )]),
            "# itself",
            Problem::AuditOfAuditTable {
                table: "audit_logs".into(),
            },
        ),
        case(
            "append-only table whose foreign key cascades a delete into it",
            edit(&[
                (
                    AUDIT_APPEND_ONLY,
                    "[tables.audit_logs]\nappend_only = true\nindexes = [{ columns = [\"note_id\"] }]\n",
                ),
                (
                    "record_id = { type",
                    "note_id = { type = \"uuid\", nullable = true, references = { table = \"notes\", column = \"id\", on_delete = \"cascade\" }, class = \"administrative\" }\nrecord_id = { type",
                ),
            ]),
            "note_id = { type = \"uuid\", nullable = true",
            Problem::AppendOnlyCascade {
                table: "audit_logs".into(),
                name: "audit_logs_note_id_fkey".into(),
                target: "public.notes".into(),
                action: "delete",
            },
        ),
        case(
            "append-only table whose foreign key sets null in it",
            edit(&[
                (
                    AUDIT_APPEND_ONLY,
                    "[tables.audit_logs]\nappend_only = true\nindexes = [{ columns = [\"note_id\"] }]\n",
                ),
                (
                    "record_id = { type",
                    "note_id = { type = \"uuid\", nullable = true, references = { table = \"notes\", column = \"id\", on_delete = \"set_null\" }, class = \"administrative\" }\nrecord_id = { type",
                ),
            ]),
            "note_id = { type = \"uuid\", nullable = true",
            Problem::AppendOnlyCascade {
                table: "audit_logs".into(),
                name: "audit_logs_note_id_fkey".into(),
                target: "public.notes".into(),
                action: "update",
            },
        ),
        case(
            "audited table without a uuid key",
            edit(&[
                (
                    "[tables.tags]\n",
                    "[tables.tags]\naudit = true\nprimary_key = [\"id\", \"label\"]\n",
                ),
                (TAGS_ID, "[tables.tags.columns]\nid = { type = \"uuid\","),
            ]),
            "audit = true\nprimary_key",
            Problem::AuditNeedsUuidKey {
                table: "tags".into(),
                key: "id, label".into(),
            },
        ),
        // Indexes, constraints and generated names.
        case(
            "the same index twice",
            edit(&[(
                NOTES_INDEX,
                r#"indexes = [{ columns = ["user_id", "created_at"] }, { columns = ["user_id", "created_at"] }]"#,
            )]),
            "indexes = [{ columns = [\"user_id\"",
            duplicate("index definition", "notes_user_id_created_at_idx"),
        ),
        case(
            "the same index twice under two names",
            edit(&[(
                NOTES_INDEX,
                r#"indexes = [{ columns = ["user_id", "created_at"] }, { name = "by_user", columns = ["user_id", "created_at"] }]"#,
            )]),
            "by_user",
            duplicate("index definition", "notes_user_id_created_at_idx"),
        ),
        case(
            "unique index repeating the primary key",
            edit(&[(
                TAGS_INDEX,
                r#"indexes = [{ columns = ["label"], where = "label <> ''" }, { columns = ["id"], unique = true }]"#,
            )]),
            "unique = true",
            duplicate("unique index definition", "id"),
        ),
        case(
            "index on a missing column",
            edit(&[(TAGS_INDEX, r#"indexes = [{ columns = ["name"] }]"#)]),
            "indexes = [{ columns = [\"name\"]",
            Problem::UnknownColumn {
                table: "tags".into(),
                column: "name".into(),
                known: strings(&["id", "label"]),
            },
        ),
        case(
            "index named like a table",
            edit(&[(TAGS_INDEX, r#"indexes = [{ name = "notes", columns = ["label"] }]"#)]),
            "[tables.tags]",
            duplicate("table, index or constraint name", "notes"),
        ),
        case(
            "check named like a generated one",
            edit(&[("\"notes_body_short\"", "\"notes_status_check\"")]),
            "[tables.notes]",
            duplicate("constraint", "notes_status_check"),
        ),
        case(
            "generated primary key name longer than 63 bytes",
            edit(&[])
                .replace("tables.tags", &format!("tables.{long_table}"))
                .replacen(", check = \"char_length(label) between 1 and 40\"", "", 1),
            format!("[tables.{long_table}]"),
            Problem::NameTooLong {
                name: format!("{long_table}_pkey"),
            },
        ),
        case(
            "generated unique constraint name longer than 63 bytes",
            edit(&[(
                TAGS_LABEL,
                &format!("{TAGS_LABEL}\n{long_column} = {{ type = \"text\", unique = true, class = \"public\" }}"),
            )]),
            format!("{long_column} = "),
            Problem::NameTooLong {
                name: format!("tags_{long_column}_key"),
            },
        ),
        case(
            "exclusion element with both column and expr",
            edit(&[(
                TAGS_INDEX,
                &format!(
                    "{TAGS_INDEX}\nexclusions = [{{ name = \"tags_once\", elements = [{{ column = \"label\", expr = \"lower(label)\", with = \"=\" }}] }}]"
                ),
            )]),
            "exclusions = [",
            Problem::ExclusionElement,
        ),
        case(
            "exclusion operator carrying SQL",
            edit(&[(
                TAGS_INDEX,
                &format!(
                    "{TAGS_INDEX}\nexclusions = [{{ name = \"tags_once\", elements = [{{ column = \"label\", with = \"=) ; drop table notes; --\" }}] }}]"
                ),
            )]),
            "exclusions = [",
            Problem::BadOperator {
                op: "=) ; drop table notes; --".into(),
            },
        ),
        case(
            "extension listed twice",
            edit(&[(
                r#"extensions = ["btree_gist"]"#,
                r#"extensions = ["btree_gist", "btree_gist"]"#,
            )]),
            "extensions = [",
            duplicate("extension", "btree_gist"),
        ),
        // Metadata-only tables.
        case(
            "free text in a metadata-only table",
            with_ai_runs(r#"summary = { type = "text", class = "administrative" }"#),
            "summary = {",
            free_text("summary", "text"),
        ),
        case(
            "a text array in a metadata-only table",
            with_ai_runs(r#"tools = { type = "text[]", default = "'{}'", class = "administrative" }"#),
            "tools = {",
            free_text("tools", "text[]"),
        ),
        case(
            "a document in a metadata-only table",
            with_ai_runs(r#"request = { type = "jsonb", nullable = true, class = "administrative" }"#),
            "request = {",
            free_text("request", "jsonb"),
        ),
        case(
            "columns given as an empty table",
            edit(&[(
                AUDIT_APPEND_ONLY,
                "[tables.empty]\ncolumns = {}\n\n[tables.audit_logs]\nappend_only = true\n",
            )]),
            "columns = {}",
            Problem::NoColumns { table: "empty".into() },
        ),
        // Rust names.
        case(
            "tables whose Rust types collide",
            edit(&[(
                AUDIT_APPEND_ONLY,
                "[tables.tag]\ncolumns = { id = { type = \"uuid\", primary_key = true, class = \"public\" } }\n\n[tables.audit_logs]\nappend_only = true\n",
            )]),
            "[tables.tag]",
            Problem::DuplicateRustName { name: "Tag".into() },
        ),
        case(
            "rust_name of another table",
            edit(&[("[tables.tags]\n", "[tables.tags]\nrust_name = \"Note\"\n")]),
            "rust_name = \"Note\"",
            Problem::DuplicateRustName { name: "Note".into() },
        ),
        case(
            "table named like another table's enum",
            edit(&[(
                AUDIT_APPEND_ONLY,
                "[tables.note_status]\ncolumns = { id = { type = \"uuid\", primary_key = true, class = \"public\" } }\n\n[tables.audit_logs]\nappend_only = true\n",
            )]),
            "[tables.note_status]",
            Problem::DuplicateRustName {
                name: "NoteStatus".into(),
            },
        ),
        case(
            "columns whose Rust fields collide",
            edit(&[(
                TAGS_LABEL,
                &format!("{TAGS_LABEL}\ntitle = {{ type = \"text\", rust_name = \"label\", class = \"public\" }}"),
            )]),
            "rust_name = \"label\"",
            Problem::DuplicateRustName { name: "label".into() },
        ),
        case(
            "rust_name in lower case",
            edit(&[("[tables.tags]\n", "[tables.tags]\nrust_name = \"tag\"\n")]),
            "rust_name = \"tag\"",
            Problem::RustTypeName { name: "tag".into() },
        ),
        case(
            "rust_name Self",
            edit(&[("[tables.tags]\n", "[tables.tags]\nrust_name = \"Self\"\n")]),
            "rust_name = \"Self\"",
            Problem::RustTypeName { name: "Self".into() },
        ),
        case(
            "rust_name that shadows a prelude type",
            edit(&[("[tables.tags]\n", "[tables.tags]\nrust_name = \"Option\"\n")]),
            "rust_name = \"Option\"",
            Problem::RustTypeName { name: "Option".into() },
        ),
        case(
            "table whose Rust type would be Self",
            rename_tags("self"),
            "[tables.self]",
            Problem::RustTypeName { name: "Self".into() },
        ),
        case(
            "table whose Rust type would start with a digit",
            rename_tags("_1st"),
            "[tables._1st]",
            Problem::RustTypeName { name: "1st".into() },
        ),
        case(
            "table whose Rust type would be Result",
            rename_tags("results"),
            "[tables.results]",
            Problem::RustTypeName { name: "Result".into() },
        ),
        case(
            "table whose Rust type would be Box",
            rename_tags("boxes"),
            "[tables.boxes]",
            Problem::RustTypeName { name: "Box".into() },
        ),
        case(
            "column named self without rust_name",
            edit(&[(
                TAGS_LABEL,
                &format!("{TAGS_LABEL}\nself = {{ type = \"text\", class = \"public\" }}"),
            )]),
            "self = {",
            Problem::RustFieldName { column: "self".into() },
        ),
        case(
            "column rust_name that is not a field name",
            edit(&[(
                TAGS_LABEL,
                &TAGS_LABEL.replacen("class", "rust_name = \"Label\", class", 1),
            )]),
            "rust_name = \"Label\"",
            Problem::RustFieldName { column: "Label".into() },
        ),
        // External tables.
        case(
            "external table without a schema",
            edit(&[("[external.\"auth.users\"]", "[external.users]")]),
            "[external.users]",
            Problem::ExternalName { name: "users".into() },
        ),
        case(
            "external table with a hostile schema",
            edit(&[(
                "[external.\"auth.users\"]",
                "[external.\"auth; drop schema public.users\"]",
            )]),
            "[external.",
            unsafe_identifier("external table", "auth; drop schema public"),
        ),
        case(
            "external table with three parts",
            edit(&[("[external.\"auth.users\"]", "[external.\"auth.users.id\"]")]),
            "[external.",
            unsafe_identifier("external table", "users.id"),
        ),
        // Sizes and depths.
        case(
            "file over the size limit",
            format!("{BASE}#{}\n", "x".repeat(MAX_SCHEMA_BYTES - BASE.len())),
            "# A small schema",
            Problem::TooLarge {
                bytes: MAX_SCHEMA_BYTES + 2,
                limit: MAX_SCHEMA_BYTES,
            },
        ),
        case(
            "array nested 10 000 deep",
            edit(&[("default = \"'draft'\"", &deep_array)]),
            "status = {",
            syntax("cannot recurse further; max recursion depth met"),
        ),
        case(
            "inline table nested 10 000 deep",
            edit(&[("default = \"'draft'\"", &deep_table)]),
            "status = {",
            syntax("cannot recurse further; max recursion depth met"),
        ),
        // The toml crate gives no position for a key that is too deep, so these point at line 1.
        case(
            "dotted key 10 000 deep",
            edit(&[("[tables.tags]\n", &format!("[tables.tags]\n{deep_key}\n"))]),
            "# A small schema",
            syntax("recursion limit"),
        ),
        case(
            "table header 10 000 deep",
            edit(&[(AUDIT_APPEND_ONLY, &format!("{deep_header}\n{AUDIT_APPEND_ONLY}"))]),
            "# A small schema",
            syntax("recursion limit"),
        ),
    ]
}

/// Variants that look hostile or unusual but are fine: the checks must let them through.
fn accepted() -> Vec<(&'static str, String)> {
    vec![
        ("the base schema", BASE.to_owned()),
        (
            "a generated citext column, indexed by an expression and a column",
            edit(&[
                (
                    "extensions = [\"btree_gist\"]",
                    "extensions = [\"btree_gist\", \"citext\"]",
                ),
                (
                    TAGS_LABEL,
                    &format!(
                        "{TAGS_LABEL}\nfolded = {{ type = \"citext\", generated = \"lower(label)\", class = \"public\" }}"
                    ),
                ),
                (
                    TAGS_INDEX,
                    r#"indexes = [{ columns = ["label"], where = "label <> ''" }, { columns = ["folded"], expressions = ["length(label)"], unique = true }]"#,
                ),
            ]),
        ),
        (
            "a policy naming its table only in a string, a column or another table",
            edit(&[(
                TAGS_READ_USING,
                r#"using = "label <> 'from tags' and exists (select 1 from public.notes n where n.status = tags.label and n.user_id = (select auth.uid()))""#,
            )]),
        ),
        (
            "a select policy calling a definer function that reads its table",
            edit(&[
                ("from public.notes\"", "from public.tags\""),
                (TAGS_READ_USING, r#"using = "(select public.note_count()) < 1000""#),
            ]),
        ),
        (
            "an insert policy calling an invoker function that reads its table",
            edit(&[
                ("security = \"definer\"\n", "security = \"invoker\"\n"),
                ("from public.notes\"", "from public.tags\""),
                (TAGS_ADD_CHECK, r#"with_check = "(select public.note_count()) < 1000""#),
            ]),
        ),
        (
            "an append-only table whose foreign key restricts the parent's delete",
            edit(&[
                (
                    AUDIT_APPEND_ONLY,
                    "[tables.audit_logs]\nappend_only = true\nindexes = [{ columns = [\"note_id\"] }]\n",
                ),
                (
                    "record_id = { type",
                    "note_id = { type = \"uuid\", nullable = true, references = { table = \"notes\", column = \"id\", on_delete = \"restrict\" }, class = \"administrative\" }\nrecord_id = { type",
                ),
            ]),
        ),
        (
            "a metadata-only table of ids, numbers and closed sets",
            with_ai_runs(""),
        ),
        (
            "varchar with allow = [\"varchar\"]",
            edit(&[(
                TAGS_LABEL,
                &TAGS_LABEL.replacen("\"text\",", "\"varchar(40)\", allow = [\"varchar\"],", 1),
            )]),
        ),
        (
            "timestamp with allow = [\"timestamp\"]",
            edit(&[(
                r#"created_at = { type = "timestamptz""#,
                r#"created_at = { type = "timestamp", allow = ["timestamp"]"#,
            )]),
        ),
        (
            "json with allow = [\"json\"]",
            edit(&[(
                r#"body = { type = "text""#,
                r#"body = { type = "json", allow = ["json"]"#,
            )]),
        ),
        (
            "text primary key with allow = [\"non_uuid_key\"]",
            edit(&[
                ("[tables.tags]\n", "[tables.tags]\nprimary_key = [\"label\"]\n"),
                (TAGS_ID, "[tables.tags.columns]\nid = { type = \"uuid\","),
                (
                    TAGS_LABEL,
                    &TAGS_LABEL.replacen("class", "allow = [\"non_uuid_key\"], class", 1),
                ),
            ]),
        ),
        (
            "quotes, semicolons and comment markers inside strings",
            edit(&[(
                r#"body = { type = "text", class = "phi" }"#,
                r#"body = { type = "text", default = "'it''s; fine -- really /* no comment */ $$ \\ E'", class = "phi" }"#,
            )]),
        ),
        (
            "a semicolon inside a quoted identifier",
            edit(&[(
                r#""char_length(label) between 1 and 40""#,
                r#""\"la;bel\" is null or label is not null""#,
            )]),
        ),
        (
            "a dollar sign inside an identifier",
            edit(&[(
                r#""char_length(label) between 1 and 40""#,
                r#""label$x is null or x1$y is null""#,
            )]),
        ),
        (
            "a second select policy that is restrictive",
            edit(&[(
                "[tables.audit_logs]\n",
                "[[tables.tags.policies]]\nname = \"tags_read_named\"\ncommand = \"select\"\nroles = [\"authenticated\"]\nrestrictive = true\nusing = \"label <> ''\"\n\n[tables.audit_logs]\n",
            )]),
        ),
        (
            "an always-true select policy",
            edit(&[(TAGS_READ_USING, r#"using = "true""#)]),
        ),
        (
            "a column named self with rust_name",
            edit(&[(
                TAGS_LABEL,
                &format!("{TAGS_LABEL}\nself = {{ type = \"text\", rust_name = \"self_\", class = \"public\" }}"),
            )]),
        ),
        (
            "a column named type",
            edit(&[(
                TAGS_LABEL,
                &format!("{TAGS_LABEL}\ntype = {{ type = \"text\", class = \"public\" }}"),
            )]),
        ),
        ("a table named like a Rust keyword", rename_tags("match")),
        (
            "a table named results with a rust_name",
            edit(&[])
                .replace("tables.tags]", "tables.results]")
                .replace("tables.tags.", "tables.results.")
                .replacen("[tables.results]\n", "[tables.results]\nrust_name = \"LabResult\"\n", 1),
        ),
        (
            "a value that becomes V-prefixed",
            edit(&[(
                r#"values = ["draft", "sent"]"#,
                r#"values = ["draft", "2fa", "in progress", "v1.2-beta"]"#,
            )]),
        ),
        (
            "a primary key name of exactly 63 bytes",
            edit(&[(
                TAGS_INDEX,
                r#"indexes = [{ name = "tags_by_label", columns = ["label"] }]"#,
            )])
            .replace("tables.tags", &format!("tables.{}", "t".repeat(58)))
            .replacen(", check = \"char_length(label) between 1 and 40\"", "", 1),
        ),
        (
            "comments holding quotes, comment markers, a body delimiter and line breaks",
            edit(&[
                (
                    "[tables.tags]\n",
                    r#"[tables.tags]
comment = "it's \"quoted\" */ /* -- ; $function$ $$ E'\\' \n\t}\u202E"
"#,
                ),
                (
                    TAGS_LABEL,
                    &TAGS_LABEL.replacen("class", r#"comment = '*/ #[doc = "x"] """ ', class"#, 1),
                ),
                (
                    "returns = \"integer\"\n",
                    "returns = \"integer\"\ncomment = \"'); drop table notes; --\"\n",
                ),
            ]),
        ),
        (
            "a file exactly at the size limit",
            format!("{BASE}#{}\n", "x".repeat(MAX_SCHEMA_BYTES - BASE.len() - 2)),
        ),
    ]
}

/// The 1-based line where `marker`, which must occur exactly once in `text`, starts.
fn line_of(text: &str, marker: &str) -> Result<usize, String> {
    match text
        .match_indices(marker)
        .map(|(at, _)| at)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [at] => Ok(text[..*at].matches('\n').count() + 1),
        found => Err(format!(
            "the line marker {marker:?} occurs {} times, not once",
            found.len()
        )),
    }
}

/// [`BASE`] with a bucket `voice_notes` of the given keys at its end.
fn with_bucket(keys: &str) -> String {
    format!("{BASE}\n[buckets.voice_notes]\n{keys}\n")
}

fn bucket_cases() -> Vec<Case> {
    let bucket = || "voice_notes".to_owned();
    vec![
        case(
            "public PHI bucket",
            with_bucket("phi = true\nowner = \"first_folder\"\npublic = true"),
            "public = true",
            Problem::PhiBucketPublic { bucket: bucket() },
        ),
        case(
            "PHI bucket without an owner rule",
            with_bucket("phi = true"),
            "phi = true",
            Problem::PhiBucketWithoutOwner { bucket: bucket() },
        ),
        case(
            "unknown bucket owner rule",
            with_bucket("owner = \"user_id\""),
            "owner = \"user_id\"",
            Problem::UnknownBucketOwner {
                bucket: bucket(),
                value: "user_id".into(),
            },
        ),
        case(
            "negative file size limit",
            with_bucket("file_size_limit = -1"),
            "file_size_limit = -1",
            Problem::BadFileSizeLimit {
                bucket: bucket(),
                value: -1,
            },
        ),
        case(
            "MIME type without a subtype",
            with_bucket("allowed_mime_types = [\"audio/webm\", \"audio\"]"),
            "allowed_mime_types",
            Problem::BadMimeType {
                bucket: bucket(),
                value: "audio".into(),
            },
        ),
        case(
            "bucket name in upper case",
            format!("{BASE}\n[buckets.VoiceNotes]\n"),
            "[buckets.VoiceNotes]",
            unsafe_identifier("bucket", "VoiceNotes"),
        ),
        case(
            "unknown key in a bucket",
            with_bucket("private = true"),
            "private = true",
            syntax(
                "unknown field `private`, expected one of `public`, `file_size_limit`, `allowed_mime_types`, `owner`, `phi`",
            ),
        ),
    ]
}

/// [`BASE`] with an enum `visit_status` of the given keys and a table `bookings` whose column
/// `status` is of type `column_type`.
fn with_enum(keys: &str, column_type: &str) -> String {
    format!(
        "{BASE}\n[enums.visit_status]\n{keys}\n\n[tables.bookings.columns]\n\
         id = {{ type = \"uuid\", primary_key = true, default = \"gen_random_uuid()\", class = \"public\" }}\n\
         status = {{ type = \"{column_type}\", class = \"public\" }}\n"
    )
}

fn enum_cases() -> Vec<Case> {
    let values = r#"values = ["booked", "seen"]"#;
    vec![
        case(
            "misspelt enum type",
            with_enum(values, "visit_stauts"),
            "type = \"visit_stauts\"",
            Problem::UnknownTypeNearEnum {
                found: "visit_stauts".into(),
                closest: "visit_status".into(),
            },
        ),
        case(
            "enum without values",
            with_enum("values = []", "visit_status"),
            "values = []",
            Problem::EmptyValues,
        ),
        case(
            "enum value twice",
            with_enum(r#"values = ["booked", "seen", "booked"]"#, "visit_status"),
            r#"values = ["booked", "seen", "booked"]"#,
            Problem::Duplicate {
                what: "value",
                name: "booked".into(),
            },
        ),
        case(
            "enum label with a quote",
            with_enum(r#"values = ["booked", "don't"]"#, "visit_status"),
            r#"values = ["booked", "don't"]"#,
            Problem::BadValue { value: "don't".into() },
        ),
        case(
            "enum named like a table",
            with_enum(values, "text").replace("[enums.visit_status]", "[enums.bookings]"),
            "[enums.bookings]",
            Problem::EnumNameTaken {
                name: "bookings".into(),
                by: "a table",
            },
        ),
        case(
            "enum named like a built-in type",
            with_enum(values, "text").replace("[enums.visit_status]", "[enums.interval]"),
            "[enums.interval]",
            Problem::EnumNameTaken {
                name: "interval".into(),
                by: "a built-in type",
            },
        ),
        case(
            "enum default outside its values",
            with_enum(values, "visit_status").replace(
                "type = \"visit_status\", class",
                "type = \"visit_status\", default = \"'cancelled'::visit_status\", class",
            ),
            "default = \"'cancelled'::visit_status\"",
            Problem::DefaultOutsideValues {
                default: "cancelled".into(),
                values: vec!["booked".into(), "seen".into()],
            },
        ),
        case(
            "renamed value not among the values",
            with_enum(
                &format!("{values}\nrenamed_values = {{ attended = \"seen\" }}"),
                "visit_status",
            ),
            "renamed_values",
            Problem::RenamedValueUnknown {
                name: "visit_status".into(),
                value: "attended".into(),
            },
        ),
        case(
            "unknown key in an enum",
            with_enum(&format!("{values}\nvalue = \"booked\""), "visit_status"),
            "value = \"booked\"",
            syntax("unknown field `value`, expected one of `values`, `comment`, `renamed_values`"),
        ),
        case(
            "allow_drop of an enum value without a value",
            format!(
                "{}\n[migration]\nallow_drop = [\"enum:visit_status.\"]\n",
                with_enum(values, "visit_status")
            ),
            "allow_drop",
            Problem::BadMigrationEntry {
                entry: "enum:visit_status.".into(),
            },
        ),
    ]
}

#[test]
fn every_bad_input_gets_its_exact_error() {
    let mut cases = identifier_cases();
    cases.extend(expression_cases());
    cases.extend(rule_cases());
    cases.extend(bucket_cases());
    cases.extend(column_feature_cases());
    cases.extend(enum_cases());
    assert!(cases.len() >= 60, "the corpus shrank to {} cases", cases.len());
    let mut names = HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name.as_str()), "two cases are named `{}`", case.name);
        assert_ne!(case.toml, BASE, "case `{}` does not change the base schema", case.name);
    }

    let mut failures = Vec::new();
    let mut by_problem: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let line = match line_of(&case.toml, &case.line) {
            Ok(line) => line,
            Err(message) => {
                failures.push(format!("{}: {message}", case.name));
                continue;
            }
        };
        let source = SourceFile::new("schema.toml", case.toml.as_str());
        let error = match render_schema(&source, None) {
            Err(Error::Schema(error)) => error,
            Err(other) => {
                failures.push(format!(
                    "{}: expected {:?}, got another error: {other}",
                    case.name, case.problem
                ));
                continue;
            }
            Ok(_) => {
                failures.push(format!(
                    "{}: expected {:?}, but the schema was accepted",
                    case.name, case.problem
                ));
                continue;
            }
        };
        let variant = format!("{:?}", error.problem());
        let variant = variant.split([' ', '{', '(']).next().unwrap_or_default().to_owned();
        *by_problem.entry(variant).or_default() += 1;
        let mut wrong = Vec::new();
        if error.problem() != &case.problem {
            wrong.push(format!("problem {:?}, expected {:?}", error.problem(), case.problem));
        }
        if error.line() != line {
            wrong.push(format!("line {}, expected {line}", error.line()));
        }
        let rendered = error.to_string();
        let location = format!("schema.toml:{line}:");
        if !rendered.contains(&location) {
            wrong.push(format!("the message does not contain `{location}`"));
        }
        let help = case.problem.help();
        if help.trim().is_empty() || !rendered.contains(&help) {
            wrong.push(format!("the message does not end with the help `{help}`"));
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}\n{rendered}", case.name, wrong.join("; ")));
        }
    }
    println!("{} bad inputs, each with its exact error: {by_problem:?}", cases.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

/// A column of `notes`, added after its last one.
fn with_notes_column(line: &str) -> String {
    const NOTES_UPDATED_AT: &str =
        "updated_at = { type = \"timestamptz\", default = \"now()\", class = \"administrative\" }\n\n[tables.replies]";
    edit(&[(
        NOTES_UPDATED_AT,
        &NOTES_UPDATED_AT.replacen("\n", &format!("\n{line}\n"), 1),
    )])
}

/// Generated columns, expression indexes and `citext`.
fn column_feature_cases() -> Vec<Case> {
    const LOWERED: &str = r#"lowered = { type = "text", generated = "lower(body)", class = "phi" }"#;
    const CODES: &str = "[tables.codes]\nprimary_key = [\"code\"]\n\n[tables.codes.columns]\nlabel = { type = \"text\", class = \"public\" }\ncode = { type = \"text\", generated = \"lower(label)\", class = \"public\", allow = [\"non_uuid_key\"] }\n\n";
    let generated_with = |other| Problem::GeneratedWith { other };
    vec![
        case(
            "generated column with a default",
            with_notes_column(
                r#"lowered = { type = "text", generated = "lower(body)", default = "''", class = "phi" }"#,
            ),
            "lowered = ",
            generated_with("`default`"),
        ),
        case(
            "generated column that is an identity",
            with_notes_column(
                r#"seq = { type = "bigint", generated = "1", identity = "always", class = "administrative" }"#,
            ),
            "seq = ",
            generated_with("`identity`"),
        ),
        case(
            "generated column as the primary key",
            edit(&[(AUDIT_APPEND_ONLY, &format!("{CODES}{AUDIT_APPEND_ONLY}"))]),
            "primary_key = [\"code\"]",
            generated_with("`primary_key`"),
        ),
        case(
            "generated column that is its own primary key",
            edit(&[(
                AUDIT_APPEND_ONLY,
                &format!(
                    "{}{AUDIT_APPEND_ONLY}",
                    CODES
                        .replace("primary_key = [\"code\"]\n", "")
                        .replace("generated =", "primary_key = true, generated =")
                ),
            )]),
            "code = ",
            generated_with("`primary_key`"),
        ),
        case(
            "generated column reading another generated column",
            with_notes_column(&format!(
                "{LOWERED}\ninitial = {{ type = \"text\", generated = \"left(lowered, 1)\", class = \"phi\" }}"
            )),
            "initial = ",
            Problem::GeneratedReadsGenerated {
                column: "initial".into(),
                other: "lowered".into(),
            },
        ),
        case(
            "generated expression that ends the statement",
            with_notes_column(
                r#"lowered = { type = "text", generated = "lower(body)) stored, x text generated always as (1", class = "phi" }"#,
            ),
            "lowered = ",
            Problem::UnsafeExpression {
                reason: "closes a parenthesis it never opened",
            },
        ),
        case(
            "citext without its extension",
            edit(&[(TAGS_LABEL, &TAGS_LABEL.replace("\"text\"", "\"citext\""))]),
            "label = ",
            Problem::CitextWithoutExtension { name: "label".into() },
        ),
        case(
            "citext array without its extension",
            with_notes_column(r#"aliases = { type = "citext[]", default = "'{}'", class = "phi" }"#),
            "aliases = ",
            Problem::CitextWithoutExtension { name: "aliases".into() },
        ),
        case(
            "citext function argument without its extension",
            edit(&[(
                "[functions.note_count]\n",
                "[functions.note_count]\nargs = [{ name = \"email\", type = \"citext\" }]\n",
            )]),
            "args = ",
            Problem::CitextWithoutExtension { name: "email".into() },
        ),
        case(
            "index expression with a comment",
            edit(&[(
                TAGS_INDEX,
                r#"indexes = [{ expressions = ["lower(label) -- folded"] }]"#,
            )]),
            "indexes = [{ expressions",
            Problem::UnsafeExpression {
                reason: "contains a `--` comment",
            },
        ),
        case(
            "index with neither columns nor expressions",
            edit(&[(TAGS_INDEX, r#"indexes = [{ expressions = [], unique = true }]"#)]),
            "indexes = [{ expressions",
            Problem::EmptyColumnList { what: "an index" },
        ),
    ]
}

/// A typo in a key or a value names what was meant, at its line.
#[test]
fn a_misspelt_key_or_value_names_the_one_meant() {
    for (from, to, meant) in [
        (
            r#"body = { type = "text", class = "phi" }"#,
            r#"body = { type = "text", clas = "phi" }"#,
            "class",
        ),
        (
            r#"body = { type = "text", class = "phi" }"#,
            r#"body = { type = "text", class = "ph1" }"#,
            "phi",
        ),
        ("[tables.tags]\n", "[tables.tags]\nappend_onyl = true\n", "append_only"),
    ] {
        let text = edit(&[(from, to)]);
        let source = SourceFile::new("schema.toml", text.as_str());
        let Err(Error::Schema(error)) = render_schema(&source, None) else {
            panic!("`{to}` was accepted");
        };
        let line = line_of(&text, to.lines().last().unwrap_or(to)).expect("the edited line");
        assert_eq!(error.line(), line, "{error}");
        let help = format!("help: did you mean `{meant}`?");
        assert!(error.to_string().contains(&help), "{error}");
    }
}

/// Memberships that each user may see for the organisations they belong to, the lookup done as
/// the refusals of a self-reading policy say: in a `security definer` function.
const MEMBERSHIPS: &str = r#"
[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[functions.is_member]
args = [{ name = "org", type = "uuid" }]
returns = "boolean"
language = "sql"
security = "definer"
volatility = "stable"
execute = ["authenticated"]
body = "select exists (select 1 from public.memberships m where m.org_id = org and m.user_id = (select auth.uid()))"

[tables.memberships]
indexes = [{ columns = ["user_id"] }]
policies = [{ name = "memberships_read", command = "select", roles = ["authenticated"], using = "(select public.is_member(org_id))" }]

[tables.memberships.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
org_id = { type = "uuid", class = "administrative" }
user_id = { type = "uuid", references = { table = "auth.users", column = "id" }, class = "administrative" }
"#;

/// The fix the two recursion refusals give works, and what they refuse fails in PostgreSQL as
/// their messages say: the function made `security invoker`, or the lookup written into the
/// policy itself.
#[test]
fn a_membership_lookup_works_only_through_a_definer_function() {
    let refusal = |schema: String| match render_schema(&SourceFile::new("schema.toml", schema), None) {
        Err(Error::Schema(error)) => error.problem().clone(),
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        refusal(MEMBERSHIPS.replace("security = \"definer\"", "security = \"invoker\"")),
        Problem::PolicyCallsInvokerReadingItsTable {
            policy: "memberships_read".into(),
            function: "is_member".into(),
            table: "memberships".into(),
        }
    );
    assert_eq!(
        refusal(MEMBERSHIPS.replace(
            "using = \"(select public.is_member(org_id))\"",
            "using = \"exists (select 1 from public.memberships m where m.org_id = org_id and m.user_id = (select auth.uid()))\""
        )),
        Problem::PolicyReadsItsTable {
            policy: "memberships_read".into(),
            table: "memberships".into(),
        }
    );
    let (_, sql, _) =
        render_schema(&SourceFile::new("schema.toml", MEMBERSHIPS), None).unwrap_or_else(|e| panic!("{e}"));
    let mut db = TestDb::new(Grants::Explicit);
    db.execute(&sql, "the generated migration");
    let (alone, shared) = (db.create_user(), db.create_user());
    db.execute(
        &format!(
            "insert into public.memberships (org_id, user_id) values \
             ('00000000-0000-0000-0000-000000000001', '{alone}'), \
             ('00000000-0000-0000-0000-000000000001', '{shared}'), \
             ('00000000-0000-0000-0000-000000000002', '{shared}')"
        ),
        "the memberships",
    );
    let visible = |db: &mut TestDb, user| {
        db.act(Actor::user(user), |tx| {
            tx.query_one("select count(*) from public.memberships", &[])
                .map(|row| row.get::<_, i64>(0))
                .map_err(|e| e.as_db_error().map(|d| d.message().to_owned()).unwrap_or_default())
        })
    };
    assert_eq!(visible(&mut db, alone), Ok(2), "the rows of the one organisation");
    assert_eq!(visible(&mut db, shared), Ok(3), "the rows of both organisations");

    db.execute(
        "alter function public.is_member(uuid) security invoker",
        "the invoker form",
    );
    assert_eq!(visible(&mut db, alone), Err("stack depth limit exceeded".to_owned()));

    db.execute(
        "drop policy memberships_read on public.memberships; \
         create policy memberships_read on public.memberships for select to authenticated using \
         (exists (select 1 from public.memberships m where m.org_id = org_id and m.user_id = (select auth.uid())))",
        "the policy that reads its own table",
    );
    assert_eq!(
        visible(&mut db, alone),
        Err("infinite recursion detected in policy for relation \"memberships\"".to_owned())
    );
}

#[test]
fn inputs_that_only_look_bad_are_accepted() {
    let mut failures = Vec::new();
    for (name, toml) in accepted() {
        let source = SourceFile::new("schema.toml", toml);
        match render_schema(&source, None) {
            Ok((schema, sql, rust)) => {
                assert!(!schema.tables.is_empty() && sql.contains("create table") && rust.contains("pub struct"));
            }
            Err(error) => failures.push(format!("{name}: {error}")),
        }
    }
    assert!(failures.is_empty(), "rejected:\n\n{}", failures.join("\n\n"));
}

/// Every file below `dir`, by path relative to it, with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in fs::read_dir(&current).expect("readable directory") {
            let path = entry.expect("readable entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = fs::read(&path).expect("readable file");
                files.insert(path.strip_prefix(dir).expect("below dir").to_owned(), bytes);
            }
        }
    }
    files
}

#[test]
fn a_broken_schema_writes_nothing() {
    let root = tempfile::tempdir().expect("temporary project");
    let out = tempfile::tempdir().expect("temporary OUT_DIR");
    let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).expect("a valid time");
    let mut config = Config::new();
    config
        .root(root.path())
        .out_dir(out.path())
        .write_mode(WriteMode::Write)
        .build_time(now);
    let project = config.project();
    let supabase = root.path().join("supabase");
    let migrations = project.migrations_dir.clone();
    fs::create_dir_all(&migrations).expect("create migrations folder");
    let existing = "-- written by hand\ncreate table public.kept (id uuid primary key);\n";
    fs::write(migrations.join("20240101000000_kept.sql"), existing).expect("write migration");
    fs::write(out.path().join("schema.rs"), "// the types of the last good build\n").expect("write types");

    // Broken late: the schema parses and nearly all of it validates before the audit table fails.
    let broken = edit(&[(AUDIT_APPEND_ONLY, "[tables.audit_logs]\n")]);
    fs::write(&project.schema_path, &broken).expect("write schema");
    let before = (snapshot(&supabase), snapshot(out.path()));
    assert_eq!(before.0.len(), 1);
    assert_eq!(before.1.len(), 1);
    match config.run() {
        Err(Error::Schema(error)) => {
            let expected = Problem::AuditTableNotAppendOnly {
                table: "audit_logs".into(),
            };
            assert_eq!(error.problem(), &expected);
            assert_eq!(Ok(error.line()), line_of(&broken, "audit_table = "));
        }
        Err(other) => panic!("expected a schema error, got {other}"),
        Ok(messages) => panic!("a broken schema built: {messages:?}"),
    }
    let after = (snapshot(&supabase), snapshot(out.path()));
    assert!(before == after, "a failed build changed files");

    // The same project with the schema fixed writes both, so the comparison above can fail.
    fs::write(&project.schema_path, BASE).expect("write schema");
    let messages = config.run().expect("the base schema builds");
    assert!(!messages.is_empty());
    let fixed = (snapshot(&supabase), snapshot(out.path()));
    assert!(fixed.0.len() > before.0.len(), "a migration is written: {messages:?}");
    assert_eq!(
        fixed.0.get(Path::new("migrations/20240101000000_kept.sql")),
        before.0.get(Path::new("migrations/20240101000000_kept.sql"))
    );
    assert_ne!(fixed.1, before.1, "the types are written");
}

/// [`BASE`] and 200 more small tables, the `i`-th with the extra column line `extra(i)` when it
/// gives one: large enough that reading and checking run on several threads.
fn many_tables(extra: impl Fn(usize) -> Option<String>) -> String {
    let mut toml = BASE.to_owned();
    for i in 0..200 {
        toml.push_str(&format!(
            "\n[tables.extra_{i}]\nowner = {{ column = \"user_id\" }}\nindexes = [{{ columns = [\"user_id\"] }}]\n\n\
             [tables.extra_{i}.columns]\n\
             id = {{ type = \"uuid\", primary_key = true, default = \"gen_random_uuid()\", class = \"administrative\" }}\n\
             user_id = {{ type = \"uuid\", references = {{ table = \"auth.users\", column = \"id\" }}, class = \"administrative\" }}\n"
        ));
        if let Some(line) = extra(i) {
            toml.push_str(&line);
            toml.push('\n');
        }
    }
    toml
}

/// Tables are read and checked on every core; the error reported must still be the first in
/// the file, as one pass over the tables would find it.
#[test]
fn errors_in_a_large_schema_are_reported_in_file_order() {
    let source = SourceFile::new("schema.toml", many_tables(|_| None));
    if let Err(error) = render_schema(&source, None) {
        panic!("the large schema without errors is refused: {error}");
    }
    for (stage, bad) in [
        (
            "reading",
            "colour = { type = \"text\", class = \"public\", shade = \"red\" }",
        ),
        (
            "the first check",
            "colour = { type = \"varchar(20)\", class = \"public\" }",
        ),
        (
            "the second check",
            "colour = { type = \"uuid\", class = \"public\", references = { table = \"nowhere\", column = \"id\" } }",
        ),
    ] {
        let marked = |i: usize| format!("{} # bad {i}", bad);
        let text = many_tables(|i| [40, 170].contains(&i).then(|| marked(i)));
        let expected = line_of(&text, &marked(40)).expect("marker");
        let source = SourceFile::new("schema.toml", text);
        match render_schema(&source, None) {
            Err(Error::Schema(error)) => assert_eq!(
                error.line(),
                expected,
                "{stage}: reported line {}, the first bad table is at line {expected}:\n{error}",
                error.line()
            ),
            Err(other) => panic!("{stage}: expected a schema error, got {other}"),
            Ok(_) => panic!("{stage}: the bad schema was accepted"),
        }
    }
}
