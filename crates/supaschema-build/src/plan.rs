//! Stage 3: the ordered list of statements a migration consists of. Each [`Step`] is rendered
//! by the template of the same name in `templates/sql/`. [`initial`] builds a schema from
//! nothing; `diff::changes` turns one schema into another.

use crate::model::*;
use crate::order::table_order;
use serde::Serialize;

/// A new table as `create_table.sql` sees it: the name and the columns. Its keys and checks
/// come with it as constraints, and its indexes, policies, triggers, grants and comments are
/// steps of their own. Copying and serializing whole tables for every new table took a
/// third of the time spent rendering an initial migration.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewTable {
    pub name: String,
    pub columns: Vec<Column>,
}

impl NewTable {
    pub fn of(table: &Table) -> NewTable {
        NewTable {
            name: table.name.clone(),
            columns: table.columns.clone(),
        }
    }
}

/// One statement kind with everything its template needs.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Counts the rows that would break a rule the migration adds to an existing table, and stops
    /// the migration with a message before it changes anything when there are any.
    CheckRows {
        table: String,
        rule: RowRule,
    },
    CreateExtension {
        name: String,
    },
    DropExtension {
        name: String,
    },
    /// Creates `role` unless the cluster has it already (roles are cluster-wide: another
    /// database may have created it, at the same moment too), lets `member` switch to it, and
    /// lets it use schema `public`. Only [`Role::Backend`] is ever created: Supabase makes the
    /// others.
    CreateRole {
        role: Role,
        member: Role,
    },
    /// Revokes (or gives back) what the API roles get on objects created later in `public`.
    SetDefaultGrants {
        revoke: bool,
    },
    /// Creates an enum type with its values in their order, unless it exists.
    CreateEnum {
        name: String,
        values: Vec<String>,
    },
    /// `alter type … add value`, placed `after` the value before it in schema.toml (or `before`
    /// the first one). PostgreSQL cannot use the value before the transaction that added it
    /// commits, so nothing else in the migration may use it (`diff` refuses that).
    AddEnumValue {
        name: String,
        value: String,
        after: Option<String>,
        before: Option<String>,
    },
    /// `alter type … rename value`; the rows holding it hold the new label.
    RenameEnumValue {
        name: String,
        from: String,
        to: String,
    },
    /// The first step of replacing an enum type whose values cannot change in place (one is
    /// removed, or their order changes): the type is renamed to `aside`, unless it has `values`
    /// in their order already, so that the new type can take its name and the columns move to
    /// it; [`Step::DropEnum`] drops the old type once no column uses it.
    SetAsideEnum {
        name: String,
        aside: String,
        values: Vec<String>,
    },
    DropEnum {
        name: String,
    },
    CreateTable {
        table: NewTable,
        constraints: Vec<TableConstraint>,
    },
    DropTable {
        table: String,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    /// `replaced_by`: the generated column of the same name added back after it, whose
    /// expression changed; the drop is skipped when the column in place is that one already.
    DropColumn {
        table: String,
        column: String,
        replaced_by: Option<Column>,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AlterColumn {
        table: String,
        column: String,
        change: ColumnChange,
    },
    /// `not_valid`: a check or foreign key on a table that may hold rows, added without
    /// checking them; a [`Step::ValidateConstraint`] later checks them.
    AddConstraint {
        table: String,
        constraint: TableConstraint,
        not_valid: bool,
    },
    /// Makes the unique index of the same name, built concurrently just before, the table's
    /// unique key (or, `primary_key`, its primary key): a moment under ACCESS EXCLUSIVE, bounded
    /// by `lock_timeout`, where adding the constraint would build its index under that lock.
    AttachKey {
        table: String,
        name: String,
        primary_key: bool,
        lock_timeout: String,
    },
    /// The first half of NOT NULL set on a column of a table that may hold rows: the check
    /// `check` (`column is not null`), added `not valid`, so that new rows must have a value at
    /// once while the rows already there are left for [`Step::SetNotNull`].
    AddNotNullCheck {
        table: String,
        column: String,
        check: String,
    },
    /// The second half, after the commit: validates `check` (SHARE UPDATE EXCLUSIVE, so reads
    /// and writes go on), then sets NOT NULL, for which PostgreSQL reads no rows once a valid
    /// check proves them, under a moment of ACCESS EXCLUSIVE bounded by `lock_timeout`, and
    /// drops the check.
    SetNotNull {
        table: String,
        column: String,
        check: String,
        lock_timeout: String,
    },
    /// Checks the rows of a constraint added `not valid`: under a lock that lets reads and
    /// writes go on, where adding it checked them under one that stops them.
    ValidateConstraint {
        table: String,
        name: String,
    },
    /// `replaced_by`: the constraint of the same name that takes its place later in the
    /// migration; the drop is skipped when the table already has that one.
    DropConstraint {
        table: String,
        name: String,
        replaced_by: Option<TableConstraint>,
    },
    /// An index or a constraint's name; `kind` is `index` or `constraint`.
    RenameRelation {
        table: String,
        kind: &'static str,
        from: String,
        to: String,
    },
    CreateFunction {
        function: Function,
    },
    DropFunction {
        function: Function,
    },
    /// `roles`: the roles whose privilege is revoked before the listed ones get theirs.
    GrantFunction {
        function: Function,
        roles: Vec<Role>,
    },
    /// `concurrently`: on a table that may hold rows, built without blocking its writes, in a
    /// file of its own (see [`Step::after_commit`]).
    CreateIndex {
        table: String,
        index: Index,
        concurrently: bool,
    },
    /// `replaced_by`: as for [`Step::DropConstraint`].
    DropIndex {
        table: String,
        name: String,
        replaced_by: Option<Index>,
    },
    CommentOn {
        target: CommentTarget,
        text: Option<String>,
    },
    /// `force` is written only when `set_force` is true.
    SetRls {
        table: String,
        enabled: bool,
        set_force: bool,
        force: bool,
    },
    /// Creates a schema other than `public` for functions when missing, and sets who may use
    /// it: `usage`, the roles that may execute one of its functions, get it; `revoke`, those
    /// that no longer may, lose it.
    CreateSchema {
        schema: String,
        usage: Vec<Role>,
        revoke: Vec<Role>,
    },
    /// Creates (or replaces) a membership lookup in the schema the Data API does not expose
    /// (created before by [`Step::CreateSchema`]).
    CreateMembershipLookup {
        lookup: MembershipLookup,
    },
    /// Drops a membership lookup no owner rule calls any more.
    DropMembershipLookup {
        lookup: MembershipLookup,
    },
    /// Adds the table to Supabase's `supabase_realtime` publication (creating it when the
    /// database has none), or takes it out.
    SetRealtime {
        table: String,
        enabled: bool,
    },
    /// `roles`: the roles whose privileges are revoked before the grants; `sequences`: the
    /// identity columns, whose sequences those roles lose too. With `audit_reads`, the roles
    /// in `column_select` select `columns` only (see [`TableGrants`]).
    GrantTable {
        table: String,
        #[serde(flatten)]
        grants: TableGrants,
        roles: Vec<Role>,
        sequences: Vec<String>,
    },
    CreatePolicy {
        table: String,
        policy: Policy,
    },
    /// `replaced_by`: as for [`Step::DropConstraint`].
    DropPolicy {
        table: String,
        name: String,
        replaced_by: Option<Policy>,
    },
    RenamePolicy {
        table: String,
        from: String,
        to: String,
    },
    CreateTrigger {
        table: String,
        trigger: Trigger,
    },
    /// `replaced_by`: as for [`Step::DropConstraint`].
    DropTrigger {
        table: String,
        name: String,
        replaced_by: Option<Trigger>,
    },
    RenameTrigger {
        table: String,
        from: String,
        to: String,
    },
    /// Creates the bucket's row in `storage.buckets` or brings it to what schema.toml says.
    UpsertBucket {
        bucket: Bucket,
    },
    /// Deletes the bucket's row; stops the migration while the bucket holds files, whose bytes
    /// only the Storage API can delete.
    DeleteBucket {
        bucket: String,
    },
    /// A policy on `storage.objects` for the files of `bucket`.
    CreateBucketPolicy {
        bucket: String,
        policy: Policy,
    },
    DropBucketPolicy {
        bucket: String,
        name: String,
    },
}

/// A rule that rows already in a table must meet before a migration adds it. Names are those
/// the table has before the migration.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RowRule {
    NotNull {
        column: String,
    },
    /// The column (of the enum `enum_name`, or `array` of it) holds none of `values`, which the
    /// migration removes from the type.
    Values {
        column: String,
        enum_name: String,
        values: Vec<String>,
        array: bool,
    },
    /// `name` is the constraint's; `expr` uses the column names before the migration.
    Check {
        name: String,
        expr: String,
    },
    Unique {
        name: String,
        columns: Vec<String>,
    },
    ForeignKey {
        name: String,
        columns: Vec<String>,
        target_schema: String,
        target_table: String,
        target_columns: Vec<String>,
    },
}

/// A table constraint, tagged with its kind for the `constraint` macro.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TableConstraint {
    PrimaryKey(Constraint),
    Unique(Constraint),
    Check(Check),
    Exclusion(Exclusion),
    ForeignKey(ForeignKey),
}

impl TableConstraint {
    pub fn name(&self) -> &str {
        match self {
            TableConstraint::PrimaryKey(c) | TableConstraint::Unique(c) => &c.name,
            TableConstraint::Check(c) => &c.name,
            TableConstraint::Exclusion(e) => &e.name,
            TableConstraint::ForeignKey(f) => &f.name,
        }
    }

    /// Every constraint of a table except its foreign keys, in the order `create table`
    /// lists them.
    pub fn own(table: &Table) -> Vec<TableConstraint> {
        std::iter::once(TableConstraint::PrimaryKey(table.primary_key.clone()))
            .chain(table.uniques.iter().cloned().map(TableConstraint::Unique))
            .chain(table.checks.iter().cloned().map(TableConstraint::Check))
            .chain(table.exclusions.iter().cloned().map(TableConstraint::Exclusion))
            .collect()
    }
}

/// What `alter column` changes.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ColumnChange {
    /// `using` converts values explicitly where PostgreSQL has no assignment cast. `rewrites`:
    /// the table and its indexes are rewritten under ACCESS EXCLUSIVE, for which no lock-safe
    /// form exists, so the migration says so.
    /// `catalog_type` is the new type as `format_type` spells it, so that running the
    /// migration again skips a column that has it.
    /// `through` is a type the values are cast to on the way (`text`, from an enum type that
    /// is replaced to one of the same name), with `using`.
    Type {
        sql_type: crate::sql_type::SqlType,
        catalog_type: String,
        using: bool,
        through: Option<String>,
        rewrites: bool,
    },
    Nullability {
        nullable: bool,
    },
    /// Sets `default`, or drops the column's default when it is `None`. `after` is the default
    /// the column has once the migration ran: the step is skipped when the column has it already.
    Default {
        default: Option<String>,
        after: Option<String>,
    },
    /// Adds (numbering on after the values already there) or drops an identity.
    Identity {
        identity: Option<Identity>,
    },
    /// Switches an identity between `always` and `by default`, keeping its sequence.
    IdentityKind {
        identity: Identity,
    },
    /// Makes a generated column a plain one: it keeps the values it holds, and writes may set it.
    DropExpression,
}

/// What a `comment on` statement names.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "on", rename_all = "snake_case")]
pub enum CommentTarget {
    Table { table: String },
    Column { table: String, column: String },
    Function { function: Function },
    Type { name: String },
}

impl Step {
    /// Whether the step goes into a second file, after the migration's transaction committed:
    /// `create index concurrently` cannot run in a transaction, and validating a constraint in
    /// the transaction that added it would check the rows under the lock the add took. Neither
    /// blocks reads or writes of the table while it waits or works.
    pub fn after_commit(&self) -> bool {
        matches!(
            self,
            Step::ValidateConstraint { .. }
                | Step::CreateIndex { concurrently: true, .. }
                | Step::AttachKey { .. }
                | Step::SetNotNull { .. }
        )
    }

    /// Whether the statement names `role`, which must exist by then.
    pub fn names_role(&self, role: Role) -> bool {
        match self {
            Step::GrantTable { roles, .. } | Step::GrantFunction { roles, .. } => roles.contains(&role),
            Step::CreatePolicy { policy, .. } => policy.roles.contains(&role),
            Step::CreateSchema { usage, revoke, .. } => usage.contains(&role) || revoke.contains(&role),
            _ => false,
        }
    }

    /// The template file, relative to `templates/`.
    pub fn template(&self) -> &'static str {
        match self {
            Step::CheckRows { .. } => "sql/check_rows.sql",
            Step::CreateExtension { .. } => "sql/create_extension.sql",
            Step::DropExtension { .. } => "sql/drop_extension.sql",
            Step::CreateRole { .. } => "sql/create_role.sql",
            Step::SetDefaultGrants { .. } => "sql/set_default_grants.sql",
            Step::CreateEnum { .. } => "sql/create_enum.sql",
            Step::AddEnumValue { .. } => "sql/add_enum_value.sql",
            Step::RenameEnumValue { .. } => "sql/rename_enum_value.sql",
            Step::SetAsideEnum { .. } => "sql/set_aside_enum.sql",
            Step::DropEnum { .. } => "sql/drop_enum.sql",
            Step::CreateTable { .. } => "sql/create_table.sql",
            Step::DropTable { .. } => "sql/drop_table.sql",
            Step::RenameTable { .. } => "sql/rename_table.sql",
            Step::AddColumn { .. } => "sql/add_column.sql",
            Step::DropColumn { .. } => "sql/drop_column.sql",
            Step::RenameColumn { .. } => "sql/rename_column.sql",
            Step::AlterColumn { .. } => "sql/alter_column.sql",
            Step::AddConstraint { .. } => "sql/add_constraint.sql",
            Step::ValidateConstraint { .. } => "sql/validate_constraint.sql",
            Step::AttachKey { .. } => "sql/attach_key.sql",
            Step::AddNotNullCheck { .. } => "sql/add_not_null_check.sql",
            Step::SetNotNull { .. } => "sql/set_not_null.sql",
            Step::DropConstraint { .. } => "sql/drop_constraint.sql",
            Step::RenameRelation { .. } => "sql/rename_relation.sql",
            Step::CreateFunction { .. } => "sql/create_function.sql",
            Step::DropFunction { .. } => "sql/drop_function.sql",
            Step::GrantFunction { .. } => "sql/grant_function.sql",
            Step::CreateIndex { .. } => "sql/create_index.sql",
            Step::DropIndex { .. } => "sql/drop_index.sql",
            Step::CommentOn { .. } => "sql/comment_on.sql",
            Step::SetRls { .. } => "sql/set_rls.sql",
            Step::SetRealtime { .. } => "sql/set_realtime.sql",
            Step::CreateSchema { .. } => "sql/create_schema.sql",
            Step::CreateMembershipLookup { .. } => "sql/create_membership_lookup.sql",
            Step::DropMembershipLookup { .. } => "sql/drop_membership_lookup.sql",
            Step::GrantTable { .. } => "sql/grant_table.sql",
            Step::CreatePolicy { .. } => "sql/create_policy.sql",
            Step::DropPolicy { .. } => "sql/drop_policy.sql",
            Step::RenamePolicy { .. } => "sql/rename_policy.sql",
            Step::CreateTrigger { .. } => "sql/create_trigger.sql",
            Step::DropTrigger { .. } => "sql/drop_trigger.sql",
            Step::RenameTrigger { .. } => "sql/rename_trigger.sql",
            Step::UpsertBucket { .. } => "sql/upsert_bucket.sql",
            Step::DeleteBucket { .. } => "sql/delete_bucket.sql",
            Step::CreateBucketPolicy { .. } => "sql/create_bucket_policy.sql",
            Step::DropBucketPolicy { .. } => "sql/drop_bucket_policy.sql",
        }
    }
}

/// The table's identity columns: each has a sequence that projects created before 2026 grant to
/// the API roles by default. An identity column's inserts do not need that grant.
/// A table's privileges as the grant statements state them: with `audit_reads`, the roles that
/// row security applies to hold `select` on the non-PHI `columns` only, and read the PHI
/// through the table's read function; the others keep it on the whole table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableGrants {
    pub grants: Vec<Grant>,
    pub column_select: Vec<Role>,
    pub columns: Vec<String>,
}

impl TableGrants {
    pub fn of(table: &Table) -> TableGrants {
        let Some(columns) = table.readable_columns() else {
            return TableGrants {
                grants: table.grants.clone(),
                column_select: Vec::new(),
                columns: Vec::new(),
            };
        };
        let mut column_select = Vec::new();
        let mut grants = Vec::new();
        for grant in &table.grants {
            if !table.selects_by_column(grant.role) {
                grants.push(grant.clone());
                continue;
            }
            column_select.push(grant.role);
            let rest: Vec<Command> = grant
                .privileges
                .iter()
                .flat_map(|c| c.expand().iter().copied())
                .filter(|c| *c != Command::Select)
                .collect();
            if !rest.is_empty() {
                grants.push(Grant {
                    role: grant.role,
                    privileges: rest,
                });
            }
        }
        TableGrants {
            grants,
            column_select,
            columns,
        }
    }
}

pub(crate) fn identity_columns(table: &Table) -> Vec<String> {
    table
        .columns
        .iter()
        .filter(|c| c.identity.is_some())
        .map(|c| c.name.clone())
        .collect()
}

/// The roles a migration states privileges for: those of the schema before it and of the
/// schema after it, so that a role the schema stops naming loses what it held.
pub fn roles_between(before: &Schema, after: &Schema) -> Vec<Role> {
    let (before, after) = (before.roles(), after.roles());
    Role::ALL
        .into_iter()
        .filter(|r| before.contains(r) || after.contains(r))
        .collect()
}

/// Creates `backend` just before the first of `steps` that names it, when `schema` (the state
/// the migration leads to) uses it. A migration to a schema that no longer uses it still
/// revokes what it held, from the role an earlier migration created; the role is never
/// dropped, as other databases of the cluster may use it.
pub fn create_roles(schema: &Schema, steps: &mut Vec<Step>) {
    if !schema.uses_backend() {
        return;
    }
    if let Some(at) = steps.iter().position(|s| s.names_role(Role::Backend)) {
        let create = Step::CreateRole {
            role: Role::Backend,
            member: Role::ServiceRole,
        };
        steps.insert(at, create);
    }
}

/// Every statement that builds `schema` in an empty database, in dependency order: extensions,
/// default grants, tables (foreign-key targets first), cycle-closing foreign keys, functions,
/// enum types, indexes, comments, RLS, grants, policies, triggers; the role `backend` just before the first
/// statement naming it.
pub fn initial(schema: &Schema) -> Vec<Step> {
    let mut steps: Vec<Step> = schema
        .extensions
        .iter()
        .map(|name| Step::CreateExtension { name: name.clone() })
        .collect();
    if schema.revoke_default_grants {
        steps.push(Step::SetDefaultGrants { revoke: true });
    }
    for enum_type in &schema.enums {
        steps.extend(create_enum(enum_type));
    }
    let roles = schema.roles();
    for (name, usage) in schema.function_schemas() {
        steps.push(Step::CreateSchema {
            schema: name,
            usage,
            revoke: Vec::new(),
        });
    }
    // Functions that defaults and checks call come before the tables; the rest after them, as
    // a `language sql` body is checked against the tables it reads.
    let (early, late): (Vec<&Function>, Vec<&Function>) =
        schema.functions.iter().partition(|f| schema.tables_call(&f.name));
    for function in early {
        steps.extend(create_function(function, &roles));
    }
    let order = table_order(schema);
    for &i in &order.tables {
        let table = &schema.tables[i];
        let mut constraints = TableConstraint::own(table);
        constraints.extend(
            table
                .foreign_keys
                .iter()
                .enumerate()
                .filter(|(k, fk)| fk.target_schema == SCHEMA && !order.deferred.contains(&(i, *k)))
                .map(|(_, fk)| TableConstraint::ForeignKey(fk.clone())),
        );
        steps.push(Step::CreateTable {
            table: NewTable::of(table),
            constraints,
        });
    }
    for &(table, fk) in &order.deferred {
        let table = &schema.tables[table];
        let constraint = TableConstraint::ForeignKey(table.foreign_keys[fk].clone());
        steps.push(Step::AddConstraint {
            table: table.name.clone(),
            constraint,
            not_valid: false,
        });
    }
    for function in late {
        steps.extend(create_function(function, &roles));
    }
    // After the membership tables (a `language sql` body is checked against them), before the
    // policies that call them.
    for lookup in schema.membership_lookups() {
        steps.push(Step::CreateMembershipLookup { lookup });
    }
    let ordered: Vec<&Table> = order.tables.iter().map(|&i| &schema.tables[i]).collect();
    for table in &ordered {
        for index in &table.indexes {
            steps.push(Step::CreateIndex {
                table: table.name.clone(),
                index: index.clone(),
                concurrently: false,
            });
        }
    }
    for table in &ordered {
        steps.extend(comments(table));
    }
    for table in &ordered {
        steps.extend(access(table, &roles));
    }
    for table in &ordered {
        for trigger in &table.triggers {
            steps.push(Step::CreateTrigger {
                table: table.name.clone(),
                trigger: trigger.clone(),
            });
        }
    }
    for bucket in &schema.buckets {
        steps.extend(create_bucket(bucket));
    }
    // Foreign keys into tables the schema does not own come last: adding one locks its target
    // (`auth.users`, where sign-ups write) against writes until the migration commits, so the
    // lock is held for these statements only, not for the whole migration.
    for table in &ordered {
        for fk in table.foreign_keys.iter().filter(|fk| fk.target_schema != SCHEMA) {
            steps.push(Step::AddConstraint {
                table: table.name.clone(),
                constraint: TableConstraint::ForeignKey(fk.clone()),
                not_valid: false,
            });
        }
    }
    create_roles(schema, &mut steps);
    steps
}

/// A function, who may call it (`roles` lose the privilege first), and its comment.
pub fn create_function(function: &Function, roles: &[Role]) -> Vec<Step> {
    let mut steps = vec![
        Step::CreateFunction {
            function: function.clone(),
        },
        Step::GrantFunction {
            function: function.clone(),
            roles: roles.to_vec(),
        },
    ];
    if let Some(text) = &function.comment {
        let target = CommentTarget::Function {
            function: function.clone(),
        };
        steps.push(Step::CommentOn {
            target,
            text: Some(text.clone()),
        });
    }
    steps
}

/// An enum type and its comment.
pub fn create_enum(enum_type: &Enum) -> Vec<Step> {
    let mut steps = vec![Step::CreateEnum {
        name: enum_type.name.clone(),
        values: enum_type.values.clone(),
    }];
    if let Some(text) = &enum_type.comment {
        steps.push(Step::CommentOn {
            target: CommentTarget::Type {
                name: enum_type.name.clone(),
            },
            text: Some(text.clone()),
        });
    }
    steps
}

/// A bucket's row and its policies.
pub fn create_bucket(bucket: &Bucket) -> Vec<Step> {
    let mut steps = vec![Step::UpsertBucket { bucket: bucket.clone() }];
    for policy in &bucket.policies {
        steps.push(Step::CreateBucketPolicy {
            bucket: bucket.name.clone(),
            policy: policy.clone(),
        });
    }
    steps
}

/// The comments of a table and its columns.
pub fn comments(table: &Table) -> Vec<Step> {
    let mut steps = Vec::new();
    if let Some(text) = &table.comment {
        let target = CommentTarget::Table {
            table: table.name.clone(),
        };
        steps.push(Step::CommentOn {
            target,
            text: Some(text.clone()),
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
                text: Some(text.clone()),
            });
        }
    }
    steps
}

/// Row level security, grants (`roles` lose everything first) and policies of a new table.
pub fn access(table: &Table, roles: &[Role]) -> Vec<Step> {
    let mut steps = Vec::new();
    if table.rls.enabled {
        let (set_force, force) = (table.rls.forced, table.rls.forced);
        steps.push(Step::SetRls {
            table: table.name.clone(),
            enabled: true,
            set_force,
            force,
        });
    }
    steps.push(Step::GrantTable {
        table: table.name.clone(),
        grants: TableGrants::of(table),
        roles: roles.to_vec(),
        sequences: identity_columns(table),
    });
    for policy in &table.policies {
        steps.push(Step::CreatePolicy {
            table: table.name.clone(),
            policy: policy.clone(),
        });
    }
    if table.realtime {
        steps.push(Step::SetRealtime {
            table: table.name.clone(),
            enabled: true,
        });
    }
    steps
}
