//! Functions and triggers: the schema's own functions, the triggers tables name, and the
//! built-in trigger functions behind `updated_at` and `append_only` (the audit trigger's is in
//! `audit`), whose names the schema may not take.

use super::{Context, Result, Validator};
use crate::error::Problem;
use crate::expr::body_problem;
use crate::model::*;
use crate::read::{Name, RawFunction, RawReturnTable, RawReturns, RawSchema, RawTable, WordOrTable};
use crate::sql_type::SqlType;
use toml::Spanned;

impl Validator<'_> {
    /// The `[functions.*]`, each name once.
    pub(super) fn functions(&self, raw: &RawSchema) -> Result<Vec<Function>> {
        let mut functions = Vec::new();
        for (name, function) in &raw.functions {
            let function = self.function(raw, name, function)?;
            if functions.iter().any(|f: &Function| f.key() == function.key()) {
                return Err(self.error(
                    name.span(),
                    Problem::Duplicate {
                        what: "function",
                        name: function.key(),
                    },
                ));
            }
            functions.push(function);
        }
        Ok(functions)
    }

    fn function(&self, schema: &RawSchema, name: &Name, raw: &Spanned<RawFunction>) -> Result<Function> {
        let (function_schema, function_name) = self.function_name(name)?;
        let raw = raw.get_ref();
        let mut args: Vec<FunctionArg> = Vec::new();
        for arg in &raw.args {
            let arg = arg.get_ref();
            let arg_name = self.identifier(&arg.name, "function argument")?;
            if args.iter().any(|a| a.name == arg_name) {
                return Err(self.error(
                    arg.name.span(),
                    Problem::Duplicate {
                        what: "argument",
                        name: arg_name,
                    },
                ));
            }
            let default = arg.default.as_ref().map(|d| self.expression(d)).transpose()?;
            // PostgreSQL: "input parameters after one with a default value must also have defaults".
            if default.is_none()
                && let Some(before) = args.iter().find(|a| a.default.is_some())
            {
                return Err(self.error(
                    arg.name.span(),
                    Problem::ArgumentWithoutDefault {
                        argument: arg_name,
                        after: before.name.clone(),
                    },
                ));
            }
            args.push(FunctionArg {
                name: arg_name,
                sql_type: self.sql_type(&arg.sql_type)?,
                default,
            });
        }
        let returns = self.returns(schema, &raw.returns)?;
        if let Some(reason) = body_problem(raw.body.get_ref()) {
            return Err(self.error(raw.body.span(), Problem::UnsafeExpression { reason }));
        }
        let security = raw.security.as_ref().map_or(Security::Invoker, |s| *s.get_ref());
        let mut execute: Vec<Role> = Vec::new();
        for role in &raw.execute {
            if security == Security::Definer && *role.get_ref() == Role::Anon {
                return Err(self.error(
                    role.span(),
                    Problem::SecurityDefinerForAnon {
                        function: function_name.clone(),
                    },
                ));
            }
            if !execute.contains(role.get_ref()) {
                execute.push(*role.get_ref());
            }
        }
        execute.sort();
        Ok(Function {
            schema: function_schema,
            name: function_name,
            args,
            returns,
            language: *raw.language.get_ref(),
            security,
            volatility: raw.volatility.as_ref().map_or(Volatility::Volatile, |v| *v.get_ref()),
            body: FunctionBody::Written(raw.body.get_ref().clone()),
            execute,
            comment: self.comment(&raw.comment)?,
        })
    }

    /// `[functions.<name>]` is in `public`; `[functions."<schema>.<name>"]` in a schema the Data
    /// API does not expose, never one PostgreSQL or Supabase owns.
    fn function_name(&self, key: &Name) -> Result<(String, String)> {
        let Some((schema, name)) = key.get_ref().split_once('.') else {
            return Ok((SCHEMA.to_owned(), self.identifier(key, "function")?));
        };
        let part = |text: &str| Spanned::new(key.span(), text.to_owned());
        let schema = self.identifier(&part(schema), "schema")?;
        if RESERVED_SCHEMAS.contains(&schema.as_str()) || schema.starts_with("pg_") {
            return Err(self.error(
                key.span(),
                Problem::ReservedFunctionSchema {
                    schema,
                    name: name.to_owned(),
                },
            ));
        }
        Ok((schema, self.identifier(&part(name), "function")?))
    }

    /// `returns`: `void`, `trigger`, a column type, `setof <table>` of a declared table, or
    /// `{ table = [{ name, type }] }`.
    fn returns(&self, schema: &RawSchema, raw: &Spanned<RawReturns>) -> Result<Returns> {
        let word = match raw.get_ref() {
            WordOrTable::Word(word) => word,
            WordOrTable::Table(RawReturnTable { table }) => {
                if table.get_ref().is_empty() {
                    return Err(self.error(table.span(), Problem::EmptyReturnTable));
                }
                let mut columns: Vec<(String, SqlType)> = Vec::new();
                for column in table.get_ref() {
                    let column = column.get_ref();
                    let name = self.identifier(&column.name, "column")?;
                    if columns.iter().any(|(c, _)| *c == name) {
                        return Err(self.error(column.name.span(), Problem::Duplicate { what: "column", name }));
                    }
                    columns.push((name, self.sql_type(&column.sql_type)?));
                }
                return Ok(Returns::Table { table: columns });
            }
        };
        let lowered = word.trim().to_ascii_lowercase();
        if let Some(table) = lowered.strip_prefix("setof ") {
            let table = table.trim().strip_prefix("public.").unwrap_or(table.trim());
            if !schema.tables.keys().any(|t| t.get_ref() == table) {
                return Err(self.error(raw.span(), Problem::UnknownTable { name: table.to_owned() }));
            }
            return Ok(Returns::SetOf {
                setof: table.to_owned(),
            });
        }
        match lowered.as_str() {
            "void" | "trigger" => Ok(Returns::Type(lowered)),
            other => match SqlType::parse(other).or_else(|_| self.enum_column_type(word)) {
                Ok(t) => Ok(Returns::Type(t.to_string())),
                Err(_) => Err(self.error(raw.span(), Problem::UnknownReturnType { found: word.clone() })),
            },
        }
    }

    /// Adds the built-in functions the tables' triggers use (`builtins`) to `functions`; the
    /// schema may not declare a function of such a name itself.
    pub(super) fn builtin_functions(
        &self,
        raw: &RawSchema,
        builtins: &[Builtin],
        functions: &mut Vec<Function>,
    ) -> Result<()> {
        for builtin in [Builtin::SetUpdatedAt, Builtin::AuditRowChange, Builtin::RejectChange] {
            if builtins.contains(&builtin) {
                if let Some((name, _)) = raw
                    .functions
                    .iter()
                    .find(|(n, _)| n.get_ref() == builtin.function_name())
                {
                    return Err(self.error(
                        name.span(),
                        Problem::ReservedName {
                            name: name.get_ref().clone(),
                        },
                    ));
                }
                functions.push(builtin_function(builtin));
            }
        }
        Ok(())
    }

    /// The membership lookups the owner rules call are the generator's: a function of the
    /// schema's own may not take the name of one in `private`.
    pub(super) fn lookup_names_free(&self, raw: &RawSchema, tables: &[Table]) -> Result<()> {
        for table in tables {
            let Some(Owner::Membership(membership)) = &table.owner else {
                continue;
            };
            let taken = format!("{PRIVATE_SCHEMA}.{}", membership.lookup.function_name());
            if let Some((name, _)) = raw.functions.iter().find(|(n, _)| *n.get_ref() == taken) {
                return Err(self.error(name.span(), Problem::ReservedName { name: taken }));
            }
        }
        Ok(())
    }

    /// `updated_at = true`: a trigger keeping the timestamptz column `updated_at` current.
    pub(super) fn updated_at_trigger(
        &self,
        raw: &RawTable,
        table: &mut Table,
        builtins: &mut Vec<Builtin>,
    ) -> Result<()> {
        if let Some(flag) = raw.updated_at.as_ref().filter(|f| *f.get_ref()) {
            let table_name = table.name.clone();
            let ok = table
                .column("updated_at")
                .is_some_and(|c| c.sql_type == SqlType::Timestamptz);
            if !ok {
                return Err(self.error(flag.span(), Problem::UpdatedAtColumn { table: table_name }));
            }
            table.triggers.push(Trigger {
                name: self.generated_name(format!("{table_name}_set_updated_at"), flag.span())?,
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Update],
                for_each: ForEach::Row,
                function: Builtin::SetUpdatedAt.function_name().to_owned(),
                arguments: Vec::new(),
                columns: Vec::new(),
                when: None,
            });
            builtins.push(Builtin::SetUpdatedAt);
        }
        Ok(())
    }

    /// `append_only = true`: triggers refusing updates, deletes and truncation.
    pub(super) fn append_only_triggers(
        &self,
        raw: &RawTable,
        table: &mut Table,
        builtins: &mut Vec<Builtin>,
    ) -> Result<()> {
        if let Some(flag) = raw.append_only.as_ref().filter(|f| *f.get_ref()) {
            let table_name = table.name.clone();
            table.triggers.push(Trigger {
                name: self.generated_name(format!("{table_name}_append_only"), flag.span())?,
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Update, TriggerEvent::Delete],
                for_each: ForEach::Row,
                function: Builtin::RejectChange.function_name().to_owned(),
                arguments: Vec::new(),
                columns: Vec::new(),
                when: None,
            });
            table.triggers.push(Trigger {
                name: self.generated_name(format!("{table_name}_no_truncate"), flag.span())?,
                timing: TriggerTiming::Before,
                events: vec![TriggerEvent::Truncate],
                for_each: ForEach::Statement,
                function: Builtin::RejectChange.function_name().to_owned(),
                arguments: Vec::new(),
                columns: Vec::new(),
                when: None,
            });
            builtins.push(Builtin::RejectChange);
        }
        Ok(())
    }

    /// The table's `triggers = [...]`, each calling a declared function that returns `trigger`.
    pub(super) fn triggers(&self, context: &Context, raw: &RawTable, table: &mut Table) -> Result<()> {
        for trigger in &raw.triggers {
            let tr = trigger.get_ref();
            let trigger_name = self.identifier(&tr.name, "trigger")?;
            if table.triggers.iter().any(|t| t.name == trigger_name) {
                return Err(self.error(
                    tr.name.span(),
                    Problem::Duplicate {
                        what: "trigger",
                        name: trigger_name,
                    },
                ));
            }
            let Some(function) = context.functions.iter().find(|f| &f.key() == tr.function.get_ref()) else {
                return Err(self.error(
                    tr.function.span(),
                    Problem::UnknownFunction {
                        name: tr.function.get_ref().clone(),
                    },
                ));
            };
            if !function.returns.is_trigger() {
                return Err(self.error(
                    tr.function.span(),
                    Problem::NotATriggerFunction {
                        name: function.name.clone(),
                    },
                ));
            }
            let mut events: Vec<TriggerEvent> = Vec::new();
            for event in tr.events.get_ref() {
                if events.contains(event.get_ref()) {
                    return Err(self.error(
                        event.span(),
                        Problem::Duplicate {
                            what: "trigger event",
                            name: format!("{:?}", event.get_ref()).to_lowercase(),
                        },
                    ));
                }
                events.push(*event.get_ref());
            }
            if events.is_empty() {
                return Err(self.error(
                    tr.events.span(),
                    Problem::Syntax {
                        message: "a trigger needs at least one event".into(),
                    },
                ));
            }
            let columns = match &tr.columns {
                Some(names) => {
                    if !events.contains(&TriggerEvent::Update) {
                        return Err(self.error(names.span(), Problem::TriggerColumnsWithoutUpdate));
                    }
                    let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
                    self.column_list(names.get_ref(), &table.name, &known)?
                }
                None => Vec::new(),
            };
            let for_each = tr.for_each.as_ref().map_or(ForEach::Row, |f| *f.get_ref());
            let when = match &tr.when {
                Some(when) if for_each == ForEach::Statement => {
                    return Err(self.error(when.span(), Problem::WhenOnStatementTrigger));
                }
                Some(when) => Some(self.expression(when)?),
                None => None,
            };
            table.triggers.push(Trigger {
                name: trigger_name,
                timing: *tr.timing.get_ref(),
                events,
                for_each,
                function: function.key(),
                arguments: Vec::new(),
                columns,
                when,
            });
        }
        Ok(())
    }
}

fn builtin_function(builtin: Builtin) -> Function {
    let (security, execute, comment) = match builtin {
        Builtin::SetUpdatedAt => (
            Security::Invoker,
            vec![],
            "Keeps updated_at at the time of the last update.",
        ),
        Builtin::AuditRowChange => (
            Security::Definer,
            vec![],
            "Writes one audit row per change: who, what, which record, and the names (never the values) of changed columns.",
        ),
        Builtin::RejectChange => (
            Security::Invoker,
            vec![],
            "Refuses updates, deletes and truncation of append-only tables.",
        ),
    };
    Function {
        schema: SCHEMA.to_owned(),
        name: builtin.function_name().to_owned(),
        args: Vec::new(),
        returns: Returns::Type("trigger".to_owned()),
        language: Language::Plpgsql,
        security,
        volatility: Volatility::Volatile,
        body: FunctionBody::Builtin(builtin),
        execute,
        comment: Some(comment.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, accepts, rejects};
    use crate::error::Problem;
    use crate::model::{Builtin, ForEach, FunctionBody, Returns, Role, Security, TriggerEvent};

    /// A trigger function `stamp`, and a table using it (line 9) and both built-in triggers.
    const TRIGGERED: &str = r#"[functions.stamp]
returns = "trigger"
language = "plpgsql"
body = "begin return new; end;"

[tables.notes]
updated_at = true
append_only = true
triggers = [{ name = "notes_stamp", timing = "before", events = ["insert"], function = "stamp" }]

[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
updated_at = { type = "timestamptz", default = "now()", class = "public" }
"#;

    /// A function `f` of the given keys (from line 2) beside [`MINIMAL`].
    fn function(keys: &str) -> String {
        format!("[functions.f]\n{keys}\n\n{MINIMAL}")
    }

    #[test]
    fn a_trigger_fires_for_some_columns_and_on_a_condition() {
        let with = |keys: &str| {
            TRIGGERED.replace(
                r#"events = ["insert"], function = "stamp" }"#,
                &format!(r#"events = ["insert", "update"], {keys}, function = "stamp" }}"#),
            )
        };
        let schema = accepts(&with(
            r#"columns = ["updated_at"], when = "old.updated_at is distinct from new.updated_at""#,
        ));
        let notes = schema.table("notes").expect("table notes");
        let stamp = notes
            .triggers
            .iter()
            .find(|t| t.name == "notes_stamp")
            .expect("the trigger");
        assert_eq!(stamp.columns, ["updated_at"]);
        assert_eq!(
            stamp.when.as_deref(),
            Some("old.updated_at is distinct from new.updated_at")
        );
        rejects(
            &TRIGGERED.replace(
                r#"events = ["insert"], function"#,
                r#"events = ["insert"], columns = ["id"], function"#,
            ),
            9,
            Problem::TriggerColumnsWithoutUpdate,
        );
        rejects(
            &with(r#"for_each = "statement", when = "true""#),
            9,
            Problem::WhenOnStatementTrigger,
        );
        rejects(
            &with(r#"columns = ["nope"]"#),
            9,
            Problem::UnknownColumn {
                table: "notes".into(),
                column: "nope".into(),
                known: vec!["id".into(), "updated_at".into()],
            },
        );
    }

    #[test]
    fn adds_the_builtins_the_triggers_use_after_the_declared_functions() {
        let schema = accepts(TRIGGERED);
        let functions: Vec<&str> = schema.functions.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(functions, ["stamp", "set_updated_at", "reject_change"]);
        assert_eq!(schema.functions[1].body, FunctionBody::Builtin(Builtin::SetUpdatedAt));
        let notes = schema.table("notes").expect("table notes");
        let triggers: Vec<(&str, &str)> = notes
            .triggers
            .iter()
            .map(|t| (t.name.as_str(), t.function.as_str()))
            .collect();
        assert_eq!(
            triggers,
            [
                ("notes_set_updated_at", "set_updated_at"),
                ("notes_append_only", "reject_change"),
                ("notes_no_truncate", "reject_change"),
                ("notes_stamp", "stamp"),
            ]
        );
        assert_eq!(notes.triggers[2].for_each, ForEach::Statement);
        assert_eq!(notes.triggers[3].events, [TriggerEvent::Insert]);
        // No table uses a builtin: none is added.
        assert!(accepts(MINIMAL).functions.is_empty());
    }

    #[test]
    fn refuses_triggers_calling_unknown_or_non_trigger_functions() {
        rejects(
            &TRIGGERED.replace(r#"function = "stamp""#, r#"function = "stomp""#),
            9,
            Problem::UnknownFunction { name: "stomp".into() },
        );
        rejects(
            &TRIGGERED.replace(r#"returns = "trigger""#, r#"returns = "void""#),
            9,
            Problem::NotATriggerFunction { name: "stamp".into() },
        );
    }

    #[test]
    fn refuses_repeated_trigger_names_and_events_and_no_events() {
        rejects(
            &TRIGGERED.replace(r#"name = "notes_stamp""#, r#"name = "notes_append_only""#),
            9,
            Problem::Duplicate {
                what: "trigger",
                name: "notes_append_only".into(),
            },
        );
        rejects(
            &TRIGGERED.replace(r#"events = ["insert"]"#, r#"events = ["insert", "insert"]"#),
            9,
            Problem::Duplicate {
                what: "trigger event",
                name: "insert".into(),
            },
        );
        rejects(
            &TRIGGERED.replace(r#"events = ["insert"]"#, "events = []"),
            9,
            Problem::Syntax {
                message: "a trigger needs at least one event".into(),
            },
        );
    }

    #[test]
    fn refuses_updated_at_without_its_column_and_a_function_named_like_a_builtin() {
        rejects(
            &TRIGGERED.replace(
                r#"updated_at = { type = "timestamptz""#,
                r#"updated_at = { type = "date""#,
            ),
            7,
            Problem::UpdatedAtColumn { table: "notes".into() },
        );
        rejects(
            &format!(
                "{TRIGGERED}\n[functions.reject_change]\nreturns = \"trigger\"\nlanguage = \"sql\"\nbody = \"select 1\"\n"
            ),
            15,
            Problem::ReservedName {
                name: "reject_change".into(),
            },
        );
    }

    #[test]
    fn a_function_may_not_take_a_membership_lookup_s_name() {
        let teams = r#"[external."auth.users"]
columns = { id = "uuid" }
primary_key = ["id"]

[tables.memberships]
owner = { membership = { table = "memberships", key = "workspace_id" } }
unique = [["workspace_id", "user_id"]]
indexes = [{ columns = ["user_id"] }]

[tables.memberships.columns]
id = { type = "uuid", primary_key = true, default = "gen_random_uuid()", class = "administrative" }
workspace_id = { type = "uuid", class = "administrative" }
user_id = { type = "uuid", references = { table = "auth.users", column = "id", on_delete = "cascade" }, class = "administrative" }
"#;
        accepts(teams);
        rejects(
            &format!(
                "{teams}\n[functions.\"private.memberships_member\"]\nreturns = \"boolean\"\nlanguage = \"sql\"\nbody = \"select true\"\n"
            ),
            15,
            Problem::ReservedName {
                name: "private.memberships_member".into(),
            },
        );
    }

    #[test]
    fn checks_a_function_s_signature_body_and_callers() {
        let schema = accepts(&function(
            "args = [{ name = \"n\", type = \"int4\" }]\nreturns = \"BOOLEAN\"\nlanguage = \"sql\"\nsecurity = \"definer\"\nexecute = [\"service_role\", \"authenticated\", \"service_role\"]\nbody = \"select n > 0\"",
        ));
        let f = &schema.functions[0];
        assert_eq!(f.returns, Returns::Type("boolean".into()));
        assert_eq!(f.args[0].sql_type.to_string(), "integer");
        assert_eq!(f.security, Security::Definer);
        assert_eq!(f.execute, [Role::Authenticated, Role::ServiceRole]);
        rejects(
            &function("returns = \"widget\"\nlanguage = \"sql\"\nbody = \"select 1\""),
            2,
            Problem::UnknownReturnType { found: "widget".into() },
        );
        rejects(
            &function("returns = \"void\"\nlanguage = \"sql\"\nbody = \"select $function$\""),
            4,
            Problem::UnsafeExpression {
                reason: "contains `$function$`, the delimiter around function bodies",
            },
        );
        rejects(
            &function(
                "returns = \"void\"\nlanguage = \"sql\"\nsecurity = \"definer\"\nexecute = [\"authenticated\",\n  \"anon\"]\nbody = \"select 1\"",
            ),
            6,
            Problem::SecurityDefinerForAnon { function: "f".into() },
        );
        rejects(
            &function(
                "args = [\n  { name = \"n\", type = \"integer\" },\n  { name = \"n\", type = \"text\" },\n]\nreturns = \"void\"\nlanguage = \"sql\"\nbody = \"select 1\"",
            ),
            4,
            Problem::Duplicate {
                what: "argument",
                name: "n".into(),
            },
        );
    }
}
