//! Column types: the PostgreSQL types `schema.toml` may name, their canonical SQL spelling,
//! the spelling the catalog reports (`format_type`), and the Rust type each maps to.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Serialized as its SQL spelling (`"timestamptz"`, `"text[]"`), so templates and lock files
/// read like SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlType {
    Uuid,
    Text,
    Boolean,
    SmallInt,
    Integer,
    BigInt,
    Real,
    DoublePrecision,
    Numeric(Option<(u16, u16)>),
    Date,
    Time,
    Timestamptz,
    Interval,
    Jsonb,
    Bytea,
    Inet,
    /// Text compared case-insensitively, from the `citext` extension, which Supabase installs in
    /// schema `extensions`: migrations name it `extensions.citext`, so they need no search path.
    Citext,
    /// Accepted only with an explicit opt-out (`allow = ["varchar"]`): the rules say TEXT.
    Varchar(Option<u32>),
    /// Accepted only with an explicit opt-out (`allow = ["timestamp"]`): the rules say TIMESTAMPTZ.
    Timestamp,
    /// Accepted only with an explicit opt-out (`allow = ["json"]`): jsonb is the better type.
    Json,
    Array(Box<SqlType>),
    /// An enum type of the schema (`[enums.<name>]`), by name. [`SqlType::parse`] knows none:
    /// the validator resolves a name it does not know against the schema's enums.
    Enum(String),
}

/// Why a type string was not accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeProblem {
    Unknown,
    /// `serial`/`bigserial`: identity columns replace them.
    Serial,
    /// `timestamp with time zone` spelled as plain `timestamp`, `char(n)`, and similar.
    BadModifier,
}

impl SqlType {
    /// Parses a type as written in `schema.toml`: case-insensitive, with PostgreSQL's aliases.
    pub fn parse(text: &str) -> Result<SqlType, TypeProblem> {
        let lowered = text.trim().to_ascii_lowercase();
        let normalized = lowered.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some(element) = normalized.strip_suffix("[]") {
            let inner = SqlType::parse(element)?;
            return match inner {
                SqlType::Array(_) => Err(TypeProblem::Unknown),
                inner => Ok(SqlType::Array(Box::new(inner))),
            };
        }
        let (base, modifier) = match normalized.split_once('(') {
            Some((base, rest)) => {
                let inside = rest.strip_suffix(')').ok_or(TypeProblem::BadModifier)?;
                (base.trim(), Some(inside))
            }
            None => (normalized.as_str(), None),
        };
        let plain = |t: SqlType| match modifier {
            None => Ok(t),
            Some(_) => Err(TypeProblem::BadModifier),
        };
        match base {
            "uuid" => plain(SqlType::Uuid),
            "text" => plain(SqlType::Text),
            "boolean" | "bool" => plain(SqlType::Boolean),
            "smallint" | "int2" => plain(SqlType::SmallInt),
            "integer" | "int" | "int4" => plain(SqlType::Integer),
            "bigint" | "int8" => plain(SqlType::BigInt),
            "real" | "float4" => plain(SqlType::Real),
            "double precision" | "float8" => plain(SqlType::DoublePrecision),
            "date" => plain(SqlType::Date),
            "time" | "time without time zone" => plain(SqlType::Time),
            "timestamptz" | "timestamp with time zone" => plain(SqlType::Timestamptz),
            "timestamp" | "timestamp without time zone" => plain(SqlType::Timestamp),
            "interval" => plain(SqlType::Interval),
            "jsonb" => plain(SqlType::Jsonb),
            "json" => plain(SqlType::Json),
            "bytea" => plain(SqlType::Bytea),
            "inet" => plain(SqlType::Inet),
            "citext" | "extensions.citext" => plain(SqlType::Citext),
            "serial" | "bigserial" | "smallserial" | "serial4" | "serial8" => Err(TypeProblem::Serial),
            "numeric" | "decimal" => match modifier {
                None => Ok(SqlType::Numeric(None)),
                Some(m) => parse_precision(m).map(|p| SqlType::Numeric(Some(p))),
            },
            "varchar" | "character varying" => match modifier {
                None => Ok(SqlType::Varchar(None)),
                Some(m) => m
                    .trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=10_485_760).contains(n))
                    .map(|n| SqlType::Varchar(Some(n)))
                    .ok_or(TypeProblem::BadModifier),
            },
            _ => Err(TypeProblem::Unknown),
        }
    }

    /// The spelling PostgreSQL's `format_type` reports for the column, used to compare a live
    /// catalog with the schema.
    pub fn catalog_name(&self) -> String {
        match self {
            SqlType::Uuid => "uuid".into(),
            SqlType::Text => "text".into(),
            SqlType::Boolean => "boolean".into(),
            SqlType::SmallInt => "smallint".into(),
            SqlType::Integer => "integer".into(),
            SqlType::BigInt => "bigint".into(),
            SqlType::Real => "real".into(),
            SqlType::DoublePrecision => "double precision".into(),
            SqlType::Numeric(None) => "numeric".into(),
            SqlType::Numeric(Some((p, s))) => format!("numeric({p},{s})"),
            SqlType::Date => "date".into(),
            SqlType::Time => "time without time zone".into(),
            SqlType::Timestamptz => "timestamp with time zone".into(),
            SqlType::Timestamp => "timestamp without time zone".into(),
            SqlType::Interval => "interval".into(),
            SqlType::Jsonb => "jsonb".into(),
            SqlType::Json => "json".into(),
            SqlType::Bytea => "bytea".into(),
            SqlType::Inet => "inet".into(),
            SqlType::Citext => "citext".into(),
            SqlType::Varchar(None) => "character varying".into(),
            SqlType::Varchar(Some(n)) => format!("character varying({n})"),
            SqlType::Array(inner) => format!("{}[]", inner.catalog_name()),
            SqlType::Enum(name) => crate::ident::quote_identifier(name),
        }
    }

    /// The Rust type a value of this column has (not yet wrapped in `Option`), naming the
    /// crates it comes from through `runtime`, the path of the runtime crate that re-exports
    /// them, so that the generated code needs no other dependency.
    pub fn rust_type(&self, runtime: &str) -> String {
        match self {
            SqlType::Uuid => format!("{runtime}::uuid::Uuid"),
            SqlType::Text | SqlType::Varchar(_) | SqlType::Citext => "String".into(),
            SqlType::Boolean => "bool".into(),
            SqlType::SmallInt => "i16".into(),
            SqlType::Integer => "i32".into(),
            SqlType::BigInt => "i64".into(),
            SqlType::Real => "f32".into(),
            SqlType::DoublePrecision => "f64".into(),
            SqlType::Numeric(_) => format!("{runtime}::rust_decimal::Decimal"),
            SqlType::Date => format!("{runtime}::chrono::NaiveDate"),
            SqlType::Time => format!("{runtime}::chrono::NaiveTime"),
            SqlType::Timestamptz => format!("{runtime}::chrono::DateTime<{runtime}::chrono::Utc>"),
            SqlType::Timestamp => format!("{runtime}::chrono::NaiveDateTime"),
            SqlType::Interval => format!("{runtime}::Interval"),
            SqlType::Jsonb | SqlType::Json => format!("{runtime}::serde_json::Value"),
            SqlType::Bytea => "Vec<u8>".into(),
            SqlType::Inet => "::std::net::IpAddr".into(),
            SqlType::Array(inner) => format!("Vec<{}>", inner.rust_type(runtime)),
            SqlType::Enum(name) => enum_rust_name(name),
        }
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, SqlType::SmallInt | SqlType::Integer | SqlType::BigInt)
    }

    /// Whether a value of this type can be compared and sorted as text (closed value sets).
    pub fn is_text(&self) -> bool {
        matches!(self, SqlType::Text | SqlType::Varchar(_))
    }
}

/// The Rust enum generated for the enum type `name`: its name in UpperCamelCase.
pub fn enum_rust_name(name: &str) -> String {
    heck::ToUpperCamelCase::to_upper_camel_case(name)
}

impl Serialize for SqlType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SqlType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<SqlType, D::Error> {
        let text = String::deserialize(deserializer)?;
        // The lock writes an enum type as `public.<name>` (see `Display`), which no builtin is.
        let enum_type = |t: &str| {
            let name = t.strip_prefix("public.")?;
            crate::ident::is_safe_identifier(name.trim_matches('"'))
                .then(|| SqlType::Enum(name.trim_matches('"').to_owned()))
        };
        let parse = |t: &str| match t.strip_suffix("[]") {
            Some(element) => enum_type(element).map(|e| SqlType::Array(Box::new(e))),
            None => enum_type(t),
        };
        SqlType::parse(&text)
            .ok()
            .or_else(|| parse(&text))
            .ok_or_else(|| serde::de::Error::custom(format!("unknown column type `{text}`")))
    }
}

fn parse_precision(modifier: &str) -> Result<(u16, u16), TypeProblem> {
    let mut parts = modifier.split(',').map(|p| p.trim().parse::<u16>());
    let precision = parts.next().and_then(Result::ok).ok_or(TypeProblem::BadModifier)?;
    let scale = match parts.next() {
        None => 0,
        Some(s) => s.map_err(|_| TypeProblem::BadModifier)?,
    };
    if parts.next().is_some() || !(1..=1000).contains(&precision) || scale > precision {
        return Err(TypeProblem::BadModifier);
    }
    Ok((precision, scale))
}

impl fmt::Display for SqlType {
    /// The canonical SQL spelling used in generated migrations.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SqlType::Timestamptz => f.write_str("timestamptz"),
            SqlType::Time => f.write_str("time"),
            SqlType::Timestamp => f.write_str("timestamp"),
            SqlType::Varchar(None) => f.write_str("varchar"),
            SqlType::Varchar(Some(n)) => write!(f, "varchar({n})"),
            SqlType::Citext => f.write_str("extensions.citext"),
            SqlType::Array(inner) => write!(f, "{inner}[]"),
            // Qualified, as the migrations name tables: it resolves whatever the search path.
            SqlType::Enum(name) => write!(f, "public.{}", crate::ident::quote_identifier(name)),
            other => f.write_str(&other.catalog_name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_aliases_and_modifiers() {
        assert_eq!(SqlType::parse("TIMESTAMP WITH TIME ZONE"), Ok(SqlType::Timestamptz));
        assert_eq!(SqlType::parse("int"), Ok(SqlType::Integer));
        assert_eq!(SqlType::parse("numeric(10, 2)"), Ok(SqlType::Numeric(Some((10, 2)))));
        assert_eq!(SqlType::parse("text[]"), Ok(SqlType::Array(Box::new(SqlType::Text))));
        assert_eq!(SqlType::parse("varchar(20)"), Ok(SqlType::Varchar(Some(20))));
        assert_eq!(SqlType::parse("extensions.citext"), Ok(SqlType::Citext));
        assert_eq!(SqlType::parse("serial"), Err(TypeProblem::Serial));
        assert_eq!(SqlType::parse("text(3)"), Err(TypeProblem::BadModifier));
        assert_eq!(SqlType::parse("numeric(2,5)"), Err(TypeProblem::BadModifier));
        assert_eq!(SqlType::parse("strnig"), Err(TypeProblem::Unknown));
        assert_eq!(SqlType::parse("text[][]"), Err(TypeProblem::Unknown));
    }

    #[test]
    fn round_trips_through_its_sql_spelling() {
        for t in [
            "uuid",
            "timestamptz",
            "numeric(12,3)",
            "double precision",
            "bigint[]",
            "time",
            "citext",
        ] {
            let parsed = SqlType::parse(t).expect("valid type");
            assert_eq!(SqlType::parse(&parsed.to_string()), Ok(parsed));
        }
    }
}
