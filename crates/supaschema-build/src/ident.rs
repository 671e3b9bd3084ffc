//! Naming: which names are safe SQL identifiers, how they are quoted, and what they are called
//! in Rust. Every name in `schema.toml` passes through here before it reaches SQL or Rust.

use heck::ToUpperCamelCase;

/// PostgreSQL truncates identifiers longer than this (NAMEDATALEN - 1), silently.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// A name is a safe SQL identifier when it is lower-case ASCII letters, digits and underscores,
/// starts with a letter or underscore, and fits PostgreSQL's identifier length. Such names never
/// need case folding, and quoting (for keywords) is all that is left to do.
pub fn is_safe_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && name.len() <= MAX_IDENTIFIER_BYTES
}

/// Quotes an identifier the way PostgreSQL's `quote_ident` does: bare when it is a plain
/// lower-case name that is not a keyword, double-quoted (with `"` doubled) otherwise.
pub fn quote_identifier(name: &str) -> String {
    let plain = name.chars().next().is_some_and(|c| matches!(c, 'a'..='z' | '_'))
        && name.chars().all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'));
    if plain && !is_sql_keyword(name) {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// The name [`quote_identifier`] quoted, read back.
pub fn unquote_identifier(sql: &str) -> String {
    match sql.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.replace("\"\"", "\""),
        None => sql.to_owned(),
    }
}

/// Quotes a string literal with `''` doubling. Never an `E'…'` literal: the Supabase CLI's
/// statement splitter does not understand backslash escapes.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// PostgreSQL keywords that `quote_ident` quotes: reserved, type/function-name and column-name
/// keywords (PostgreSQL 15, `src/include/parser/kwlist.h`).
const QUOTED_KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "json_array",
    "json_arrayagg",
    "json_object",
    "json_objectagg",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

pub fn is_sql_keyword(name: &str) -> bool {
    QUOTED_KEYWORDS.binary_search(&name).is_ok()
}

/// Rust keywords that can be used as field names only in raw form (`r#type`).
const RUST_RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Rust keywords that cannot be raw identifiers at all.
const RUST_FORBIDDEN: &[&str] = &["crate", "self", "super", "_"];

/// The Rust field name for a column: the column name itself, raw-escaped if it is a keyword.
/// `None` when the name cannot be a Rust field at all (`self`, `crate`, …): the schema must then
/// give `rust_name`.
pub fn rust_field_name(column: &str) -> Option<String> {
    if RUST_FORBIDDEN.contains(&column) {
        None
    } else if RUST_RAW_KEYWORDS.contains(&column) {
        Some(format!("r#{column}"))
    } else {
        Some(column.to_owned())
    }
}

/// Whether `name` is a usable Rust type name (UpperCamelCase ASCII, not `Self`).
pub fn is_rust_type_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
        && name != "Self"
}

/// The row struct name for a table: its name in UpperCamelCase, singular (`audit_logs` →
/// `AuditLog`, `availability` → `Availability`). A table whose plural the rule gets wrong
/// sets `rust_name`.
pub fn rust_struct_name(table: &str) -> String {
    let camel = table.to_upper_camel_case();
    singular(&camel)
}

fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["sses", "shes", "ches", "xes"].iter().any(|s| word.ends_with(s)) {
        word[..word.len() - 2].to_owned()
    } else if word.ends_with('s') && !word.ends_with("ss") && !word.ends_with("us") {
        word[..word.len() - 1].to_owned()
    } else {
        word.to_owned()
    }
}

/// The Rust variant for a value of a closed set: `no_show` → `NoShow`, `2fa` → `V2fa`.
pub fn rust_variant_name(value: &str) -> String {
    let camel = value.to_upper_camel_case();
    match camel.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => camel,
        _ => format!("V{camel}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_list_is_sorted_for_binary_search() {
        assert!(QUOTED_KEYWORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn quotes_only_what_postgres_would() {
        assert_eq!(quote_identifier("patients"), "patients");
        assert_eq!(quote_identifier("user"), "\"user\"");
        assert_eq!(quote_identifier("Weird\"Name"), "\"Weird\"\"Name\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    #[test]
    fn names_tables_in_the_singular() {
        assert_eq!(rust_struct_name("patients"), "Patient");
        assert_eq!(rust_struct_name("audit_logs"), "AuditLog");
        assert_eq!(rust_struct_name("availability"), "Availability");
        assert_eq!(rust_struct_name("webhook_idempotency"), "WebhookIdempotency");
        assert_eq!(rust_struct_name("blocked_times"), "BlockedTime");
        assert_eq!(rust_struct_name("addresses"), "Address");
        assert_eq!(rust_struct_name("status"), "Status");
    }

    #[test]
    fn identifiers_are_checked_strictly() {
        assert!(is_safe_identifier("doctor_id"));
        assert!(!is_safe_identifier("Doctor"));
        assert!(!is_safe_identifier("1st"));
        assert!(!is_safe_identifier("a;drop"));
        assert!(!is_safe_identifier(&"a".repeat(64)));
        assert_eq!(rust_field_name("type").as_deref(), Some("r#type"));
        assert_eq!(rust_field_name("self"), None);
        assert_eq!(rust_variant_name("no_show"), "NoShow");
        assert_eq!(rust_variant_name("2fa"), "V2fa");
    }
}
