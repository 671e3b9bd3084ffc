//! Stage 1: read `schema.toml` into raw structs that keep the source span of every value, so
//! later stages can point at the exact line. Unknown keys are errors here, not silently ignored.

use crate::error::{Problem, SchemaError, SourceFile};
use crate::model::{
    Class, Command, Deferrable, ForEach, Identity, IndexMethod, Language, ReferentialAction, Role, Security,
    TriggerEvent, TriggerTiming, Volatility,
};
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;
use toml::de::DeTable;

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
    #[serde(default)]
    pub buckets: IndexMap<Name, Spanned<RawBucket>>,
    #[serde(default)]
    pub enums: IndexMap<Name, Spanned<RawEnum>>,
    /// Settings for the next migration the build writes.
    pub migration: Option<Spanned<RawMigration>>,
    /// Where the build writes the supabase-js `Database` type, relative to the project root.
    pub typescript: Option<Name>,
    /// Revoke the API roles' default privileges on objects created later in `public`.
    pub revoke_default_grants: Option<Spanned<bool>>,
}

/// `[buckets.<name>]`: a Supabase Storage bucket and who may reach its files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBucket {
    pub public: Option<Spanned<bool>>,
    /// Bytes.
    pub file_size_limit: Option<Spanned<i64>>,
    pub allowed_mime_types: Option<Spanned<Vec<Spanned<String>>>>,
    /// The owner rule by name (`"first_folder"`), checked in `validate::buckets`.
    pub owner: Option<Name>,
    pub phi: Option<Spanned<bool>>,
}

/// `[enums.<name>]`: an enum type, which a column names as its `type`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnum {
    /// The labels, in the order PostgreSQL sorts them.
    pub values: Names,
    pub comment: Option<Spanned<String>>,
    /// `{ new = "old" }`: values the next migration renames, keeping the rows that hold them.
    #[serde(default)]
    pub renamed_values: IndexMap<Name, Name>,
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
    /// How long each statement of a new migration waits for a lock (`"5s"`).
    pub lock_timeout: Option<Name>,
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
    pub returns: Spanned<RawReturns>,
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
    /// SQL for a call that leaves the argument out.
    pub default: Option<Spanned<String>>,
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
    /// PHI read only through the audited `read_<table>` (see `validate::reads`).
    pub audit_reads: Option<Spanned<bool>>,
    pub append_only: Option<Spanned<bool>>,
    pub realtime: Option<Spanned<bool>>,
    /// No free text and no PHI in any column (see `validate::metadata`).
    pub metadata_only: Option<Spanned<bool>>,
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
    /// `generated always as (…) stored`: the expression PostgreSQL computes the value from.
    pub generated: Option<Spanned<String>>,
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
    pub on_delete: Option<Spanned<RawDeleteAction>>,
    pub on_update: Option<Spanned<ReferentialAction>>,
    pub deferrable: Option<Spanned<Deferrable>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawForeignKey {
    pub name: Option<Name>,
    pub columns: Names,
    pub references: Name,
    pub references_columns: Names,
    pub on_delete: Option<Spanned<RawDeleteAction>>,
    pub on_update: Option<Spanned<ReferentialAction>>,
    pub deferrable: Option<Spanned<Deferrable>>,
}

/// A value written either as a word (`"cascade"`, `"uuid"`) or as a table of keys.
#[derive(Debug)]
pub enum WordOrTable<W, T> {
    Word(W),
    Table(T),
}

/// A foreign key's `on_delete`: an action (`"cascade"`), or `{ set_null = [columns] }` /
/// `{ set_default = [columns] }`, which PostgreSQL 15 limits to some of the key's columns (a
/// composite key `(org_id, assignee_id)` whose delete clears only `assignee_id`).
pub type RawDeleteAction = WordOrTable<ReferentialAction, RawDeleteColumns>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDeleteColumns {
    pub set_null: Option<Names>,
    pub set_default: Option<Names>,
}

/// A function's `returns`: a word (`"void"`, `"uuid"`, `"setof tasks"`), or
/// `{ table = [{ name, type }] }` for `returns table (…)`.
pub type RawReturns = WordOrTable<String, RawReturnTable>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReturnTable {
    pub table: Spanned<Vec<Spanned<RawReturnColumn>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReturnColumn {
    pub name: Name,
    #[serde(rename = "type")]
    pub sql_type: Name,
}

/// By hand rather than `untagged`, so that a misspelt word keeps serde's "unknown variant"
/// message, which the "did you mean" help reads, and a wrong key in the table its own error.
impl<'de, W: Deserialize<'de>, T: Deserialize<'de>> Deserialize<'de> for WordOrTable<W, T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor<W, T>(std::marker::PhantomData<(W, T)>);
        impl<'de, W: Deserialize<'de>, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<W, T> {
            type Value = WordOrTable<W, T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or a table")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                use serde::de::IntoDeserializer;
                W::deserialize(value.into_deserializer()).map(WordOrTable::Word)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(WordOrTable::Table)
            }
        }
        deserializer.deserialize_any(Visitor(std::marker::PhantomData))
    }
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
    pub columns: Option<Names>,
    /// SQL expressions indexed after the columns (`lower(email)`).
    pub expressions: Option<Spanned<Vec<Spanned<String>>>>,
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
    /// What the owner's JWT must also say, e.g. `{ path = "app_metadata.role", equals = "doctor" }`.
    /// Only with `column`: a table owned `via` a parent requires what the parent requires.
    pub claim: Option<Spanned<RawClaim>>,
    /// Rows belong to a group; its members, listed in a membership table, act on them.
    pub membership: Option<Spanned<RawMembership>>,
}

/// `owner = { membership = { table, key, group, user, role, write, delete } }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMembership {
    /// The membership table: one row per (group, user).
    pub table: Name,
    /// This table's column holding the group's id.
    pub key: Name,
    /// The membership table's column holding the group's id (default: the name of `key`).
    pub group: Option<Name>,
    /// The membership table's column holding the member's user id (default `user_id`).
    pub user: Option<Name>,
    /// The membership table's column holding the member's role (default `role`), when
    /// `write` or `delete` name roles.
    pub role: Option<Name>,
    /// The roles that may insert and update; every member when left out.
    pub write: Option<Names>,
    /// The roles that may delete; those of `write` when left out.
    pub delete: Option<Names>,
}

/// A claim of the signed-in user's JWT that the owner rule requires.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClaim {
    /// Dot-separated keys from the JWT's top level, starting at `app_metadata`.
    pub path: Spanned<String>,
    /// The text the claim must equal.
    pub equals: Spanned<String>,
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
    /// `update of` these columns: the trigger fires for an update naming one of them.
    pub columns: Option<Names>,
    /// A condition on `old` and `new` (`when (…)`): the trigger fires only when it holds.
    pub when: Option<Spanned<String>>,
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
    // The parser reports errors in the order it finds them, not in the order of the text: an
    // unclosed string first shows up as a missing comma on the next line. The earliest is the
    // cause.
    let (root, errors) = DeTable::parse_recoverable(&file.text);
    if let Some(error) = errors
        .into_iter()
        .min_by_key(|error| error.span().map_or(0, |span| span.start))
    {
        return Err(syntax(error));
    }
    RawSchema::deserialize(toml::de::Deserializer::from(root)).map_err(syntax)
}
