//! Stage 4: render the plan into SQL and the schema into Rust, with the Tera templates in
//! `templates/`. Tera escapes nothing in `.sql` files: names reach SQL only through the quoting
//! filters registered here.

use crate::error::Error;
use crate::ident::{quote_identifier, quote_literal};
use crate::model::{
    Builtin, Class, Column, Enum, Function, FunctionBody, ReferentialAction, SCHEMA, Schema, Table, TriggerEvent,
};
use crate::plan::Step;
use crate::templates;
use serde::Deserialize;
use serde::Serialize;
use std::path::Path;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

mod typescript;

/// The templates, loaded once, with the quoting filters registered.
pub struct Renderer {
    tera: Tera,
}

impl Renderer {
    /// Loads the default templates, each replaced by the file of the same name under
    /// `overrides` (a project's `templates/` folder) when there is one.
    pub fn load(overrides: &Path) -> Result<Renderer, Error> {
        let templates = templates::load(overrides)?;
        let mut tera = Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        // Registered before the templates are added: Tera checks that every filter they use
        // exists.
        tera.register_filter("ident", filter_ident);
        tera.register_filter("idents", filter_idents);
        tera.register_filter("literal", filter_literal);
        tera.register_filter("literals", filter_literals);
        tera.register_filter("words", filter_words);
        tera.register_filter("action_code", filter_action_code);
        tera.register_filter("signature", filter_signature);
        tera.register_filter("function", filter_function);
        tera.register_filter("rust_str", filter_rust_str);
        tera.register_filter("doc_comment", filter_doc_comment);
        tera.register_filter("json_str", filter_json_str);
        tera.register_filter("ts_key", filter_ts_key);
        tera.add_raw_templates(templates.iter().map(|t| (t.name.as_str(), t.text.as_str())))
            .map_err(|e| {
                let overrides: Vec<String> = templates
                    .iter()
                    .filter_map(|t| t.file.as_ref().map(|file| file.display().to_string()))
                    .collect();
                let loaded = match overrides.is_empty() {
                    true => "the default templates".to_owned(),
                    false => format!("the templates, with the overrides {}", overrides.join(", ")),
                };
                Error::template(&loaded, &e)
            })?;
        Ok(Renderer { tera })
    }

    /// Renders any template with a serializable context, such as the pgTAP tests.
    pub fn render_value<T: Serialize>(&self, template: &str, context: &T) -> Result<String, Error> {
        let context = Context::from_serialize(context).map_err(|e| Error::template(template, &e))?;
        self.render(template, &context)
    }

    fn render(&self, template: &str, context: &Context) -> Result<String, Error> {
        self.tera
            .render(template, context)
            .map_err(|e| Error::template(template, &e))
    }

    /// One migration file's text: a header and every step's statements.
    pub fn migration(&self, name: &str, steps: &[Step], schema: &Schema) -> Result<String, Error> {
        self.file(name, None, steps, schema)
    }

    /// The reverse of the migration file `reverses`: the steps back to `schema`, the state
    /// before it, in one file that `supaschema rollback` runs in one transaction.
    pub(crate) fn rollback(&self, reverses: &str, steps: &[Step], schema: &Schema) -> Result<String, Error> {
        let name = reverses.strip_suffix(".sql").unwrap_or(reverses);
        self.file(name, Some(reverses), steps, schema)
    }

    fn file(&self, name: &str, reverses: Option<&str>, steps: &[Step], schema: &Schema) -> Result<String, Error> {
        let statements = steps
            .iter()
            .map(|step| {
                let mut context = Context::from_serialize(step).map_err(|e| Error::template(step.template(), &e))?;
                context.insert("reverses", &reverses);
                if let Step::CreateFunction { function } = step {
                    context.insert("body", &self.function_body(function, schema)?);
                    context.insert("qualified", &function.qualified());
                    context.insert("returns", &function.returns.sql());
                }
                Ok(trimmed(self.render(step.template(), &context)?))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let mut context = Context::new();
        context.insert("name", name);
        context.insert("reverses", &reverses);
        context.insert("lock_timeout", &schema.migration.lock_timeout);
        context.insert("after_commit", &steps.iter().any(Step::after_commit));
        context.insert("statements", &statements);
        let mut text = trimmed(self.render("sql/migration.sql", &context)?);
        text.push('\n');
        Ok(text)
    }

    fn function_body(&self, function: &Function, schema: &Schema) -> Result<String, Error> {
        match &function.body {
            FunctionBody::Written(text) => Ok(text.trim().to_owned()),
            FunctionBody::Builtin(builtin) => {
                let mut context = Context::new();
                if *builtin == Builtin::AuditRowChange {
                    context.insert("audit_table", &schema.audit_table);
                }
                Ok(self.render(&builtin.template(), &context)?.trim().to_owned())
            }
            FunctionBody::AuditedRead(read) => {
                let mut context = Context::new();
                context.insert("read", read);
                context.insert("function", &function.name);
                Ok(self.render("functions/read_rows.sql", &context)?.trim().to_owned())
            }
        }
    }

    /// The Rust module with the row, insert and patch structs and enums of every table. The
    /// template lays the code out itself; tests parse every output with `syn`, so the build
    /// does not pay for a syntax tree of thousands of lines.
    ///
    /// Each table is rendered on its own (`tables` holds one, `first` marks the first) and
    /// appended, so only one table's context is in memory at a time.
    ///
    /// `runtime` is the path by which the generated code names the `supaschema` runtime crate.
    pub fn rust(&self, schema: &Schema, runtime: &str) -> Result<String, Error> {
        let mut code = String::new();
        let types: Vec<RustEnum> = schema.enums.iter().map(RustEnum::of_type).collect();
        let pieces = std::iter::once((types, None)).chain(schema.tables.iter().map(|table| {
            (
                RustEnum::closed_sets(table),
                Some(RustTable::new(table, schema, runtime)),
            )
        }));
        for (enums, table) in pieces {
            if enums.is_empty() && table.is_none() {
                continue;
            }
            let mut context = Context::new();
            context.insert("runtime", runtime);
            context.insert("enums", &enums);
            context.insert("tables", table.as_slice());
            context.insert("first", &code.is_empty());
            let piece = trimmed(self.render("rust/types.rs", &context)?);
            if !piece.is_empty() {
                code.push_str(&piece);
                code.push_str("\n\n");
            }
        }
        code.truncate(code.trim_end().len());
        code.push('\n');
        Ok(code)
    }
}

impl Renderer {
    /// The supabase-js `Database` type, as `supabase gen types typescript` writes it.
    pub fn typescript(&self, schema: &Schema) -> Result<String, Error> {
        let mut text = trimmed(self.render_value("typescript/database.ts", &typescript::TsSchema::new(schema))?);
        text.push('\n');
        Ok(text)
    }
}

/// `text` without leading and trailing whitespace, trimmed in place rather than copied, and
/// holding no more memory than it needs: Tera allocates twice a template's text, rounded up to
/// a power of two, for each output, which for thousands of kept outputs adds up to megabytes.
fn trimmed(mut text: String) -> String {
    text.truncate(text.trim_end().len());
    let leading = text.len() - text.trim_start().len();
    text.drain(..leading);
    text.shrink_to_fit();
    text
}

/// A table as the Rust template sees it.
#[derive(Serialize)]
struct RustTable {
    table: String,
    /// The module holding the name constants: the table name, raw-escaped if it is a keyword.
    module: String,
    /// `public.patients`, quoted for SQL.
    sql_name: String,
    struct_name: String,
    doc: Option<String>,
    fields: Vec<RustField>,
    keys: Vec<RustField>,
    /// The fields an insert must be given: the constructor's parameters.
    required: Vec<RustField>,
    /// `id, doctor_id, ...`, quoted for SQL.
    select_list: String,
    /// Rows are never changed (`append_only = true`): no patch struct.
    append_only: bool,
    /// With `audit_reads`: the call of the table's read function with the key as `$1`.
    audited_read: Option<String>,
}

#[derive(Clone, Serialize)]
struct RustField {
    column: String,
    sql_name: String,
    /// `column` and `sql_name` as Rust string literals: the template writes each about ten
    /// times a table, and a filter call per use made up a tenth of the rendering.
    column_literal: String,
    sql_name_literal: String,
    field: String,
    /// `field` without a raw identifier's `r#`, to build method names from.
    bare_field: String,
    /// The value type without `Option`.
    value_type: String,
    nullable: bool,
    phi: bool,
    /// The column's comment, or its name: every generated item is documented.
    doc: String,
    /// `required`, `optional` (has a default or may be null) or `never` (identity always, or
    /// generated).
    insert: &'static str,
    /// The setter's doc: the column, what it holds when an insert leaves it out, its comment.
    setter_doc: String,
    const_name: String,
}

/// A Rust enum: of a closed value set (a `text` column and its check) or of an enum type.
#[derive(Serialize)]
struct RustEnum {
    name: String,
    doc: String,
    variants: Vec<(String, String)>,
    /// The enum type's name, which the `postgres` crate checks a column's type against; `None`
    /// for a closed value set.
    sql_type: Option<String>,
}

impl RustEnum {
    fn new(name: &str, doc: String, values: &[String], sql_type: Option<String>) -> RustEnum {
        RustEnum {
            name: name.to_owned(),
            doc,
            variants: values
                .iter()
                .map(|v| (crate::ident::rust_variant_name(v), v.clone()))
                .collect(),
            sql_type,
        }
    }

    fn of_type(enum_type: &Enum) -> RustEnum {
        let doc = enum_type
            .comment
            .clone()
            .unwrap_or_else(|| format!("The values of the enum type `{}`.", enum_type.name));
        RustEnum::new(
            &enum_type.rust_name,
            doc,
            &enum_type.values,
            Some(enum_type.name.clone()),
        )
    }

    /// The closed value sets of a table's columns.
    fn closed_sets(table: &Table) -> Vec<RustEnum> {
        table
            .columns
            .iter()
            .filter_map(|c| {
                let set = c.values.as_ref()?;
                let doc = format!("The values `{}.{}` may hold.", table.name, c.name);
                Some(RustEnum::new(&set.rust_name, doc, &set.values, None))
            })
            .collect()
    }
}

impl RustTable {
    fn new(table: &Table, schema: &Schema, runtime: &str) -> RustTable {
        let fields: Vec<RustField> = table
            .columns
            .iter()
            .map(|c| {
                let sql_name = quote_identifier(&c.name);
                RustField {
                    column: c.name.clone(),
                    sql_name_literal: rust_literal(&sql_name),
                    sql_name,
                    column_literal: rust_literal(&c.name),
                    field: c.rust_name.clone(),
                    bare_field: c.rust_name.trim_start_matches("r#").to_owned(),
                    value_type: match &c.values {
                        Some(set) => set.rust_name.clone(),
                        None => c.sql_type.rust_type(runtime),
                    },
                    nullable: c.nullable,
                    phi: c.class == Class::Phi,
                    doc: c.comment.clone().unwrap_or_else(|| format!("Column `{}`.", c.name)),
                    setter_doc: setter_doc(c),
                    insert: match (c.never_written(), c.fills_itself()) {
                        (true, _) => "never",
                        (false, true) => "optional",
                        (false, false) => "required",
                    },
                    const_name: c.name.to_ascii_uppercase(),
                }
            })
            .collect();
        let keys = table
            .primary_key
            .columns
            .iter()
            .filter_map(|k| fields.iter().find(|f| &f.column == k).cloned())
            .collect();
        let required = fields.iter().filter(|f| f.insert == "required").cloned().collect();
        RustTable {
            table: table.name.clone(),
            module: crate::ident::rust_field_name(&table.name).unwrap_or_else(|| format!("{}_table", table.name)),
            sql_name: format!("{SCHEMA}.{}", quote_identifier(&table.name)),
            struct_name: table.rust_name.clone(),
            doc: table.comment.clone(),
            select_list: fields
                .iter()
                .map(|f| f.sql_name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            fields,
            keys,
            required,
            append_only: table.triggers.iter().any(|t| {
                t.function == Builtin::RejectChange.function_name() && t.events.contains(&TriggerEvent::Update)
            }),
            audited_read: audited_read_call(table, schema),
        }
    }
}

/// `public.read_patients(array[$1::uuid], null)`: the row of key `$1` through the table's read
/// function, with no purpose (the generated operations do not know one).
fn audited_read_call(table: &Table, schema: &Schema) -> Option<String> {
    let name = table.read_function_name();
    let function = schema.functions.iter().find(|f| f.name == name)?;
    let FunctionBody::AuditedRead(read) = &function.body else {
        return None;
    };
    let purpose = if read.purpose { ", null" } else { "" };
    Some(format!(
        "{SCHEMA}.{}(array[$1::uuid]{purpose})",
        quote_identifier(&name)
    ))
}

/// "Sets `c`; defaults to `now()`." and the column's comment, if any.
fn setter_doc(column: &Column) -> String {
    let left_out = match (&column.default, column.identity) {
        (Some(expr), _) => format!("defaults to `{}`", expr.trim()),
        (None, Some(_)) => "numbered by the database when not set".to_owned(),
        (None, None) => "NULL when not set".to_owned(),
    };
    match &column.comment {
        Some(comment) => format!("Sets `{}`; {left_out}.\n\n{comment}", column.name),
        None => format!("Sets `{}`; {left_out}.", column.name),
    }
}

fn filter_ident(value: &str, _: Kwargs, _: &State) -> String {
    quote_identifier(value)
}

fn filter_idents(values: &[Value], _: Kwargs, _: &State) -> TeraResult<String> {
    let quoted: Vec<String> = strings(values, "idents")?.map(quote_identifier).collect();
    Ok(quoted.join(", "))
}

fn filter_literal(value: &str, _: Kwargs, _: &State) -> String {
    quote_literal(value)
}

fn filter_literals(values: &[Value], _: Kwargs, _: &State) -> TeraResult<String> {
    let quoted: Vec<String> = strings(values, "literals")?.map(quote_literal).collect();
    Ok(quoted.join(", "))
}

/// The items of a list filter's input, which must all be strings.
fn strings<'a>(values: &'a [Value], filter: &str) -> TeraResult<impl Iterator<Item = &'a str>> {
    match values.iter().find(|v| v.as_str().is_none()) {
        Some(other) => Err(tera::Error::message(format!(
            "`{filter}` expects a list of strings, got {other}"
        ))),
        None => Ok(values.iter().filter_map(Value::as_str)),
    }
}

/// `set_null` → `set null`, `by_default` → `by default`: enum values as SQL keywords.
fn filter_words(value: &str, _: Kwargs, _: &State) -> String {
    value.replace('_', " ")
}

/// A foreign key's action as the catalog stores it (see [`ReferentialAction::catalog_code`]).
fn filter_action_code(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let action = ReferentialAction::deserialize(value)
        .map_err(|e| tera::Error::message(format!("`action_code` expects a referential action: {e}")))?;
    Ok(action.catalog_code().to_owned())
}

/// A function as `grant`/`comment`/`drop` name it: `schema.name(argtype, …)`.
fn filter_signature(value: &Value, _: Kwargs, _: &State) -> TeraResult<String> {
    let function = Function::deserialize(value)
        .map_err(|e| tera::Error::message(format!("`signature` expects a function: {e}")))?;
    let types: Vec<String> = function.args.iter().map(|a| a.sql_type.to_string()).collect();
    Ok(format!("{}({})", function.qualified(), types.join(", ")))
}

/// A trigger's function (`name`, or `schema.name` outside `public`) as SQL names it.
fn filter_function(value: &str, _: Kwargs, _: &State) -> String {
    crate::model::qualified_function(value)
}

/// A Rust string literal holding the value, for doc attributes and constants.
fn filter_rust_str(value: &str, _: Kwargs, _: &State) -> String {
    rust_literal(value)
}

/// A TypeScript string literal holding the value, as `JSON.stringify` writes it.
fn filter_json_str(value: &str, _: Kwargs, _: &State) -> String {
    serde_json::Value::from(value).to_string()
}

/// See [`ts_key`].
fn filter_ts_key(value: &str, _: Kwargs, _: &State) -> String {
    ts_key(value)
}

/// A TypeScript property name: bare when it is an identifier, quoted otherwise.
fn ts_key(value: &str) -> String {
    let mut chars = value.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    match identifier {
        true => value.to_owned(),
        false => serde_json::Value::from(value).to_string(),
    }
}

/// `value` as Rust's `{:?}` writes it.
fn rust_literal(value: &str) -> String {
    // Nearly every value is a plain name, which needs no escape: the Rust types call this
    // filter about 90 times a table, and the formatting machinery is the slow part.
    if value
        .bytes()
        .all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\')
    {
        let mut literal = String::with_capacity(value.len() + 2);
        literal.push('"');
        literal.push_str(value);
        literal.push('"');
        literal
    } else {
        format!("{value:?}")
    }
}

/// A `///` doc comment holding the text, one comment line per text line; `indent` is the
/// column the first line stands at, for the lines after it.
fn filter_doc_comment(text: &str, kwargs: Kwargs, _: &State) -> TeraResult<String> {
    let indent = " ".repeat(kwargs.get::<u64>("indent")?.unwrap_or(0) as usize);
    // rustc refuses bidirectional-override code points in comments, and a control character
    // has no business there: both are written as escapes.
    let visible: String = text
        .chars()
        .map(|c| {
            let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if bidi || (c.is_control() && c != '\n') {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let lines: Vec<String> = visible
        .lines()
        .map(|line| {
            if line.trim().is_empty() {
                "///".to_owned()
            } else {
                format!("/// {line}")
            }
        })
        .collect();
    Ok(lines.join(&format!("\n{indent}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_override_names_its_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("sql")).expect("mkdir");
        let file = dir.path().join("sql/comment_on.sql");
        std::fs::write(&file, "comment on {{ broken").expect("write");
        match Renderer::load(dir.path()) {
            Err(Error::Template { name, chain }) => {
                assert!(name.contains(&file.display().to_string()), "{name}");
                assert!(chain.contains("sql/comment_on.sql"), "{chain}");
            }
            Err(other) => panic!("expected a template error, got {other}"),
            Ok(_) => panic!("a broken override loaded"),
        }
    }

    #[test]
    fn rust_literals_are_what_debug_writes() {
        for value in [
            "patients",
            "full name",
            "it's",
            "say \"hi\"",
            "back\\slash",
            "tab\there",
            "é",
            "\u{202e}",
            "",
        ] {
            assert_eq!(rust_literal(value), format!("{value:?}"), "{value}");
        }
    }
}
