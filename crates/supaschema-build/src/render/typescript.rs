//! The schema as the supabase-js `Database` type sees it, in the shape and order `supabase gen
//! types typescript` (postgres-meta's generator) writes: tables and columns sorted by name,
//! the same TypeScript type for each column type, relationships only to tables of `public`.

use crate::model::{Returns, Schema, Table};
use crate::sql_type::SqlType;
use serde::Serialize;

/// What `typescript/database.ts` receives.
#[derive(Serialize)]
pub(super) struct TsSchema {
    tables: Vec<TsTable>,
    functions: Vec<TsFunction>,
    /// Sorted by name, each with its values in their order.
    enums: Vec<TsEnum>,
}

#[derive(Serialize)]
struct TsEnum {
    name: String,
    values: Vec<String>,
}

#[derive(Serialize)]
struct TsTable {
    name: String,
    columns: Vec<TsColumn>,
    relationships: Vec<TsRelationship>,
}

#[derive(Serialize)]
struct TsColumn {
    name: String,
    /// The TypeScript type, `| null` included for a nullable column.
    ts_type: String,
    /// An insert may leave it out: nullable, a default or an identity.
    optional: bool,
    /// `generated always as identity` or a generated column: never written (`?: never`).
    never: bool,
}

#[derive(Serialize)]
struct TsRelationship {
    name: String,
    columns: Vec<String>,
    /// The foreign key's columns are this table's primary key or a unique constraint's.
    one_to_one: bool,
    referenced: String,
    referenced_columns: Vec<String>,
}

#[derive(Serialize)]
struct TsFunction {
    name: String,
    /// Sorted by name; none gives `Args: never`.
    args: Vec<TsArg>,
    returns: String,
}

#[derive(Serialize)]
struct TsArg {
    name: String,
    ts_type: String,
    /// The argument has a default, so a call may leave it out (`name?: type`).
    optional: bool,
}

impl TsSchema {
    pub(super) fn new(schema: &Schema) -> TsSchema {
        let mut tables: Vec<TsTable> = schema.tables.iter().map(TsTable::new).collect();
        tables.sort_by(|a, b| a.name.cmp(&b.name));
        // The Data API calls the functions of `public` only; a trigger function it cannot call.
        let mut functions: Vec<TsFunction> = schema
            .functions
            .iter()
            .filter(|f| f.schema == crate::model::SCHEMA && !f.returns.is_trigger())
            .map(|f| {
                let mut args: Vec<TsArg> = f
                    .args
                    .iter()
                    .map(|a| TsArg {
                        name: a.name.clone(),
                        ts_type: ts_type(&a.sql_type),
                        optional: a.default.is_some(),
                    })
                    .collect();
                args.sort_by(|a, b| a.name.cmp(&b.name));
                TsFunction {
                    name: f.name.clone(),
                    args,
                    returns: ts_returns(&f.returns),
                }
            })
            .collect();
        functions.sort_by(|a, b| a.name.cmp(&b.name));
        let mut enums: Vec<TsEnum> = schema
            .enums
            .iter()
            .map(|e| TsEnum {
                name: e.name.clone(),
                values: e.values.clone(),
            })
            .collect();
        enums.sort_by(|a, b| a.name.cmp(&b.name));
        TsSchema {
            tables,
            functions,
            enums,
        }
    }
}

/// A function's result as supabase-js sees it: a set of rows is an array, of the table's `Row`
/// for `setof <table>`.
fn ts_returns(returns: &Returns) -> String {
    let rows = |columns: Vec<TsColumn>| {
        let fields: Vec<String> = columns
            .iter()
            .map(|c| format!("{}: {}", super::ts_key(&c.name), c.ts_type))
            .collect();
        format!("{{ {} }}[]", fields.join("; "))
    };
    match returns {
        Returns::Type(sql) if sql == "void" => "undefined".to_owned(),
        // A function returning an enum type names it qualified (`public.visit_status`).
        Returns::Type(sql) => match (SqlType::parse(sql), sql.strip_prefix("public.")) {
            (Ok(t), _) => ts_type(&t),
            (Err(_), Some(name)) => ts_type(&SqlType::Enum(name.to_owned())),
            (Err(_), None) => "unknown".to_owned(),
        },
        // A table's rows, as the Data API returns them.
        Returns::SetOf { setof } => format!(
            "Database[\"public\"][\"Tables\"][{}][\"Row\"][]",
            serde_json::Value::from(setof.as_str())
        ),
        Returns::Table { table } => {
            let mut columns: Vec<TsColumn> = table
                .iter()
                .map(|(name, sql_type)| TsColumn {
                    name: name.clone(),
                    ts_type: ts_type(sql_type),
                    optional: false,
                    never: false,
                })
                .collect();
            columns.sort_by(|a, b| a.name.cmp(&b.name));
            rows(columns)
        }
    }
}

impl TsTable {
    fn new(table: &Table) -> TsTable {
        let mut columns: Vec<TsColumn> = table
            .columns
            .iter()
            .map(|c| {
                let base = ts_type(&c.sql_type);
                TsColumn {
                    name: c.name.clone(),
                    ts_type: if c.nullable && base != "unknown" {
                        format!("{base} | null")
                    } else {
                        base
                    },
                    optional: c.fills_itself(),
                    never: c.never_written(),
                }
            })
            .collect();
        columns.sort_by(|a, b| a.name.cmp(&b.name));
        let mut relationships: Vec<TsRelationship> = table
            .foreign_keys
            .iter()
            .filter(|fk| fk.target_schema == crate::model::SCHEMA)
            .map(|fk| TsRelationship {
                name: fk.name.clone(),
                columns: fk.columns.clone(),
                one_to_one: table.keys().any(|key| same_set(key, &fk.columns)),
                referenced: fk.target_table.clone(),
                referenced_columns: fk.target_columns.clone(),
            })
            .collect();
        relationships.sort_by(|a, b| a.name.cmp(&b.name));
        TsTable {
            name: table.name.clone(),
            columns,
            relationships,
        }
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|c| b.contains(c))
}

/// The TypeScript type postgres-meta gives a column type: `inet` has none there (`unknown`).
fn ts_type(sql_type: &SqlType) -> String {
    match sql_type {
        SqlType::Boolean => "boolean".to_owned(),
        SqlType::SmallInt
        | SqlType::Integer
        | SqlType::BigInt
        | SqlType::Real
        | SqlType::DoublePrecision
        | SqlType::Numeric(_) => "number".to_owned(),
        SqlType::Uuid
        | SqlType::Text
        | SqlType::Citext
        | SqlType::Varchar(_)
        | SqlType::Date
        | SqlType::Time
        | SqlType::Timestamptz
        | SqlType::Timestamp
        | SqlType::Interval
        | SqlType::Bytea => "string".to_owned(),
        SqlType::Jsonb | SqlType::Json => "Json".to_owned(),
        SqlType::Inet => "unknown".to_owned(),
        SqlType::Array(inner) => format!("{}[]", ts_type(inner)),
        SqlType::Enum(name) => format!(
            "Database[\"public\"][\"Enums\"][{}]",
            serde_json::Value::from(name.as_str())
        ),
    }
}
