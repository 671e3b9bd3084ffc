//! Stage 3: the ordered list of statements a migration consists of. Each [`Step`] is rendered
//! by the template of the same name in `templates/sql/`.

use super::model::*;
use super::order::table_order;
use serde::Serialize;

/// One statement kind with everything its template needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    CreateExtension {
        name: String,
    },
    CreateTable {
        table: Table,
        inline_foreign_keys: Vec<ForeignKey>,
    },
    AddForeignKey {
        table: String,
        foreign_key: ForeignKey,
    },
    CreateFunction {
        function: Function,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    CommentOn {
        target: CommentTarget,
        text: String,
    },
    EnableRls {
        table: String,
        forced: bool,
    },
    GrantTable {
        table: String,
        grants: Vec<Grant>,
    },
    GrantFunction {
        function: Function,
    },
    CreatePolicy {
        table: String,
        policy: Policy,
    },
    CreateTrigger {
        table: String,
        trigger: Trigger,
    },
}

/// What a `comment on` statement names.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum CommentTarget {
    Table { table: String },
    Column { table: String, column: String },
    Function { function: Function },
}

impl Step {
    /// The template file, relative to `templates/`.
    pub fn template(&self) -> &'static str {
        match self {
            Step::CreateExtension { .. } => "sql/create_extension.sql",
            Step::CreateTable { .. } => "sql/create_table.sql",
            Step::AddForeignKey { .. } => "sql/add_foreign_key.sql",
            Step::CreateFunction { .. } => "sql/create_function.sql",
            Step::CreateIndex { .. } => "sql/create_index.sql",
            Step::CommentOn { .. } => "sql/comment_on.sql",
            Step::EnableRls { .. } => "sql/enable_rls.sql",
            Step::GrantTable { .. } => "sql/grant_table.sql",
            Step::GrantFunction { .. } => "sql/grant_function.sql",
            Step::CreatePolicy { .. } => "sql/create_policy.sql",
            Step::CreateTrigger { .. } => "sql/create_trigger.sql",
        }
    }
}

/// Every statement that builds `schema` in an empty database, in dependency order: extensions,
/// tables (foreign-key targets first), cycle-closing foreign keys, functions, indexes,
/// comments, RLS, grants, policies, triggers.
pub fn initial(schema: &Schema) -> Vec<Step> {
    let mut steps: Vec<Step> = schema
        .extensions
        .iter()
        .map(|name| Step::CreateExtension { name: name.clone() })
        .collect();
    let order = table_order(schema);
    for &i in &order.tables {
        let table = &schema.tables[i];
        let inline_foreign_keys = table
            .foreign_keys
            .iter()
            .enumerate()
            .filter(|(fk, _)| !order.deferred.contains(&(i, *fk)))
            .map(|(_, fk)| fk.clone())
            .collect();
        steps.push(Step::CreateTable {
            table: table.clone(),
            inline_foreign_keys,
        });
    }
    for &(table, fk) in &order.deferred {
        let table = &schema.tables[table];
        steps.push(Step::AddForeignKey {
            table: table.name.clone(),
            foreign_key: table.foreign_keys[fk].clone(),
        });
    }
    for function in &schema.functions {
        steps.push(Step::CreateFunction {
            function: function.clone(),
        });
        steps.push(Step::GrantFunction {
            function: function.clone(),
        });
        if let Some(text) = &function.comment {
            steps.push(Step::CommentOn {
                target: CommentTarget::Function {
                    function: function.clone(),
                },
                text: text.clone(),
            });
        }
    }
    let ordered = || order.tables.iter().map(|&i| &schema.tables[i]);
    for table in ordered() {
        for index in &table.indexes {
            steps.push(Step::CreateIndex {
                table: table.name.clone(),
                index: index.clone(),
            });
        }
    }
    for table in ordered() {
        if let Some(text) = &table.comment {
            steps.push(Step::CommentOn {
                target: CommentTarget::Table {
                    table: table.name.clone(),
                },
                text: text.clone(),
            });
        }
        for column in &table.columns {
            if let Some(text) = &column.comment {
                let target = CommentTarget::Column {
                    table: table.name.clone(),
                    column: column.name.clone(),
                };
                steps.push(Step::CommentOn {
                    target,
                    text: text.clone(),
                });
            }
        }
    }
    for table in ordered() {
        if table.rls.enabled {
            steps.push(Step::EnableRls {
                table: table.name.clone(),
                forced: table.rls.forced,
            });
        }
        steps.push(Step::GrantTable {
            table: table.name.clone(),
            grants: table.grants.clone(),
        });
        for policy in &table.policies {
            steps.push(Step::CreatePolicy {
                table: table.name.clone(),
                policy: policy.clone(),
            });
        }
    }
    for table in ordered() {
        for trigger in &table.triggers {
            steps.push(Step::CreateTrigger {
                table: table.name.clone(),
                trigger: trigger.clone(),
            });
        }
    }
    steps
}
