//! Errors of every stage. A [`SchemaError`] points at a span of `schema.toml` and renders with
//! the source line, a caret and a sentence saying what to write instead.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::fmt;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

/// A schema file's text, with the name errors show for it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: Arc<str>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> SourceFile {
        SourceFile {
            path: path.into(),
            text: text.into(),
        }
    }

    /// 1-based line of the byte at `offset`.
    pub fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    pub fn error(&self, span: Range<usize>, problem: Problem) -> SchemaError {
        SchemaError(Box::new(Located {
            file: self.clone(),
            span,
            problem,
        }))
    }
}

/// One problem in `schema.toml`, where it is, and how to fix it. Boxed, so that results
/// carrying it stay small.
#[derive(Debug)]
pub struct SchemaError(Box<Located>);

#[derive(Debug)]
struct Located {
    file: SourceFile,
    span: Range<usize>,
    problem: Problem,
}

impl SchemaError {
    pub fn problem(&self) -> &Problem {
        &self.0.problem
    }

    pub fn path(&self) -> &str {
        &self.0.file.path
    }

    pub fn span(&self) -> Range<usize> {
        self.0.span.clone()
    }

    /// 1-based line of the start of the span.
    pub fn line(&self) -> usize {
        self.0.file.line(self.start())
    }

    /// 1-based column (in characters) of the start of the span.
    pub fn column(&self) -> usize {
        let start = self.start();
        let line_start = self.0.file.text[..start].rfind('\n').map_or(0, |i| i + 1);
        self.0.file.text[line_start..start].chars().count() + 1
    }

    /// Where the span starts, on a character boundary. The end of a file that ends with a line
    /// break is the end of its last line, as the rendered snippet shows it, not a line of its own.
    fn start(&self) -> usize {
        let text = &self.0.file.text;
        let start = floor_char_boundary(text, self.0.span.start);
        if start == text.len() && text.ends_with('\n') {
            start - 1
        } else {
            start
        }
    }

    /// `file:line:column: message` on one line, then the fix: the form tests and logs use.
    pub fn summary(&self) -> String {
        format!(
            "{}:{}:{}: {}\nhelp: {}",
            self.0.file.path,
            self.line(),
            self.column(),
            self.0.problem,
            self.0.problem.help()
        )
    }
}

fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut i = index.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = &self.0.file.text;
        let start = floor_char_boundary(text, self.0.span.start);
        let end = floor_char_boundary(text, self.0.span.end.max(start));
        let title = self.0.problem.to_string();
        let help = self.0.problem.help();
        let report = [
            Level::ERROR.primary_title(&title).element(
                Snippet::source(text.as_ref())
                    .path(&self.0.file.path)
                    .annotation(AnnotationKind::Primary.span(start..end)),
            ),
            Group::with_title(Level::HELP.secondary_title(&help)),
        ];
        f.write_str(&Renderer::plain().render(&report))
    }
}

impl std::error::Error for SchemaError {}

/// Everything that can be wrong in a `schema.toml`, as sentences. [`Problem::help`] says what
/// to write instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Problem {
    #[error("{message}")]
    Syntax { message: String },
    #[error("schema.toml is {bytes} bytes; the limit is {limit}")]
    TooLarge { bytes: usize, limit: usize },
    #[error("`{name}` is not a safe SQL identifier for a {what}")]
    UnsafeIdentifier { what: &'static str, name: String },
    #[error("{what} `{name}` is declared twice")]
    Duplicate { what: &'static str, name: String },
    #[error("unknown column type `{found}`")]
    UnknownType { found: String },
    #[error("unknown column type `{found}`")]
    UnknownTypeNearEnum { found: String, closest: String },
    #[error("enum `{name}` has the name of {by}")]
    EnumNameTaken { name: String, by: &'static str },
    #[error("enum `{name}` would become the Rust type `{rust_name}`, which the generated code cannot use")]
    EnumRustName { name: String, rust_name: String },
    #[error("`renamed_values` of enum `{name}` renames to `{value}`, which is not one of its values")]
    RenamedValueUnknown { name: String, value: String },
    #[error("`renamed_values` of enum `{name}` renames `{value}`, which is still one of its values")]
    RenamedValueStillListed { name: String, value: String },
    #[error("`{found}` is a serial type")]
    SerialType { found: String },
    #[error("`{found}` has a type modifier that is not valid here")]
    BadTypeModifier { found: String },
    #[error("`{found}` puts a length limit into the type")]
    RuleVarchar { found: String },
    #[error("`{found}` stores times without a time zone")]
    RuleTimestamp { found: String },
    #[error("`json` keeps the text as written and cannot be indexed well")]
    RuleJson,
    #[error("`{found}` is not a rule that can be allowed")]
    UnknownAllow { found: String },
    #[error("column `{column}` has no data classification")]
    MissingClass { column: String },
    #[error("table `{table}` has no primary key")]
    NoPrimaryKey { table: String },
    #[error("table `{table}` declares its primary key more than once")]
    TwoPrimaryKeys { table: String },
    #[error("the primary key `{column}` is `{found}`, not `uuid`")]
    NonUuidKey { column: String, found: String },
    #[error("table `{table}` has no column `{column}`")]
    UnknownColumn {
        table: String,
        column: String,
        known: Vec<String>,
    },
    #[error("table `{name}` is not declared")]
    UnknownTable { name: String },
    #[error("`{column}` is `{column_type}` but references `{target}` of type `{target_type}`")]
    ReferenceTypeMismatch {
        column: String,
        column_type: String,
        target: String,
        target_type: String,
    },
    #[error("`{target}({columns})` is not a primary key or unique constraint, so it cannot be referenced")]
    ReferenceNotKey { target: String, columns: String },
    #[error("`{target}({columns})` is a unique key of a Supabase Auth table, not its primary key")]
    ReferenceAuthUnique {
        target: String,
        columns: String,
        primary_key: String,
    },
    #[error("the foreign key has {columns} column(s) but references {targets}")]
    ReferenceArity { columns: usize, targets: usize },
    #[error("`on_delete` limited to columns needs exactly one non-empty `set_null` or `set_default` list")]
    DeleteActionColumns,
    #[error("`{column}` is not a column of the foreign key ({key})")]
    DeleteActionColumnNotInKey { column: String, key: String },
    #[error("`on_delete` sets `{column}` to null, but the column is not nullable")]
    SetNullColumnNotNullable { column: String },
    #[error("foreign key `{table}({columns})` has no index that starts with its columns")]
    UnindexedForeignKey {
        table: String,
        columns: String,
        /// The line of the first entry of the table's `indexes` list, when it has one: the help
        /// then extends that list, as a second `indexes` key would be a duplicate.
        indexes_line: Option<usize>,
    },
    #[error("an identity column must be smallint, integer or bigint, not `{found}`")]
    IdentityType { found: String },
    #[error("an identity column cannot also have a default")]
    IdentityWithDefault,
    #[error("a generated column cannot also have {other}")]
    GeneratedWith { other: &'static str },
    #[error("the generated column `{column}` reads `{other}`, which is generated too")]
    GeneratedReadsGenerated { column: String, other: String },
    #[error("`{name}` is `citext`, which the `citext` extension provides, and `extensions` does not list it")]
    CitextWithoutExtension { name: String },
    #[error(
        "column `{column}` would become generated, which PostgreSQL 15 can do only by dropping it with its values and adding it again"
    )]
    GeneratedReplacesValues { column: String },
    #[error("a closed value set needs a text column, not `{found}`")]
    ValuesNotText { found: String },
    #[error("a closed value set needs at least one value")]
    EmptyValues,
    #[error("`{value}` is not a usable value for a closed set")]
    BadValue { value: String },
    #[error("the default `{default}` is not one of the column's values")]
    DefaultOutsideValues { default: String, values: Vec<String> },
    #[error("values `{first}` and `{second}` both become the Rust variant `{variant}`")]
    DuplicateVariant {
        first: String,
        second: String,
        variant: String,
    },
    #[error("this SQL expression {reason}")]
    UnsafeExpression { reason: &'static str },
    #[error("the policy calls `{call}` once per row")]
    AuthCallNotWrapped { call: String },
    #[error("policies `{first}` and `{second}` are both permissive for `{role}` on `{command}`")]
    MultiplePermissive {
        first: String,
        /// Whether `first` is one of the `owner` short form's policies, not a written one.
        first_from_owner: bool,
        second: String,
        role: String,
        command: String,
    },
    #[error(
        "policy `{policy}` reads its own table `{table}`, so every query on it would fail with \"infinite recursion detected in policy\""
    )]
    PolicyReadsItsTable { policy: String, table: String },
    #[error(
        "policy `{policy}` calls `{function}`, which reads the policy's table `{table}` with the caller's rights, so every query on it would fail with \"stack depth limit exceeded\""
    )]
    PolicyCallsInvokerReadingItsTable {
        policy: String,
        function: String,
        table: String,
    },
    #[error("table `{table}` has policies but row level security is off")]
    PolicyWithoutRls { table: String },
    #[error(
        "table `{table}` has `realtime = true` but row level security is off, so Realtime would send every change to every subscriber, `anon` included"
    )]
    RealtimeWithoutRls { table: String },
    #[error("table `{table}` grants `{role}` access but row level security is off, so every row is open to it")]
    GrantWithoutRls { table: String, role: String },
    #[error("unique `({columns})` repeats the {key} of table `{table}`, so the table would get two identical indexes")]
    DuplicateKey {
        table: String,
        columns: String,
        key: &'static str,
    },
    #[error("column `{column}` holds PHI but table `{table}` has row level security off")]
    PhiWithoutRls { table: String, column: String },
    #[error("column `{column}` holds PHI but table `{table}` has no policy saying who may see it")]
    PhiWithoutPolicy { table: String, column: String },
    #[error("a `{command}` policy cannot have `{key}`")]
    PolicyClause { command: String, key: &'static str },
    #[error("the policy has neither `using` nor `with_check`")]
    PolicyWithoutExpression,
    #[error("`owner` needs exactly one of `column`, `via` or `membership`")]
    OwnerForm,
    #[error("the membership table `{table}` is not a table of this schema")]
    MembershipTableUnknown { table: String },
    #[error("the {what} column `{column}` is `{found}` in table `{table}`; a {what} id is `uuid`")]
    MembershipColumnType {
        table: String,
        column: String,
        what: &'static str,
        found: String,
    },
    #[error("role `{role}` is not one of the values of `{table}.{column}`: {values}")]
    MembershipRoleUnknown {
        role: String,
        table: String,
        column: String,
        values: String,
    },
    #[error("`{table}` is the membership table of more than one owner rule, and they name its columns differently")]
    MembershipLookupsDiffer { table: String },
    #[error("`columns` (update of) needs `update` among the trigger's events")]
    TriggerColumnsWithoutUpdate,
    #[error("a statement trigger sees no rows, so it cannot have `when`")]
    WhenOnStatementTrigger,
    #[error("a table owned through a membership table has no `claim`: the membership decides")]
    OwnerClaimOnMembership,
    #[error("the owner column `{column}` is `{found}`; a user id is `uuid`")]
    OwnerColumnType { column: String, found: String },
    #[error("`{column}` is not a single-column foreign key to another table of this schema")]
    OwnerViaNotForeignKey { column: String },
    #[error("the parent table `{parent}` has no `owner = {{ column = … }}`")]
    ParentHasNoOwner { parent: String },
    #[error("the claim `{path}` is in `user_metadata`, which every user can edit themselves, so it proves nothing")]
    OwnerClaimUserMetadata { path: String },
    #[error("the claim path `{path}` is not `app_metadata.<key>`")]
    OwnerClaimPath { path: String },
    #[error("an owner claim must equal a non-empty text")]
    OwnerClaimEquals,
    #[error("a table owned `via` a parent requires the parent's claim; it has no `claim` of its own")]
    OwnerClaimOnVia,
    #[error("the generated name `{name}` is longer than PostgreSQL's 63-byte limit")]
    NameTooLong { name: String },
    #[error("function `{name}` is not declared")]
    UnknownFunction { name: String },
    #[error("function `{name}` does not return `trigger`")]
    NotATriggerFunction { name: String },
    #[error("`security definer` function `{function}` would be callable by `anon`")]
    SecurityDefinerForAnon { function: String },
    #[error("`{found}` is not a return type the generator knows")]
    UnknownReturnType { found: String },
    #[error("argument `{argument}` has no default, but `{after}` before it has one")]
    ArgumentWithoutDefault { argument: String, after: String },
    #[error("functions cannot go in schema `{schema}`: PostgreSQL or Supabase owns it, or the Data API exposes it")]
    ReservedFunctionSchema { schema: String, name: String },
    #[error(
        "the arguments or result of function `{function}` change, but a default, check or exclusion of table `{table}` calls it, and PostgreSQL drops a function only together with what calls it"
    )]
    FunctionInUse { function: String, table: String },
    #[error("`returns = {{ table = [] }}` lists no columns")]
    EmptyReturnTable,
    #[error("`{op}` is not an operator")]
    BadOperator { op: String },
    #[error("an exclusion element needs exactly one of `column` or `expr`")]
    ExclusionElement,
    #[error("`updated_at = true` needs a column `updated_at` of type timestamptz")]
    UpdatedAtColumn { table: String },
    #[error("tables use `audit = true` but no `audit_table` is set")]
    AuditTableNotSet,
    #[error("the audit table needs a column `{column}` of type `{expected}`")]
    AuditTableColumn { column: &'static str, expected: String },
    #[error("an audited table needs a single-column uuid primary key; `{table}` has `{key}`")]
    AuditNeedsUuidKey { table: String, key: String },
    #[error("`audit_reads = true` needs an `audit_table` to record the reads in")]
    AuditReadsWithoutAuditTable,
    #[error("`audit_reads = true` on `{table}`, which has no `phi` column to audit")]
    AuditReadsWithoutPhi { table: String },
    #[error("the audit table `{table}` cannot record reads: its `action` values leave out \"read\"")]
    AuditTableCannotRecordReads { table: String },
    #[error("the audit table `{table}` cannot itself be audited")]
    AuditOfAuditTable { table: String },
    #[error("`{name}` is not a valid Rust type name")]
    RustTypeName { name: String },
    #[error("column `{column}` cannot be a Rust field name")]
    RustFieldName { column: String },
    #[error("Rust name `{name}` is used twice")]
    DuplicateRustName { name: String },
    #[error("table `{table}` has no columns")]
    NoColumns { table: String },
    #[error("`{name}` is a name reserved for generated objects")]
    ReservedName { name: String },
    #[error("the policy lists no roles")]
    NoRoles,
    #[error("the `{command}` policy lets every row through for `{role}`")]
    PolicyAlwaysTrue { command: String, role: String },
    #[error("the policy reads `user_metadata`, which every user can edit themselves, so it proves nothing")]
    PolicyUserMetadata,
    #[error("a primary key column cannot be nullable")]
    NullableKey,
    #[error("the audit table `{table}` is not append-only")]
    AuditTableNotAppendOnly { table: String },
    #[error("policy `{policy}` lets `anon` at table `{table}`, which holds PHI")]
    PhiForAnon { table: String, policy: String },
    #[error("the audit trigger cannot fill column `{column}` of the audit table")]
    AuditColumnUnfillable { column: String },
    #[error("{what} needs at least one column")]
    EmptyColumnList { what: &'static str },
    #[error("`{entry}` does not name a table or a `table.column`")]
    BadMigrationEntry { entry: String },
    #[error("`{value}` is not a lock timeout")]
    BadLockTimeout { value: String },
    #[error("the next migration would drop {what} `{name}` and the data in it")]
    DropNotAllowed { what: &'static str, name: String },
    #[error("the next migration would drop enum `{name}`")]
    EnumDropNotAllowed { name: String },
    #[error("the next migration would remove the value `{value}` from enum `{name}`")]
    EnumValueDropNotAllowed { name: String, value: String },
    #[error(
        "the next migration adds the value `{value}` to enum `{name}` and uses it, which PostgreSQL refuses before the value's transaction commits"
    )]
    NewEnumValueUsed { name: String, value: String },
    #[error("the next migration would delete bucket `{bucket}`")]
    BucketDropNotAllowed { bucket: String },
    #[error("bucket `{bucket}` holds PHI but is public, so anyone with a file's URL could download it")]
    PhiBucketPublic { bucket: String },
    #[error("bucket `{bucket}` holds PHI but has no owner rule, so no one's files are kept from anyone else")]
    PhiBucketWithoutOwner { bucket: String },
    #[error("bucket `{bucket}` has the unknown owner rule `{value}`")]
    UnknownBucketOwner { bucket: String, value: String },
    #[error("bucket `{bucket}` has `file_size_limit = {value}`, which is no size")]
    BadFileSizeLimit { bucket: String, value: i64 },
    #[error("bucket `{bucket}` allows `{value}`, which is not a MIME type")]
    BadMimeType { bucket: String, value: String },
    #[error("changing `{column}` from `{from}` to `{to}` can lose or refuse data")]
    NarrowingNotAllowed { column: String, from: String, to: String },
    #[error("the new column `{column}` is NOT NULL without a default, so adding it fails on a table with rows")]
    NotNullWithoutDefault { column: String },
    #[error("`{name}` is not `schema.table`")]
    ExternalName { name: String },
    #[error("deleting a row of `{target}` would delete PHI: the delete cascades {path}")]
    CascadeErasesPhi { target: String, path: String },
    #[error(
        "table `{table}` is metadata-only, but its column `{column}` is of type `{sql_type}`, which holds free text"
    )]
    FreeTextInMetadataTable {
        table: String,
        column: String,
        sql_type: String,
    },
    #[error("`typescript = {path:?}` is not a path inside the project ending in `.ts`")]
    BadTypescriptPath { path: String },
    #[error(
        "table `{table}` is append-only, but its foreign key `{name}` would {action} its rows when `{target}` changes, which the append-only trigger refuses"
    )]
    AppendOnlyCascade {
        table: String,
        name: String,
        target: String,
        action: &'static str,
    },
}

/// The identifier rules, in one sentence, for every message that needs them.
const IDENTIFIER_RULE: &str =
    "use lower-case ASCII letters, digits and underscores, starting with a letter or underscore, at most 63 bytes";

impl Problem {
    /// What to write instead.
    pub fn help(&self) -> String {
        use Problem::*;
        match self {
            Syntax { message } => match closest_expected(message) {
                Some(key) => format!("did you mean `{key}`? The README's schema reference lists every key and value"),
                None => "fix the TOML here; the README's schema reference lists every key and value".into(),
            },
            TooLarge { .. } => "split the schema or remove generated bulk; a real schema is far smaller".into(),
            UnsafeIdentifier { name, .. } => {
                let suggestion = suggest_identifier(name);
                format!("{IDENTIFIER_RULE}, e.g. `{suggestion}`")
            }
            Duplicate { .. } => "rename or remove one of them".into(),
            UnknownTypeNearEnum { closest, .. } => format!("did you mean the enum `{closest}`? A column's type is a built-in type or the name of an `[enums.<name>]`"),
            EnumNameTaken { .. } => "give the enum another name: PostgreSQL keeps types and tables' row types in one namespace".into(),
            EnumRustName { .. } => "give the enum another name, such as one ending in `_kind` or `_status`".into(),
            RenamedValueUnknown { .. } => "write `renamed_values = { <new value> = \"<old value>\" }` with the new value listed in `values`".into(),
            RenamedValueStillListed { .. } => "take the old value out of `values`: after the rename only the new one exists".into(),
            UnknownType { .. } | BadTypeModifier { .. } => "use one of uuid, text, boolean, smallint, integer, bigint, real, double precision, numeric(p,s), date, time, timestamptz, interval, jsonb, bytea, inet, citext, an enum declared as `[enums.<name>]`, or an array such as `text[]`".into(),
            SerialType { .. } => "write `type = \"bigint\"` with `identity = \"always\"`".into(),
            RuleVarchar { .. } => "write `type = \"text\"` and a `check = \"char_length(col) <= n\"`, or add `allow = [\"varchar\"]` to this column".into(),
            RuleTimestamp { .. } => "write `type = \"timestamptz\"`, or add `allow = [\"timestamp\"]` to this column".into(),
            RuleJson => "write `type = \"jsonb\"`, or add `allow = [\"json\"]` to this column".into(),
            UnknownAllow { .. } => "allow one of \"varchar\", \"timestamp\", \"json\", \"non_uuid_key\", \"cascade_phi\"".into(),
            MissingClass { .. } => "add `class = \"public\"`, `class = \"administrative\"` or `class = \"phi\"`".into(),
            NoPrimaryKey { .. } => "add `primary_key = true` to a column, or `primary_key = [\"a\", \"b\"]` to the table".into(),
            TwoPrimaryKeys { .. } => "keep either the column's `primary_key = true` or the table's `primary_key = [...]`".into(),
            NonUuidKey { .. } => "write `type = \"uuid\", default = \"gen_random_uuid()\"`, or add `allow = [\"non_uuid_key\"]` to this column".into(),
            UnknownColumn { known, .. } => format!("use one of: {}", known.join(", ")),
            UnknownTable { name } => format!("declare it as `[tables.{name}]`, or, if the schema does not own it, as `[external.\"schema.{name}\"]`"),
            ReferenceTypeMismatch { target_type, .. } => format!("make this column `{target_type}`"),
            ReferenceAuthUnique { target, primary_key, .. } => format!("reference the primary key, `{target}({primary_key})`: Supabase Auth may change its other unique constraints in its own migrations, and this foreign key would block them"),
            ReferenceNotKey { columns, .. } => format!("reference the primary key, or add `unique = [[{columns}]]` to the referenced table"),
            ReferenceArity { .. } => "list as many referenced columns as columns".into(),
            DeleteActionColumns => "write `on_delete = { set_null = [\"assignee_id\"] }`, or an action such as `on_delete = \"set_null\"` for every column of the key".into(),
            DeleteActionColumnNotInKey { key, .. } => format!("list only columns of the foreign key: {key}"),
            SetNullColumnNotNullable { column } => format!("make `{column}` `nullable = true`, or use `set_default` for it"),
            UnindexedForeignKey { columns, indexes_line, .. } => {
                let add = match indexes_line {
                    Some(line) => {
                        format!("add `{{ columns = [{columns}] }}` to the table's `indexes` list, beside the entry on line {line}")
                    }
                    None => format!("add `indexes = [{{ columns = [{columns}] }}]` to the table"),
                };
                format!("{add}, so deletes in the parent and policy checks do not scan it")
            }
            IdentityType { .. } => "make the column `bigint`".into(),
            IdentityWithDefault => "remove `default`; the identity supplies the value".into(),
            GeneratedWith { other } => format!("remove {other}: PostgreSQL computes a generated column from the row's other columns on every write"),
            GeneratedReadsGenerated { other, .. } => format!("write the expression over the columns `{other}` is computed from: a generated column cannot read another one"),
            CitextWithoutExtension { .. } => "add `\"citext\"` to `extensions = [...]` at the top of schema.toml (the migration then creates it in schema `extensions`), or make it `text`".into(),
            GeneratedReplacesValues { column } => format!("add the generated column under a new name and drop this one later, or, if its values may go, add `allow_drop = [\"{column}\"]` under `[migration]`"),
            ValuesNotText { .. } => "make the column `text`".into(),
            EmptyValues => "list the allowed values, e.g. `values = [\"pending\", \"confirmed\"]`".into(),
            DefaultOutsideValues { values, .. } => format!(
                "make the default one of {}, e.g. `default = \"'{}'\"`, or add it to `values`",
                values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "),
                values.first().map(String::as_str).unwrap_or_default()
            ),
            BadValue { .. } => "use 1 to 63 characters from letters, digits, `_`, `-`, `.` and spaces, and not `self`, whose Rust variant would be the keyword `Self`".into(),
            DuplicateVariant { .. } => "make the values differ in more than case and punctuation".into(),
            UnsafeExpression { .. } => "write a single SQL expression: no `;`, no `--` or `/*` comments, balanced quotes and parentheses, `''` inside strings instead of `E'…'`, no `$function$`".into(),
            AuthCallNotWrapped { call } => format!("write `(select {call})` so PostgreSQL evaluates it once per query"),
            MultiplePermissive { first, first_from_owner: true, role, command, .. } => format!(
                "`{first}` comes from the table's `owner` short form, which already gives `{role}` a {command} policy; to narrow who may {command}, make this one `restrictive = true`; to let more rows through, replace `owner` with the four policies it stands for (README, \"Ownership and policies\") and join this condition into the {command} one with `or`; a policy whose `roles` leave out `{role}` is not a second one"
            ),
            MultiplePermissive { .. } => "merge them into one policy joined with `or`, or make one `restrictive = true`".into(),
            PolicyReadsItsTable { .. } => "for rows of a group, write `owner = { membership = { table = \"memberships\", key = \"workspace_id\" } }` (README, \"Groups\"), whose generated lookup does this; otherwise do the lookup in a function under `[functions]` with `security = \"definer\"` (it reads the table without its policies; every function gets `set search_path = ''`), give `execute` to the roles the policy is for, and call it in the policy as `(select the_function(…))`".into(),
            PolicyCallsInvokerReadingItsTable { function, .. } => format!("add `security = \"definer\"` to `[functions.{function}]`, so it reads the table without its policies (every function gets `set search_path = ''`), and give `execute` to the roles the policy is for"),
            PolicyWithoutRls { .. } | PhiWithoutRls { .. } => "remove `rls = false` from the table".into(),
            RealtimeWithoutRls { .. } => {
                "remove `rls = false` and add a select policy for who may receive the changes, or remove `realtime = true`".into()
            }
            GrantWithoutRls { role, .. } => format!("remove `rls = false` and add a policy for `{role}`, or remove `{role}` from `grants`"),
            DuplicateKey { .. } => "remove it: the key is unique already".into(),
            PhiWithoutPolicy { .. } => "add `owner = { column = \"user_id\" }` or a `[[tables.<name>.policies]]` entry".into(),
            PolicyClause { key, .. } => format!("remove `{key}`: insert policies take `with_check`; select and delete policies take `using`"),
            PolicyWithoutExpression => "add `using = \"...\"` (rows the role may see) or `with_check = \"...\"` (rows it may write)".into(),
            OwnerForm => "write `owner = { column = \"doctor_id\" }`, `owner = { via = \"conversation_id\" }` or `owner = { membership = { table = \"memberships\", key = \"practice_id\" } }`".into(),
            MembershipTableUnknown { table } => format!("declare `[tables.{table}]` with the group column, the user column and (for `write` or `delete`) the role column"),
            MembershipColumnType { .. } => "make the column `uuid`".into(),
            MembershipRoleUnknown { table, column, .. } => format!("name one of the values of `{table}.{column}`, or add the role to its `values`"),
            MembershipLookupsDiffer { .. } => "use the same `key`, `user` and `role` in every owner rule that names this membership table".into(),
            TriggerColumnsWithoutUpdate => "add `\"update\"` to `events`, or remove `columns`".into(),
            WhenOnStatementTrigger => "remove `when`, or make it a row trigger (`for_each = \"row\"`)".into(),
            OwnerClaimOnMembership => "remove `claim`; give members their roles in the membership table's role column instead".into(),
            OwnerColumnType { .. } => "make the owner column `uuid`, referencing `auth.users(id)`".into(),
            OwnerViaNotForeignKey { .. } => "give the column `references = { table = \"parent\", column = \"id\" }`".into(),
            ParentHasNoOwner { parent } => format!("add `owner = {{ column = \"...\" }}` to `[tables.{parent}]`"),
            OwnerClaimUserMetadata { path } => format!(
                "have the backend mark the user in `app_metadata` (the auth admin API's `app_metadata`, stored in `auth.users.raw_app_meta_data`) and write `path = \"app_metadata.{}\"`",
                path.split_once('.').map_or("role", |(_, rest)| rest)
            ),
            OwnerClaimPath { .. } => "write `path = \"app_metadata.role\"`: only the backend can set `app_metadata`; keys are letters, digits, `_` and `-`".into(),
            OwnerClaimEquals => "write `equals = \"doctor\"`".into(),
            OwnerClaimOnVia => "remove `claim` here and put it on the parent table's `owner`".into(),
            NameTooLong { .. } => "give the object a shorter `name = \"...\"`".into(),
            UnknownFunction { name } => format!("declare it as `[functions.{name}]`"),
            NotATriggerFunction { .. } => "declare the function with `returns = \"trigger\"`".into(),
            SecurityDefinerForAnon { .. } => "remove \"anon\" from `execute`, or make the function `security = \"invoker\"`".into(),
            UnknownReturnType { .. } => "return `void`, `trigger`, a column type such as `uuid` or `boolean`, `setof <table>` of a declared table, or `{ table = [{ name = \"id\", type = \"uuid\" }] }`".into(),
            ArgumentWithoutDefault { argument, after } => format!("give `{argument}` a `default` too, or move it before `{after}`: PostgreSQL requires a default on every argument after the first that has one"),
            ReservedFunctionSchema { name, .. } => format!("put a helper that policies call in `private`, which the Data API does not expose: `[functions.\"private.{name}\"]`; a function the API calls goes in `public`: `[functions.{name}]`"),
            FunctionInUse { function, .. } => format!("keep `{function}` as it is and declare the changed function under a new name, pointing the table at it: the old one is dropped once nothing calls it"),
            EmptyReturnTable => "list the columns: `returns = { table = [{ name = \"id\", type = \"uuid\" }] }`".into(),
            BadOperator { .. } => "use an operator such as `=` or `&&`".into(),
            ExclusionElement => "write `{ column = \"doctor_id\", with = \"=\" }` or `{ expr = \"tstzrange(starts_at, ends_at)\", with = \"&&\" }`".into(),
            UpdatedAtColumn { .. } => "add `updated_at = { type = \"timestamptz\", default = \"now()\", class = \"administrative\" }` to the columns".into(),
            AuditTableNotSet => "add `audit_table = \"audit_logs\"` at the top of schema.toml and declare that table".into(),
            AuditTableColumn { column, expected } => format!("add `{column} = {{ type = \"{expected}\", ... }}` to the audit table's columns"),
            AuditNeedsUuidKey { .. } => "give the table a `uuid` primary key, or remove `audit = true`".into(),
            AuditReadsWithoutAuditTable => "add `audit_table = \"audit_logs\"` at the top of schema.toml and declare that table".into(),
            AuditReadsWithoutPhi { .. } => "class the columns holding health information `class = \"phi\"`, or remove `audit_reads = true`".into(),
            AuditTableCannotRecordReads { .. } => "add \"read\" to the `values` of the audit table's `action` column".into(),
            AuditOfAuditTable { .. } => "remove `audit = true` from the audit table; use `append_only = true`".into(),
            RustTypeName { .. } => "use UpperCamelCase ASCII letters and digits, not a name of Rust's prelude such as `Result`, e.g. `rust_name = \"Patient\"`".into(),
            RustFieldName { .. } => "give the column a `rust_name = \"...\"`".into(),
            DuplicateRustName { .. } => "give one of them a different `rust_name`".into(),
            NoColumns { table } => format!("add columns under `[tables.{table}.columns]`"),
            ReservedName { .. } => "choose another name; the generator defines this one itself".into(),
            NoRoles => "add `roles = [\"authenticated\"]` (or \"anon\", \"service_role\", \"backend\")".into(),
            PolicyAlwaysTrue { .. } => "filter the rows, e.g. `using = \"(select auth.uid()) = user_id\"`".into(),
            PolicyUserMetadata => "have the backend set the claim in `app_metadata` (the auth admin API) and read `(select auth.jwt()) -> 'app_metadata'`; only the backend can write it".into(),
            NullableKey => "remove `nullable = true`, or take the column out of the primary key".into(),
            AuditTableNotAppendOnly { .. } => "add `append_only = true` to the audit table, so its rows cannot be changed or deleted".into(),
            PhiForAnon { .. } => "remove \"anon\" from the policy's roles; only signed-in users and the backend may see PHI".into(),
            AuditColumnUnfillable { .. } => "make `actor_id` and `record_id` nullable, and give every other column the trigger does not write a default or `nullable = true`".into(),
            EmptyColumnList { .. } => "list the columns, e.g. `columns = [\"doctor_id\"]`".into(),
            BadMigrationEntry { .. } => "write `\"table\"`, `\"table.column\"`, `\"bucket:<name>\"`, `\"enum:<name>\"` or `\"enum:<name>.<value>\"`".into(),
            BadLockTimeout { .. } => "write a whole number of milliseconds, seconds or minutes above zero, such as `lock_timeout = \"5s\"` or `\"500ms\"`: a statement that waits longer for its lock fails, and the migration with it".into(),
            DropNotAllowed { name, .. } => format!("if that is intended, add `allow_drop = [\"{name}\"]` under `[migration]`; to keep the data under a new name, use `renamed_from`"),
            EnumDropNotAllowed { name } => format!("if that is intended, add `allow_drop = [\"enum:{name}\"]` under `[migration]`; no column may use it any more"),
            EnumValueDropNotAllowed { name, value } => format!("if that is intended, change the rows holding it first (the migration stops while any does), then add `allow_drop = [\"enum:{name}.{value}\"]` under `[migration]`; to keep those rows under a new label, write `renamed_values = {{ <new label> = \"{value}\" }}`"),
            NewEnumValueUsed { name, value } => format!("add `{value}` to `[enums.{name}]` alone and run `cargo build`, then use it (in a default, check, policy or function) in the next change: the Supabase CLI runs each migration file in one transaction"),
            BucketDropNotAllowed { bucket } => format!("empty it through the Storage API (the migration refuses a bucket that still holds files), then add `allow_drop = [\"bucket:{bucket}\"]` under `[migration]`; or keep `[buckets.{bucket}]`"),
            PhiBucketPublic { .. } => "remove `public = true`: files of a private bucket are reached through the owner rule's policies or a signed URL".into(),
            PhiBucketWithoutOwner { .. } | UnknownBucketOwner { .. } => "add `owner = \"first_folder\"`: each file goes under a folder named after its owner's user id, `<user id>/<file>`".into(),
            BadFileSizeLimit { .. } => "write the limit in bytes above zero, e.g. `file_size_limit = 5242880` for 5 MB, or leave it out for no limit".into(),
            BadMimeType { .. } => "write `type/subtype` in lower case, such as `\"image/png\"`, or `\"image/*\"` for every image type".into(),
            NarrowingNotAllowed { column, .. } => format!("if that is intended, add `allow_narrowing = [\"{column}\"]` under `[migration]`"),
            NotNullWithoutDefault { .. } => "give it a `default`, or add it with `nullable = true`, fill it, and make it NOT NULL in a later change".into(),
            ExternalName { .. } => "write the external table as `[external.\"auth.users\"]`".into(),
            CascadeErasesPhi { .. } => "write `on_delete = \"restrict\"`, so the delete is refused while such rows exist (the README's \"Retention\" says how to offboard a user), or add `allow = [\"cascade_phi\"]` to this column if the rows are to be erased with it".into(),
            AppendOnlyCascade { target, .. } => format!("write `on_delete = \"restrict\"` or `\"no_action\"` (and no `on_update`), so a row of `{target}` stays while this table refers to it: to retire it, mark it deleted (e.g. a `deleted_at` column) instead of deleting it; or keep the id as a plain column without `references`, so these rows outlive it"),
            FreeTextInMetadataTable { .. } => "record what happened as numbers, times, ids, flags or a closed set (`values = [...]`), never the words: a prompt, a response or a patient's message has no place in this table; or drop `metadata_only` if the table is not a log of that kind".into(),
            BadTypescriptPath { .. } => "write a path relative to the project root, such as `typescript = \"web/src/database.types.ts\"`".into(),
        }
    }
}

/// For the TOML reader's "unknown field `clas`, expected one of `type`, `class`, …" (and
/// "unknown variant `slect`, …" for a value): the expected key or value closest to the typo,
/// when one is close enough to be what was meant.
fn closest_expected(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))?;
    let (found, expected) = rest.split_once('`')?;
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|key| (strsim::damerau_levenshtein(found, key), key))
        .filter(|(distance, key)| *distance <= 2.min(key.len() / 2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, key)| key)
}

/// A safe spelling of a rejected name, to show in the help.
fn suggest_identifier(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' | '_' => out.push(c),
            _ if !out.ends_with('_') && !out.is_empty() => out.push('_'),
            _ => {}
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "t_");
    }
    out.truncate(63);
    out
}

/// An error of any stage of the pipeline. `Debug` prints the same sentence as `Display`, so
/// that a `build.rs` returning `Result<(), Error>` shows the user the message, not a struct.
#[derive(thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Schema(SchemaError),
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
    #[error("template `{name}` failed: {chain}")]
    Template { name: String, chain: String },
    #[error(
        "{} cannot be read: {message}\n\
         help: restore it from version control; after a merge conflict in it, take the main branch's version, \
         delete your branch's unapplied migration and run cargo build again", path.display()
    )]
    BadLock { path: PathBuf, message: String },
    #[error(
        "{} was edited after it was generated (its checksum no longer matches the lock).\n\
         help: restore it with `git checkout -- {}`; put schema changes into schema.toml, and data fixes into a new \
         hand-written migration", path.display(), path.display()
    )]
    EditedMigration { path: PathBuf },
    #[error(
        "{} records the generated migration {file}, but supabase/migrations/ does not have it.\n\
         help: restore the file from version control; to remove the newest generated migration, run \
         `supaschema discard`, which rewinds the lock with it", lock.display()
    )]
    MissingMigration { file: String, lock: PathBuf },
    #[error(
        "{} was generated, but {} does not record it: it probably comes from another branch.\n\
         help: if it was never deployed, delete it, keep the lock of the branch you merged into, and run cargo build \
         again; the schema change is then written as one new migration after all others", path.display(), lock.display()
    )]
    UnlockedMigration { path: PathBuf, lock: PathBuf },
    #[error(
        "{} replaces no default template{}.\n\
         help: name an override after the template it replaces (the defaults are in supaschema-build's templates/ \
         folder); a new piece that an override includes belongs in a `parts/` folder",
        path.display(),
        closest.map(|name| format!("; did you mean {name}?")).unwrap_or_default()
    )]
    UnknownTemplate {
        path: PathBuf,
        closest: Option<&'static str>,
    },
    #[error(
        "{0}\n\
         help: restore supabase/ from version control to undo a migration further back; a migration that was applied \
         stays, and the fix is a new change in schema.toml"
    )]
    Discard(crate::discard::Refusal),
    #[error("OUT_DIR is not set: run the generator from a build script, or give Config::out_dir")]
    NoOutDir,
    #[error(
        "schema.toml has changes that no migration holds yet: {} would be written.\n\
         help: run `cargo build` without SUPASCHEMA_CHECK and commit the result", files.join(", ")
    )]
    Unmaterialized { files: Vec<String> },
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl From<SchemaError> for Error {
    fn from(error: SchemaError) -> Error {
        Error::Schema(error)
    }
}

impl Error {
    pub fn template(name: &str, error: &tera::Error) -> Error {
        let mut chain = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        Error::Template {
            name: name.to_owned(),
            chain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_and_renders_with_a_caret() {
        let file = SourceFile::new("schema.toml", "a = 1\nname = \"Bad Name\"\n");
        let error = file.error(
            13..23,
            Problem::UnsafeIdentifier {
                what: "table",
                name: "Bad Name".into(),
            },
        );
        assert_eq!((error.line(), error.column()), (2, 8));
        let rendered = error.to_string();
        assert!(rendered.contains("schema.toml:2:8"), "{rendered}");
        assert!(rendered.contains("^^^^^^^^^^"), "{rendered}");
        assert!(rendered.contains("e.g. `bad_name`"), "{rendered}");
    }

    #[test]
    fn suggests_the_key_a_typo_meant() {
        let typo = "unknown field `clas`, expected one of `type`, `nullable`, `class`, `comment`";
        assert_eq!(closest_expected(typo), Some("class"));
        assert_eq!(
            closest_expected("unknown variant `slect`, expected one of `all`, `select`, `insert`"),
            Some("select")
        );
        let help = Problem::Syntax { message: typo.into() }.help();
        assert!(help.starts_with("did you mean `class`?"), "{help}");
        assert_eq!(
            closest_expected("unknown field `schema`, expected one of `extensions`, `tables`"),
            None
        );
        assert_eq!(closest_expected("invalid type: integer `1`, expected a string"), None);
    }

    #[test]
    fn suggests_safe_names() {
        assert_eq!(suggest_identifier("Patients; drop"), "patients_drop");
        assert_eq!(suggest_identifier("1st"), "t_1st");
        assert_eq!(suggest_identifier("ärzte"), "rzte");
    }
}
