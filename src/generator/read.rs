//! Stage 1: read `schema.toml` into raw structs that keep the source span of every value, so
//! later stages can point at the exact line. Unknown keys are errors here, not silently ignored.

use super::error::{Problem, SchemaError, SourceFile};
use super::model::{
    Class, Command, ForEach, Identity, IndexMethod, Language, ReferentialAction, Role, Security, TriggerEvent,
    TriggerTiming, Volatility,
};
use super::parallel::map_in_order;
use indexmap::IndexMap;
use serde::Deserialize;
use std::collections::HashSet;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

pub type Name = Spanned<String>;
pub type Names = Spanned<Vec<Name>>;
/// `grants = { role = ["select", …] }`.
pub type RawGrants = IndexMap<Spanned<Role>, Spanned<Vec<Spanned<Command>>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchema {
    #[serde(default)]
    pub extensions: Vec<Name>,
    /// The table the audit trigger writes to.
    pub audit_table: Option<Name>,
    #[serde(default)]
    pub external: IndexMap<Name, Spanned<RawExternal>>,
    #[serde(default)]
    pub functions: IndexMap<Name, Spanned<RawFunction>>,
    #[serde(default)]
    pub tables: IndexMap<Name, Spanned<RawTable>>,
    /// Settings for the next migration the build writes.
    pub migration: Option<Spanned<RawMigration>>,
}

/// `[migration]`: what the next generated migration is called and which data it may destroy.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMigration {
    pub name: Option<Name>,
    /// Tables (`"table"`) and columns (`"table.column"`) the next migration may drop.
    #[serde(default)]
    pub allow_drop: Vec<Name>,
    /// Columns (`"table.column"`) whose type may change in a way that can lose data.
    #[serde(default)]
    pub allow_narrowing: Vec<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExternal {
    pub columns: IndexMap<Name, Name>,
    pub primary_key: Names,
    #[serde(default)]
    pub unique: Vec<Names>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    #[serde(default)]
    pub args: Vec<Spanned<RawArg>>,
    pub returns: Name,
    pub language: Spanned<Language>,
    pub security: Option<Spanned<Security>>,
    pub volatility: Option<Spanned<Volatility>>,
    pub body: Spanned<String>,
    #[serde(default)]
    pub execute: Vec<Spanned<Role>>,
    pub comment: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArg {
    pub name: Name,
    #[serde(rename = "type")]
    pub sql_type: Name,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTable {
    pub renamed_from: Option<Name>,
    pub comment: Option<Spanned<String>>,
    pub rust_name: Option<Name>,
    pub columns: Spanned<IndexMap<Name, Spanned<RawColumn>>>,
    pub primary_key: Option<Names>,
    #[serde(default)]
    pub unique: Vec<Names>,
    #[serde(default)]
    pub foreign_keys: Vec<Spanned<RawForeignKey>>,
    #[serde(default)]
    pub checks: Vec<Spanned<RawCheck>>,
    #[serde(default)]
    pub exclusions: Vec<Spanned<RawExclusion>>,
    #[serde(default)]
    pub indexes: Vec<Spanned<RawIndex>>,
    pub rls: Option<Spanned<bool>>,
    pub force_rls: Option<Spanned<bool>>,
    pub owner: Option<Spanned<RawOwner>>,
    #[serde(default)]
    pub policies: Vec<Spanned<RawPolicy>>,
    pub grants: Option<RawGrants>,
    pub updated_at: Option<Spanned<bool>>,
    pub audit: Option<Spanned<bool>>,
    pub append_only: Option<Spanned<bool>>,
    #[serde(default)]
    pub triggers: Vec<Spanned<RawTrigger>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumn {
    #[serde(rename = "type")]
    pub sql_type: Name,
    pub renamed_from: Option<Name>,
    pub class: Option<Spanned<Class>>,
    pub nullable: Option<Spanned<bool>>,
    pub default: Option<Spanned<String>>,
    pub primary_key: Option<Spanned<bool>>,
    pub unique: Option<Spanned<bool>>,
    pub identity: Option<Spanned<Identity>>,
    pub references: Option<Spanned<RawColumnReference>>,
    pub values: Option<Names>,
    pub check: Option<Spanned<String>>,
    pub comment: Option<Spanned<String>>,
    pub rust_name: Option<Name>,
    /// Explicit opt-outs from the generator's column rules (`varchar`, `timestamp`, `json`).
    #[serde(default)]
    pub allow: Vec<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawColumnReference {
    pub table: Name,
    pub column: Name,
    pub on_delete: Option<Spanned<ReferentialAction>>,
    pub on_update: Option<Spanned<ReferentialAction>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForeignKey {
    pub name: Option<Name>,
    pub columns: Names,
    pub references: Name,
    pub references_columns: Names,
    pub on_delete: Option<Spanned<ReferentialAction>>,
    pub on_update: Option<Spanned<ReferentialAction>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub name: Name,
    pub renamed_from: Option<Name>,
    pub expr: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusion {
    pub name: Name,
    pub using: Option<Spanned<IndexMethod>>,
    pub elements: Spanned<Vec<Spanned<RawExclusionElement>>>,
    #[serde(rename = "where")]
    pub predicate: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExclusionElement {
    pub column: Option<Name>,
    pub expr: Option<Spanned<String>>,
    pub with: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIndex {
    pub name: Option<Name>,
    pub renamed_from: Option<Name>,
    pub columns: Names,
    pub unique: Option<Spanned<bool>>,
    pub using: Option<Spanned<IndexMethod>>,
    #[serde(default)]
    pub include: Vec<Name>,
    #[serde(rename = "where")]
    pub predicate: Option<Spanned<String>>,
}

/// The short form for "a row belongs to the signed-in user": either directly through a column
/// holding the user's id, or through a parent row that does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOwner {
    pub column: Option<Name>,
    /// A foreign-key column leading to a parent table that has an `owner.column`.
    pub via: Option<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: Name,
    pub renamed_from: Option<Name>,
    pub command: Spanned<Command>,
    pub roles: Spanned<Vec<Spanned<Role>>>,
    pub restrictive: Option<Spanned<bool>>,
    pub using: Option<Spanned<String>>,
    pub with_check: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTrigger {
    pub name: Name,
    pub timing: Spanned<TriggerTiming>,
    pub events: Spanned<Vec<Spanned<TriggerEvent>>>,
    pub for_each: Option<Spanned<ForEach>>,
    pub function: Name,
}

/// Parses the text of a `schema.toml`. Syntax errors, wrong value types and unknown keys come
/// back as one [`SchemaError`] pointing at the offending span.
pub fn parse(file: &SourceFile) -> Result<RawSchema, SchemaError> {
    let syntax = |error: toml::de::Error| {
        let span = error.span().unwrap_or(0..0);
        file.error(
            span,
            Problem::Syntax {
                message: error.message().trim().to_owned(),
            },
        )
    };
    let start = |error: &toml::de::Error| error.span().map_or(0, |span| span.start);
    let (root, tables) = match parse_in_pieces(&file.text, read_table) {
        Some(parsed) => parsed,
        None => {
            // The parser reports errors in the order it finds them, not in the order of the
            // text: an unclosed string first shows up as a missing comma on the next line. The
            // earliest is the cause.
            let (mut root, errors) = DeTable::parse_recoverable(&file.text);
            if let Some(error) = errors.into_iter().min_by_key(start) {
                return Err(syntax(error));
            }
            // `tables` that is not a table stays, for the deserializer to refuse.
            let mut tables = Vec::new();
            if matches!(
                root.get_ref().get("tables").map(Spanned::get_ref),
                Some(DeValue::Table(_))
            ) && let Some(DeValue::Table(entries)) = root.get_mut().remove("tables").map(Spanned::into_inner)
            {
                tables.extend(entries);
            }
            (root, map_in_order(tables, read_table))
        }
    };
    // The tables, nearly all of the text, were read on every core; the rest is read as one
    // document. Of an error in each, the earlier in the text is reported, as one pass would.
    let rest = RawSchema::deserialize(toml::de::Deserializer::from(root));
    let tables: Result<Vec<_>, _> = tables.into_iter().collect();
    match (rest, tables) {
        (Ok(mut schema), Ok(tables)) => {
            schema.tables = tables.into_iter().collect();
            Ok(schema)
        }
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => Err(syntax(error)),
        (Err(rest), Err(table)) => Err(syntax(if start(&table) < start(&rest) { table } else { rest })),
    }
}

/// A table of `schema.toml` as the TOML parser gives it: its name and its value.
type TableEntry<'i> = (Spanned<DeString<'i>>, Spanned<DeValue<'i>>);

/// A table read into its raw form, or why it could not be.
type ReadTable = Result<(Name, Spanned<RawTable>), toml::de::Error>;

fn read_table((name, table): TableEntry<'_>) -> ReadTable {
    let table = Spanned::<RawTable>::deserialize(toml::de::ValueDeserializer::from(table))?;
    Ok((Spanned::new(name.span(), name.into_inner().into_owned()), table))
}

/// Parses the document in pieces on every core: the text before the first `[tables.…]`
/// header, then one piece per table, each starting at its first header. The pieces are parsed
/// on their own, their spans moved to where they stand in the whole text, each table handed
/// to `read` on the same core, and the results joined. Returns the document without
/// `tables`, and what `read` made of each table, in order.
///
/// `None` when any piece fails to parse or two pieces define the same key: a cut that fell
/// inside a multi-line string or array leaves a piece unterminated, and a table whose headers
/// are not all together is cut apart. The caller then parses the whole text as one, which
/// gives the same result for a valid document and the canonical error for an invalid one.
fn parse_in_pieces<'i, R: Send>(
    text: &'i str,
    read: impl Fn(TableEntry<'i>) -> R + Sync,
) -> Option<(Spanned<DeTable<'i>>, Vec<R>)> {
    let cuts = table_starts(text);
    if cuts.is_empty() || names_tables_itself(text) {
        return None;
    }
    // Before its first header a document may give `tables` a value of its own
    // (`tables = { … }`), which TOML does not let later headers extend.
    let prefix = !text.starts_with("[tables.");
    let bounds: Vec<(usize, usize)> = std::iter::once(0)
        .chain(cuts.iter().copied())
        .zip(cuts.iter().copied().chain(std::iter::once(text.len())))
        .collect();
    let pieces = map_in_order(bounds, |(from, to)| {
        let (root, errors) = DeTable::parse_recoverable(&text[from..to]);
        if !errors.is_empty() || (from == 0 && prefix && root.get_ref().contains_key("tables")) {
            return None;
        }
        let mut others = Vec::new();
        let mut tables = Vec::new();
        for (key, value) in moved_table(root.into_inner(), from) {
            if key.get_ref() != "tables" {
                others.push((key, value));
                continue;
            }
            let DeValue::Table(entries) = value.into_inner() else {
                return None;
            };
            tables.extend(
                entries
                    .into_iter()
                    .map(|entry| (entry.0.get_ref().clone(), read(entry))),
            );
        }
        Some((others, tables))
    });
    let mut rest = DeTable::new();
    let mut tables = Vec::new();
    let mut names = HashSet::new();
    for piece in pieces {
        let (others, read_tables) = piece?;
        for (key, value) in others {
            if rest.contains_key(key.get_ref().as_ref()) {
                return None;
            }
            rest.insert(key, value);
        }
        for (name, table) in read_tables {
            if !names.insert(name) {
                return None;
            }
            tables.push(table);
        }
    }
    Some((Spanned::new(0..text.len(), rest), tables))
}

/// Where each table's first `[tables.<name>` header starts a line. A later header of the same
/// table right after (`[tables.<name>.columns]`) is not a cut.
fn table_starts(text: &str) -> Vec<usize> {
    const HEADER: &str = "[tables.";
    let mut starts = Vec::new();
    let mut previous = "";
    let at_line_starts = text
        .match_indices(HEADER)
        .map(|(at, _)| at)
        .filter(|&at| at == 0 || text.as_bytes()[at - 1] == b'\n');
    for at in at_line_starts {
        let rest = &text[at + HEADER.len()..];
        let name = &rest[..rest.find(['.', ']', '\n']).unwrap_or(rest.len())];
        if name != previous && at > 0 {
            starts.push(at);
        }
        previous = name;
    }
    starts
}

/// Whether a header names `tables` itself (`[tables]`, `[ "tables" ]`, `[[tables]]`). TOML
/// lets a table be defined once in the whole text, which pieces parsed apart cannot check.
/// Errs towards yes: a line inside a multi-line string counts too.
fn names_tables_itself(text: &str) -> bool {
    text.lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('[') && line.contains("tables"))
        .any(|line| {
            let header: String = line.chars().filter(|c| !matches!(c, ' ' | '\t' | '"' | '\'')).collect();
            header.starts_with("[tables]") || header.starts_with("[[tables]")
        })
}

/// `value` with every span moved `by` bytes on.
fn moved_value(value: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = value.span();
    let value = match value.into_inner() {
        DeValue::Table(table) => DeValue::Table(moved_table(table, by)),
        DeValue::Array(mut items) => {
            for item in items.iter_mut() {
                let taken = std::mem::replace(item, Spanned::new(0..0, DeValue::Boolean(false)));
                *item = moved_value(taken, by);
            }
            DeValue::Array(items)
        }
        scalar => scalar,
    };
    Spanned::new(span.start + by..span.end + by, value)
}

fn moved_table(table: DeTable<'_>, by: usize) -> DeTable<'_> {
    let mut moved = DeTable::new();
    for (key, value) in table {
        let span = key.span();
        moved.insert(
            Spanned::new(span.start + by..span.end + by, key.into_inner()),
            moved_value(value, by),
        );
    }
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;

    /// Every key, value and span of a parsed value, as text.
    fn layout(value: &Spanned<DeValue<'_>>, out: &mut String) {
        let span = value.span();
        match value.get_ref() {
            DeValue::Table(table) => {
                let _ = write!(out, "{{{span:?} ");
                for (key, value) in table.iter() {
                    let _ = write!(out, "{:?}@{:?}=", key.get_ref(), key.span());
                    layout(value, out);
                }
                out.push('}');
            }
            DeValue::Array(items) => {
                let _ = write!(out, "[{span:?} ");
                for item in items.iter() {
                    layout(item, out);
                }
                out.push(']');
            }
            scalar => {
                let _ = write!(out, "{scalar:?}@{span:?} ");
            }
        }
    }

    fn layout_of(root: DeTable<'_>, tables: Vec<TableEntry<'_>>) -> String {
        let mut out = String::new();
        layout(&Spanned::new(0..0, DeValue::Table(root)), &mut out);
        for (name, table) in tables {
            let _ = write!(out, "\n{:?}@{:?}=", name.get_ref(), name.span());
            layout(&table, &mut out);
        }
        out
    }

    fn whole(text: &str) -> String {
        let (mut root, errors) = DeTable::parse_recoverable(text);
        assert!(errors.is_empty(), "{errors:?}");
        let tables = match root.get_mut().remove("tables").map(Spanned::into_inner) {
            Some(DeValue::Table(entries)) => entries.into_iter().collect(),
            _ => Vec::new(),
        };
        layout_of(root.into_inner(), tables)
    }

    fn in_pieces(text: &str) -> Option<String> {
        parse_in_pieces(text, |entry| entry).map(|(root, tables)| layout_of(root.into_inner(), tables))
    }

    #[test]
    fn pieces_give_the_same_values_and_spans_as_the_whole() {
        let receptionist = include_str!("../../schema.toml");
        let shuffled = "[migration]\nname = \"x\"\n\n[tables.b]\nowner = { column = \"u\" }\n\n\
                        [tables.b.columns]\nu = { type = \"uuid\", values = [\"a\", \"b\"] }\n\n\
                        [tables.a.columns]\nid = { type = \"uuid\" }\n\n[functions.f]\nbody = '''\nselect 1\n'''\n";
        for text in [receptionist, shuffled] {
            assert_eq!(in_pieces(text).as_deref(), Some(whole(text).as_str()));
        }
    }

    #[test]
    fn pieces_that_do_not_stand_alone_fall_back_to_the_whole() {
        // A table's headers apart: the same key in two pieces.
        let apart = "[tables.a]\nx = 1\n[tables.b]\ny = 2\n[tables.a.columns]\nz = 3\n";
        // A multi-line string holding a line that looks like a header.
        let in_string = "[tables.a]\nbody = '''\n[tables.b]\n'''\n[tables.c]\nz = 3\n";
        for text in [apart, in_string] {
            assert_eq!(in_pieces(text), None, "{text}");
            assert!(!whole(text).is_empty());
        }
    }

    #[test]
    fn documents_that_only_parse_in_pieces_fall_back_too() {
        // Each piece is valid on its own, the whole is not: `tables` defined twice, or given a
        // value of its own that a later header extends.
        let twice = "[tables]\na = { x = 1 }\n[tables.b]\ny = 2\n[tables]\nc = { z = 3 }\n";
        let inline = "tables = { a = { x = 1 } }\n[tables.b]\ny = 2\n";
        for text in [twice, inline] {
            assert_eq!(in_pieces(text), None, "{text}");
            let (_, errors) = DeTable::parse_recoverable(text);
            assert!(!errors.is_empty(), "the whole of {text:?} parses");
        }
    }
}
