//! Stage 3 for a schema that already exists: the statements that turn the recorded schema
//! into the new one, in dependency order both ways: what depends on a changing object is
//! dropped first, created objects come after what they need. Renames are declared
//! (`renamed_from`), never guessed from a drop plus an add; a drop or a narrowing type change
//! needs an explicit permission in `[migration]`.
//!
//! The same diff run from the state after a migration to the state before it is the
//! migration's reverse ([`reverse`]): renames are undone under their old names, and what it
//! drops or narrows is recorded instead of asked for, since it loses data.

use crate::error::Problem;
use crate::expr;
use crate::model::*;
use crate::order::table_order;
use crate::plan::{
    ColumnChange, CommentTarget, NewTable, RowRule, Step, TableConstraint, TableGrants, access, comments,
    create_bucket, create_function, create_roles, identity_columns, roles_between,
};
use crate::sql_type::SqlType;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

/// A change `schema.toml` must allow first, and the section of what it concerns (to point at):
/// `tables.<name>` or `enums.<name>`.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub problem: Box<Problem>,
    pub section: Option<String>,
}

/// Which way the diff runs. Forward, drops and narrowings need the permission of `[migration]`,
/// and changes to tables that may hold rows take the lock-safe forms that span two files.
/// In reverse, every drop and narrowing is permitted and recorded (it loses data), and
/// everything runs in one transaction, so a rollback is undone whole or not at all.
enum Direction<'a> {
    Forward(&'a MigrationSettings),
    Reverse(RefCell<Vec<String>>),
}

impl Direction<'_> {
    /// Whether the drop of `path` (`table` or `table.column`) may happen.
    fn permits_drop(&self, path: &str, what: &str) -> bool {
        match self {
            Direction::Forward(settings) => settings.allow_drop.iter().any(|p| p == path),
            Direction::Reverse(losses) => {
                losses
                    .borrow_mut()
                    .push(format!("drops the {what} {path} with its data"));
                true
            }
        }
    }

    /// Whether `column` may change from `from` to a type that does not hold all its values.
    fn permits_narrowing(&self, column: &str, from: &SqlType, to: &SqlType) -> bool {
        match self {
            Direction::Forward(settings) => settings.allow_narrowing.iter().any(|p| p == column),
            Direction::Reverse(losses) => {
                losses.borrow_mut().push(format!(
                    "narrows {column} from {from} to {to}, which values may not fit"
                ));
                true
            }
        }
    }

    fn one_transaction(&self) -> bool {
        matches!(self, Direction::Reverse(_))
    }
}

/// A migration's reverse: the steps from the state after it back to the state before it, and
/// what they destroy (each a sentence), so that a rollback can refuse them unless told.
#[derive(Debug)]
pub struct Reverse {
    pub steps: Vec<Step>,
    pub losses: Vec<String>,
    /// The state the steps lead to, whose settings and functions the reverse is rendered with.
    pub target: Schema,
}

/// The reverse of the migration from `before` to `after`, with `after`'s lock timeout; a
/// refusal when none exists (a dropped column that was NOT NULL without a default cannot come
/// back with its rows' values).
pub fn reverse(after: &Schema, before: &Schema) -> Result<Reverse, Refusal> {
    let mut target = with_reverse_renames(before, after);
    target.migration = MigrationSettings {
        lock_timeout: after.migration.lock_timeout.clone(),
        ..MigrationSettings::default()
    };
    let direction = Direction::Reverse(RefCell::default());
    let steps = changes_in(after, &target, &direction)?;
    let Direction::Reverse(losses) = direction else {
        unreachable!("the direction is the reverse")
    };
    Ok(Reverse {
        steps,
        losses: losses.into_inner(),
        target,
    })
}

/// `before` with each object that the migration to `after` renamed declaring its name in
/// `after` as `renamed_from`, and no other such declaration: the diff back renames it back
/// instead of dropping it and creating the old one.
fn with_reverse_renames(before: &Schema, after: &Schema) -> Schema {
    let renames = Renames::new(before, after);
    let mut target = before.clone();
    // A value the migration renamed (the state before has the old label, not the new one) is
    // renamed back: the old label comes from the new one.
    for enum_type in &mut target.enums {
        let values = &enum_type.values;
        let back = after.enum_type(&enum_type.name).map(|renamed| {
            renamed
                .renamed_values
                .iter()
                .filter(|(to, from)| values.contains(from) && !values.contains(to))
                .map(|(to, from)| (from.clone(), to.clone()))
                .collect()
        });
        enum_type.renamed_values = back.unwrap_or_default();
    }
    let hint = |old: &str, new: Option<&str>| new.filter(|n| *n != old).map(str::to_owned);
    for table in &mut target.tables {
        let new_table = renames
            .table_names
            .get(table.name.as_str())
            .and_then(|n| after.table(n));
        table.renamed_from = hint(&table.name, new_table.map(|t| t.name.as_str()));
        for column in &mut table.columns {
            let new_name = new_table.and_then(|t| renames.new_column(&t.name, &column.name));
            column.renamed_from = hint(&column.name, new_name);
        }
        // A check, index or policy renamed forward declared its old name; one renamed because
        // its definition stayed the same needs no declaration either way.
        let declared = |name: &str, new: Option<Vec<(&str, Option<&str>)>>| {
            let found = new?.into_iter().find(|(_, from)| *from == Some(name)).map(|(n, _)| n);
            hint(name, found)
        };
        for check in &mut table.checks {
            let new = new_table.map(|t| {
                t.checks
                    .iter()
                    .map(|c| (c.name.as_str(), c.renamed_from.as_deref()))
                    .collect()
            });
            check.renamed_from = declared(&check.name, new);
        }
        for index in &mut table.indexes {
            let new = new_table.map(|t| {
                t.indexes
                    .iter()
                    .map(|i| (i.name.as_str(), i.renamed_from.as_deref()))
                    .collect()
            });
            index.renamed_from = declared(&index.name, new);
        }
        for policy in &mut table.policies {
            let new = new_table.map(|t| {
                t.policies
                    .iter()
                    .map(|p| (p.name.as_str(), p.renamed_from.as_deref()))
                    .collect()
            });
            policy.renamed_from = declared(&policy.name, new);
        }
    }
    target
}

/// Which old table became which new one, and which old column became which new one.
struct Renames<'a> {
    /// new table name → old table
    tables: HashMap<&'a str, &'a Table>,
    /// (new table, new column) → old column name
    columns: HashMap<(&'a str, &'a str), &'a str>,
    /// (new table, old column) → new column name: `columns` the other way round
    new_columns: HashMap<(&'a str, &'a str), &'a str>,
    /// old table name → new table name
    table_names: HashMap<&'a str, &'a str>,
}

impl<'a> Renames<'a> {
    fn new(old: &'a Schema, new: &'a Schema) -> Renames<'a> {
        let mut renames = Renames {
            tables: HashMap::new(),
            columns: HashMap::new(),
            new_columns: HashMap::new(),
            table_names: HashMap::new(),
        };
        let old_tables: HashMap<&str, &Table> = old.tables.iter().map(|t| (t.name.as_str(), t)).collect();
        let new_names: BTreeSet<&str> = new.tables.iter().map(|t| t.name.as_str()).collect();
        for table in &new.tables {
            let previous = old_tables.get(table.name.as_str()).copied().or_else(|| {
                let from = table.renamed_from.as_deref()?;
                (!new_names.contains(from))
                    .then(|| old_tables.get(from).copied())
                    .flatten()
            });
            let Some(previous) = previous else { continue };
            renames.tables.insert(&table.name, previous);
            renames.table_names.insert(&previous.name, &table.name);
            for column in &table.columns {
                let before = previous.column(&column.name).or_else(|| {
                    let from = column.renamed_from.as_deref()?;
                    (table.column(from).is_none()).then(|| previous.column(from)).flatten()
                });
                if let Some(before) = before {
                    renames.columns.insert((&table.name, &column.name), &before.name);
                    renames.new_columns.insert((&table.name, &before.name), &column.name);
                }
            }
        }
        renames
    }

    /// The new name of an old column of the (new) table, if it still exists.
    fn new_column(&self, new_table: &str, old_column: &str) -> Option<&'a str> {
        self.new_columns.get(&(new_table, old_column)).copied()
    }

    /// Column names of an old table, as the new table calls them.
    fn map_columns(&self, new_table: &str, old: &[String]) -> Vec<String> {
        old.iter()
            .map(|c| self.new_column(new_table, c).unwrap_or("\u{0}dropped").to_owned())
            .collect()
    }
}

/// The statements of a migration, by phase. Each phase may rely on the ones before it: drops
/// of dependent objects come before the drops and renames of what they depend on; creations
/// come after the tables and columns they need.
#[derive(Default)]
struct Phases {
    /// Tests of the rows already there against the rules the migration adds, before anything
    /// changes; in the names before the migration.
    check_rows: Vec<Step>,
    drop_triggers: Vec<Step>,
    drop_policies: Vec<Step>,
    drop_foreign_keys: Vec<Step>,
    drop_constraints: Vec<Step>,
    drop_indexes: Vec<Step>,
    /// Functions whose arguments or result change, so that they can be created anew, and removed
    /// ones returning rows of a table, which may go next.
    drop_functions: Vec<Step>,
    rename_tables: Vec<Step>,
    rename_columns: Vec<Step>,
    rename_others: Vec<Step>,
    drop_tables: Vec<Step>,
    create_extensions: Vec<Step>,
    default_grants: Vec<Step>,
    /// Schemas for functions other than `public`, and who may use them.
    schemas: Vec<Step>,
    /// Enum types created, their values added or renamed, and replacements set aside, before
    /// the tables, columns and functions that use them.
    create_types: Vec<Step>,
    /// Functions that column defaults and checks call, created before the tables and columns.
    early_functions: Vec<Step>,
    create_tables: Vec<Step>,
    columns: Vec<Step>,
    add_constraints: Vec<Step>,
    add_foreign_keys: Vec<Step>,
    /// Checks of the rows of existing tables against the constraints added to them.
    validate_constraints: Vec<Step>,
    functions: Vec<Step>,
    indexes: Vec<Step>,
    /// Unique constraints taking over the indexes built for them.
    attach_constraints: Vec<Step>,
    comments: Vec<Step>,
    access: Vec<Step>,
    triggers: Vec<Step>,
    /// Functions schema.toml removed, once nothing calls them.
    drop_removed_functions: Vec<Step>,
    /// Enum types schema.toml removed, and the old types of replaced ones, once no column
    /// or function uses them.
    drop_types: Vec<Step>,
    drop_extensions: Vec<Step>,
    /// Foreign keys into tables the schema does not own (`auth.users`), last: adding one locks
    /// its target against writes (sign-ups) until the migration commits.
    reference_external: Vec<Step>,
    /// Primary and unique keys that are dropped: (table, columns), in the new names.
    dropped_keys: Vec<(String, Vec<String>)>,
    /// Foreign keys that stay as they are: (the table's old name, the table's new name, key).
    kept_foreign_keys: Vec<(String, String, ForeignKey)>,
    /// Everything in one transaction (a reverse): no step after the commit, so no concurrent
    /// index and no constraint validated later.
    one_transaction: bool,
}

impl Phases {
    fn into_steps(self) -> Vec<Step> {
        [
            self.check_rows,
            self.drop_triggers,
            self.drop_policies,
            self.drop_foreign_keys,
            self.drop_constraints,
            self.drop_indexes,
            self.drop_functions,
            self.rename_tables,
            self.rename_columns,
            self.rename_others,
            self.drop_tables,
            self.create_extensions,
            self.default_grants,
            self.schemas,
            self.create_types,
            self.early_functions,
            self.create_tables,
            self.columns,
            self.add_constraints,
            self.add_foreign_keys,
            self.validate_constraints,
            self.functions,
            self.indexes,
            self.attach_constraints,
            self.comments,
            self.access,
            self.triggers,
            self.drop_removed_functions,
            self.drop_types,
            self.drop_extensions,
            self.reference_external,
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// A unique or primary key on an existing table: its index is built concurrently, then the
    /// constraint takes it over.
    fn add_key_concurrently(&mut self, table: &str, key: &Constraint, primary_key: bool, lock_timeout: &str) {
        let index = Index {
            name: key.name.clone(),
            renamed_from: None,
            columns: key.columns.clone(),
            expressions: Vec::new(),
            unique: true,
            method: IndexMethod::Btree,
            include: Vec::new(),
            predicate: None,
        };
        self.indexes.push(Step::CreateIndex {
            table: table.to_owned(),
            index,
            concurrently: true,
        });
        self.attach_constraints.push(Step::AttachKey {
            table: table.to_owned(),
            name: key.name.clone(),
            primary_key,
            lock_timeout: lock_timeout.to_owned(),
        });
    }

    /// On a table that `exists` (and so may hold rows) a check or foreign key is added
    /// `not valid` and validated in a later statement, so that the rows are not checked under
    /// the lock that adding takes. A new table is empty and needs neither.
    fn add_constraint(&mut self, table: &str, constraint: TableConstraint, exists: bool) {
        let validated_later = exists
            && !self.one_transaction
            && matches!(constraint, TableConstraint::Check(_) | TableConstraint::ForeignKey(_));
        if validated_later {
            self.validate_constraints.push(Step::ValidateConstraint {
                table: table.to_owned(),
                name: constraint.name().to_owned(),
            });
        }
        let phase = match &constraint {
            TableConstraint::ForeignKey(fk) if fk.target_schema != SCHEMA => &mut self.reference_external,
            TableConstraint::ForeignKey(_) => &mut self.add_foreign_keys,
            _ => &mut self.add_constraints,
        };
        phase.push(Step::AddConstraint {
            table: table.to_owned(),
            constraint,
            not_valid: validated_later,
        });
    }
}

/// The statements that turn `old` into `new`; empty when nothing changed.
pub fn changes(old: &Schema, new: &Schema) -> Result<Vec<Step>, Refusal> {
    changes_in(old, new, &Direction::Forward(&new.migration))
}

fn changes_in(old: &Schema, new: &Schema, direction: &Direction) -> Result<Vec<Step>, Refusal> {
    let renames = Renames::new(old, new);
    let between_roles = roles_between(old, new);
    let mut phases = Phases {
        one_transaction: direction.one_transaction(),
        ..Phases::default()
    };
    let replaced_enums = enum_changes(old, new, direction, &mut phases)?;

    let dropped_tables: Vec<&Table> = old
        .tables
        .iter()
        .filter(|t| !renames.table_names.contains_key(t.name.as_str()))
        .collect();
    for table in &dropped_tables {
        if !direction.permits_drop(&table.name, "table") {
            return Err(Refusal {
                problem: Box::new(Problem::DropNotAllowed {
                    what: "table",
                    name: table.name.clone(),
                }),
                section: None,
            });
        }
    }
    // Dropped in reverse creation order, after the foreign keys into them are gone.
    let old_order = table_order(old);
    for &i in old_order.tables.iter().rev() {
        let table = &old.tables[i];
        if dropped_tables.iter().any(|t| t.name == table.name) {
            for fk in &table.foreign_keys {
                phases.drop_foreign_keys.push(Step::DropConstraint {
                    table: table.name.clone(),
                    name: fk.name.clone(),
                    replaced_by: None,
                });
            }
            phases.drop_tables.push(Step::DropTable {
                table: table.name.clone(),
            });
        }
    }

    // Functions whose arguments or result change must be dropped, and their triggers first; so
    // must one taking or returning an enum type that is replaced, which cannot be dropped before.
    // Keyed as triggers name them (`schema.name` outside `public`).
    let replaced_type = |f: &Function| {
        let returns: Vec<String> = match &f.returns {
            Returns::Type(sql) => sql.strip_prefix("public.").map(str::to_owned).into_iter().collect(),
            Returns::Table { table } => table
                .iter()
                .filter_map(|(_, sql_type)| enum_of(sql_type).map(str::to_owned))
                .collect(),
            Returns::SetOf { .. } => Vec::new(),
        };
        f.args
            .iter()
            .filter_map(|a| enum_of(&a.sql_type).map(str::to_owned))
            .chain(returns)
            .any(|e| replaced_enums.contains_key(&e))
    };
    let mut changed_functions: BTreeSet<String> = BTreeSet::new();
    for function in &old.functions {
        let step = Step::DropFunction {
            function: function.clone(),
        };
        match new.functions.iter().find(|f| f.key() == function.key()) {
            Some(next) if next.args == function.args && next.returns == function.returns && !replaced_type(next) => {}
            Some(_) => {
                changed_functions.insert(function.key());
                phases.drop_functions.push(step);
            }
            // One returning a table's rows (a read function of audited reads, too) holds on to
            // the table's row type: dropped before the tables, as that table may go too.
            None if matches!(function.returns, Returns::SetOf { .. }) => {
                changed_functions.insert(function.key());
                phases.drop_functions.push(step);
            }
            // Dropped last: the policies, defaults and checks that call it go first, with
            // their tables and columns.
            None => {
                changed_functions.insert(function.key());
                phases.drop_removed_functions.push(step);
            }
        }
    }
    // A default, check or exclusion calling a function whose signature changes would have to
    // go with the function; the schema says how to avoid that instead.
    for function in new.functions.iter().filter(|f| changed_functions.contains(&f.key())) {
        if let Some(table) = old.tables.iter().find(|t| t.calls(&function.name)) {
            return Err(Refusal {
                problem: Box::new(Problem::FunctionInUse {
                    function: function.key(),
                    table: table.name.clone(),
                }),
                section: Some(format!("tables.{}", table.name)),
            });
        }
    }
    // Schemas for functions, before the functions in them; a role that no longer executes any
    // of a schema's functions loses its usage.
    let old_schemas = old.function_schemas();
    for (schema, usage) in new.function_schemas() {
        let before = old_schemas.iter().find(|(s, _)| *s == schema).map(|(_, roles)| roles);
        if before != Some(&usage) {
            let revoke = before.map_or_else(Vec::new, |b| b.iter().filter(|r| !usage.contains(r)).copied().collect());
            phases.schemas.push(Step::CreateSchema { schema, usage, revoke });
        }
    }
    for (schema, usage) in old_schemas {
        if !new.function_schemas().iter().any(|(s, _)| *s == schema) {
            phases.schemas.push(Step::CreateSchema {
                schema,
                usage: Vec::new(),
                revoke: usage,
            });
        }
    }
    // Membership lookups: created or replaced before the policies that call them, dropped
    // last, after those policies are gone.
    let (old_lookups, new_lookups) = (old.membership_lookups(), new.membership_lookups());
    for lookup in new_lookups.iter().filter(|l| !old_lookups.contains(l)) {
        phases
            .functions
            .push(Step::CreateMembershipLookup { lookup: lookup.clone() });
    }
    let named = |l: &MembershipLookup| new_lookups.iter().any(|n| n.function_name() == l.function_name());
    for lookup in old_lookups.iter().filter(|l| !named(l)) {
        phases
            .drop_removed_functions
            .push(Step::DropMembershipLookup { lookup: lookup.clone() });
    }
    for table in &dropped_tables {
        for trigger in &table.triggers {
            phases.drop_triggers.push(Step::DropTrigger {
                table: table.name.clone(),
                name: trigger.name.clone(),
                replaced_by: None,
            });
        }
    }

    for table in &new.tables {
        let Some(previous) = renames.tables.get(table.name.as_str()).copied() else {
            continue;
        };
        if previous.name != table.name {
            phases.rename_tables.push(Step::RenameTable {
                from: previous.name.clone(),
                to: table.name.clone(),
            });
        }
        let between = Between {
            renames: &renames,
            old,
            new,
            changed_functions: &changed_functions,
            replaced_enums: &replaced_enums,
            direction,
        };
        table_changes(previous, table, between, &mut phases)?;
    }

    // New tables, in dependency order among themselves. Foreign keys into existing tables are
    // added once those tables' new keys exist.
    let created: Vec<Table> = new
        .tables
        .iter()
        .filter(|t| !renames.tables.contains_key(t.name.as_str()))
        .cloned()
        .collect();
    let subset = Schema {
        tables: created,
        ..Schema::default()
    };
    let order = table_order(&subset);
    for &i in &order.tables {
        let table = &subset.tables[i];
        let mut constraints = TableConstraint::own(table);
        for (k, fk) in table.foreign_keys.iter().enumerate() {
            let created_before = subset.table(&fk.target_table).is_some() && !order.deferred.contains(&(i, k));
            if fk.target_schema == SCHEMA && created_before {
                constraints.push(TableConstraint::ForeignKey(fk.clone()));
            } else {
                phases.add_constraint(&table.name, TableConstraint::ForeignKey(fk.clone()), false);
            }
        }
        phases.create_tables.push(Step::CreateTable {
            table: NewTable::of(table),
            constraints,
        });
        for index in &table.indexes {
            phases.indexes.push(Step::CreateIndex {
                table: table.name.clone(),
                index: index.clone(),
                concurrently: false,
            });
        }
        phases.comments.extend(comments(table));
        phases.access.extend(access(table, &between_roles));
        for trigger in &table.triggers {
            phases.triggers.push(Step::CreateTrigger {
                table: table.name.clone(),
                trigger: trigger.clone(),
            });
        }
    }

    let audit_target_changed = old
        .audit_table
        .as_deref()
        .and_then(|t| renames.table_names.get(t).copied())
        != new.audit_table.as_deref();
    for function in &new.functions {
        let previous = old.functions.iter().find(|f| f.key() == function.key());
        let builtin_changed = function.body == FunctionBody::Builtin(Builtin::AuditRowChange) && audit_target_changed;
        if previous != Some(function) || changed_functions.contains(&function.key()) || builtin_changed {
            let phase = match new.tables_call(&function.name) {
                true => &mut phases.early_functions,
                false => &mut phases.functions,
            };
            phase.extend(create_function(function, &between_roles));
            if previous.is_some_and(|p| p.comment.is_some() && function.comment.is_none()) {
                let target = CommentTarget::Function {
                    function: function.clone(),
                };
                phase.push(Step::CommentOn { target, text: None });
            }
        }
    }

    // A key that is dropped takes the foreign keys into it along: drop them first, add them back.
    for (old_table, table, fk) in std::mem::take(&mut phases.kept_foreign_keys) {
        let into_dropped_key = fk.target_schema == SCHEMA
            && phases
                .dropped_keys
                .iter()
                .any(|(t, columns)| *t == fk.target_table && *columns == fk.target_columns);
        if into_dropped_key {
            // Always dropped when there: the key it depends on is dropped next.
            phases.drop_foreign_keys.push(Step::DropConstraint {
                table: old_table,
                name: fk.name.clone(),
                replaced_by: None,
            });
            phases.add_constraint(&table, TableConstraint::ForeignKey(fk), true);
        }
    }

    for name in &new.extensions {
        if !old.extensions.contains(name) {
            phases
                .create_extensions
                .push(Step::CreateExtension { name: name.clone() });
        }
    }
    for name in &old.extensions {
        if !new.extensions.contains(name) {
            phases.drop_extensions.push(Step::DropExtension { name: name.clone() });
        }
    }
    if old.revoke_default_grants != new.revoke_default_grants {
        phases.default_grants.push(Step::SetDefaultGrants {
            revoke: new.revoke_default_grants,
        });
    }
    bucket_changes(old, new, direction, &mut phases)?;
    let mut steps = phases.into_steps();
    create_roles(new, &mut steps);
    refuse_new_values_used(&steps, direction)?;
    Ok(steps)
}

/// Enum types by name (an enum has no `renamed_from`). A removed enum is dropped only where
/// `[migration]` allows it, after the columns that used it are gone. Values are renamed in place
/// (`renamed_values`) and added in place at their position; a type that loses a value (allowed
/// per value) or whose values change their order cannot change in place, and is replaced: set
/// aside, created anew, its columns moved over (see `table_changes`), the old one dropped.
/// Returns the replaced types with the values they lose.
fn enum_changes(
    old: &Schema,
    new: &Schema,
    direction: &Direction,
    phases: &mut Phases,
) -> Result<HashMap<String, Vec<String>>, Refusal> {
    let mut replaced = HashMap::new();
    for previous in &old.enums {
        if new.enum_type(&previous.name).is_some() {
            continue;
        }
        if !direction.permits_drop(&format!("enum:{}", previous.name), "enum") {
            return Err(Refusal {
                problem: Box::new(Problem::EnumDropNotAllowed {
                    name: previous.name.clone(),
                }),
                section: None,
            });
        }
        phases.drop_types.push(Step::DropEnum {
            name: previous.name.clone(),
        });
    }
    for enum_type in &new.enums {
        let name = &enum_type.name;
        let Some(previous) = old.enum_type(name) else {
            phases.create_types.extend(crate::plan::create_enum(enum_type));
            continue;
        };
        // The labels the type has once the renames ran.
        let mut labels = previous.values.clone();
        for (to, from) in &enum_type.renamed_values {
            let Some(slot) = labels.iter_mut().find(|l| *l == from) else {
                continue;
            };
            if previous.values.contains(to) {
                continue;
            }
            *slot = to.clone();
            phases.create_types.push(Step::RenameEnumValue {
                name: name.clone(),
                from: from.clone(),
                to: to.clone(),
            });
        }
        let removed: Vec<String> = labels
            .iter()
            .filter(|l| !enum_type.values.contains(l))
            .cloned()
            .collect();
        for value in &removed {
            if !direction.permits_drop(&format!("enum:{name}.{value}"), "value") {
                return Err(Refusal {
                    problem: Box::new(Problem::EnumValueDropNotAllowed {
                        name: name.clone(),
                        value: value.clone(),
                    }),
                    section: Some(format!("enums.{name}")),
                });
            }
        }
        let kept = labels.iter().filter(|l| enum_type.values.contains(l));
        let reordered = !kept.eq(enum_type.values.iter().filter(|v| labels.contains(v)));
        // A reverse runs in one transaction, where a value added in place could not be used
        // (a check or default it brings back may name it): it replaces the type instead.
        let added = enum_type.values.iter().any(|v| !labels.contains(v));
        let comment_lost = if !removed.is_empty() || reordered || (added && direction.one_transaction()) {
            let aside = aside_name(name);
            phases.create_types.push(Step::SetAsideEnum {
                name: name.clone(),
                aside: aside.clone(),
                values: enum_type.values.clone(),
            });
            phases.create_types.push(Step::CreateEnum {
                name: name.clone(),
                values: enum_type.values.clone(),
            });
            phases.drop_types.push(Step::DropEnum { name: aside });
            replaced.insert(name.clone(), removed);
            true
        } else {
            for (i, value) in enum_type.values.iter().enumerate() {
                if labels.contains(value) {
                    continue;
                }
                let after = i.checked_sub(1).map(|j| enum_type.values[j].clone());
                let before = match after {
                    Some(_) => None,
                    None => enum_type.values[1..].iter().find(|v| labels.contains(v)).cloned(),
                };
                phases.create_types.push(Step::AddEnumValue {
                    name: name.clone(),
                    value: value.clone(),
                    after,
                    before,
                });
            }
            false
        };
        if previous.comment != enum_type.comment || (comment_lost && enum_type.comment.is_some()) {
            phases.comments.push(Step::CommentOn {
                target: CommentTarget::Type { name: name.clone() },
                text: enum_type.comment.clone(),
            });
        }
    }
    Ok(replaced)
}

/// The name an enum type being replaced has until it is dropped, at most 63 bytes.
fn aside_name(name: &str) -> String {
    let mut base = name.to_owned();
    base.truncate(crate::ident::MAX_IDENTIFIER_BYTES - "_replaced".len());
    format!("{base}_replaced")
}

/// The enum type a column of this type holds values of, if any.
fn enum_of(sql_type: &SqlType) -> Option<&str> {
    match sql_type {
        SqlType::Enum(name) => Some(name),
        SqlType::Array(inner) => enum_of(inner),
        _ => None,
    }
}

/// Refuses a migration that uses a value it adds to an enum type: PostgreSQL refuses it ("unsafe
/// use of new value") until the transaction that added it commits, and the Supabase CLI runs a
/// migration file in one transaction. What runs after the commit (in the second file) may use
/// it, except in a reverse, which is one transaction. A step uses the value when its text holds
/// the value's literal, which may also be a text that only looks like it.
fn refuse_new_values_used(steps: &[Step], direction: &Direction) -> Result<(), Refusal> {
    for step in steps {
        let Step::AddEnumValue { name, value, .. } = step else {
            continue;
        };
        let literal = crate::ident::quote_literal(value);
        let used = steps.iter().any(|other| {
            !matches!(other, Step::AddEnumValue { .. })
                && (direction.one_transaction() || !other.after_commit())
                && serde_json::to_string(other).is_ok_and(|text| text.contains(&literal))
        });
        if used {
            return Err(Refusal {
                problem: Box::new(Problem::NewEnumValueUsed {
                    name: name.clone(),
                    value: value.clone(),
                }),
                section: Some(format!("enums.{name}")),
            });
        }
    }
    Ok(())
}

/// Buckets by name (a bucket has no `renamed_from`: Storage keeps files under the bucket's id).
/// A removed bucket loses its policies, and its row only where `[migration]` allows it; a
/// changed one has its row updated and each changed policy replaced.
fn bucket_changes(old: &Schema, new: &Schema, direction: &Direction, phases: &mut Phases) -> Result<(), Refusal> {
    fn drop_policies<'a>(bucket: &str, policies: impl IntoIterator<Item = &'a Policy>, phases: &mut Phases) {
        for policy in policies {
            phases.drop_policies.push(Step::DropBucketPolicy {
                bucket: bucket.to_owned(),
                name: policy.name.clone(),
            });
        }
    }
    for previous in &old.buckets {
        if new.buckets.iter().any(|b| b.name == previous.name) {
            continue;
        }
        if !direction.permits_drop(&format!("bucket:{}", previous.name), "bucket") {
            return Err(Refusal {
                problem: Box::new(Problem::BucketDropNotAllowed {
                    bucket: previous.name.clone(),
                }),
                section: None,
            });
        }
        drop_policies(&previous.name, &previous.policies, phases);
        phases.drop_tables.push(Step::DeleteBucket {
            bucket: previous.name.clone(),
        });
    }
    for bucket in &new.buckets {
        let Some(previous) = old.buckets.iter().find(|b| b.name == bucket.name) else {
            phases.access.extend(create_bucket(bucket));
            continue;
        };
        let row = |b: &Bucket| (b.public, b.file_size_limit, b.allowed_mime_types.clone());
        if row(previous) != row(bucket) {
            phases.access.push(Step::UpsertBucket { bucket: bucket.clone() });
        }
        let kept =
            |policy: &Policy, among: &[Policy]| among.iter().any(|p| p.name == policy.name && same_policy(p, policy));
        let gone = previous.policies.iter().filter(|p| !kept(p, &bucket.policies));
        drop_policies(&bucket.name, gone, phases);
        for policy in &bucket.policies {
            if !kept(policy, &previous.policies) {
                phases.access.push(Step::CreateBucketPolicy {
                    bucket: bucket.name.clone(),
                    policy: policy.clone(),
                });
            }
        }
    }
    Ok(())
}

/// What every table's changes are computed against.
#[derive(Clone, Copy)]
struct Between<'a> {
    renames: &'a Renames<'a>,
    old: &'a Schema,
    new: &'a Schema,
    changed_functions: &'a BTreeSet<String>,
    /// Enum types replaced by new ones of the same name, with the values they lose.
    replaced_enums: &'a HashMap<String, Vec<String>>,
    direction: &'a Direction<'a>,
}

fn table_changes(previous: &Table, table: &Table, between: Between, phases: &mut Phases) -> Result<(), Refusal> {
    let Between {
        renames,
        old,
        new,
        changed_functions,
        replaced_enums,
        direction,
    } = between;
    let name = &table.name;
    let old_name = &previous.name;
    let refuse = |problem| Refusal {
        problem: Box::new(problem),
        section: Some(format!("tables.{name}")),
    };

    // Columns: renames and drops (with permission), then additions and alterations.
    for old_column in &previous.columns {
        match renames.new_column(&table.name, &old_column.name) {
            Some(new_name) if new_name != old_column.name => {
                let step = Step::RenameColumn {
                    table: name.clone(),
                    from: old_column.name.clone(),
                    to: new_name.to_owned(),
                };
                phases.rename_columns.push(step);
            }
            Some(_) => {}
            None => {
                let path = format!("{name}.{}", old_column.name);
                if !direction.permits_drop(&path, "column") {
                    return Err(refuse(Problem::DropNotAllowed {
                        what: "column",
                        name: path,
                    }));
                }
                phases.columns.push(Step::DropColumn {
                    table: name.clone(),
                    column: old_column.name.clone(),
                    replaced_by: None,
                });
            }
        }
    }
    // A column that keeps its enum type while the type is replaced moves to the new type.
    let moves = |old_column: &Column, column: &Column| {
        old_column.sql_type == column.sql_type
            && enum_of(&column.sql_type).is_some_and(|e| replaced_enums.contains_key(e))
    };
    // Columns whose type changes: a policy or trigger that uses one goes before the change and
    // comes back after it, as PostgreSQL refuses to change the type of a column they use.
    let retyped: Vec<&str> = table
        .columns
        .iter()
        .filter(|column| {
            renames
                .columns
                .get(&(name.as_str(), column.name.as_str()))
                .and_then(|c| previous.column(c))
                .is_some_and(|old_column| old_column.sql_type != column.sql_type || moves(old_column, column))
        })
        .map(|column| column.name.as_str())
        .collect();
    // Columns that become generated or change their expression are dropped and added again (see
    // `replaces`), and so is a generated column reading a column whose type changes, which
    // PostgreSQL refuses to change under it: the indexes and constraints that use one go with
    // it and are built again; policies and triggers go before and come back after, as for a
    // type change. The drops come before the table's other column changes, the adds after them.
    let reads_retyped = |column: &Column| {
        column
            .generated
            .as_deref()
            .is_some_and(|expr| retyped.iter().any(|c| crate::expr::mentions(expr, c)))
    };
    let replaced: Vec<&str> = table
        .columns
        .iter()
        .filter(|column| {
            renames
                .columns
                .get(&(name.as_str(), column.name.as_str()))
                .and_then(|c| previous.column(c))
                .is_some_and(|old_column| replaces(old_column, column) || reads_retyped(column))
        })
        .map(|column| column.name.as_str())
        .collect();
    // A check or an index predicate on a moving column names the old type's values: PostgreSQL
    // cannot carry it over, so it is dropped and added again.
    let moving_columns: Vec<&str> = retyped
        .iter()
        .copied()
        .filter(|c| {
            table
                .column(c)
                .is_some_and(|column| enum_of(&column.sql_type).is_some_and(|e| replaced_enums.contains_key(e)))
        })
        .collect();
    let reads_moving = |expr: &str| moving_columns.iter().any(|c| crate::expr::mentions(expr, c));
    let retyped: Vec<&str> = retyped.into_iter().chain(replaced.iter().copied()).collect();
    let uses = |among: &[&str], exprs: &[Option<&str>], columns: &[String]| {
        columns.iter().any(|c| among.contains(&c.as_str()))
            || exprs
                .iter()
                .flatten()
                .any(|e| among.iter().any(|c| crate::expr::mentions(e, c)))
    };
    let uses_retyped = |exprs: &[Option<&str>], columns: &[String]| uses(&retyped, exprs, columns);
    let uses_replaced = |exprs: &[Option<&str>], columns: &[String]| uses(&replaced, exprs, columns);
    let first_change = phases.columns.len();
    let mut drops = Vec::new();
    let mut adds = Vec::new();
    for column in &table.columns {
        let Some(old_column) = renames
            .columns
            .get(&(name.as_str(), column.name.as_str()))
            .and_then(|c| previous.column(c))
        else {
            if !column.fills_itself() {
                return Err(refuse(Problem::NotNullWithoutDefault {
                    column: format!("{name}.{}", column.name),
                }));
            }
            phases.columns.push(Step::AddColumn {
                table: name.clone(),
                column: column.clone(),
            });
            phases.comments.extend(new_column_comment(name, column));
            continue;
        };
        let alter = |change| Step::AlterColumn {
            table: name.clone(),
            column: column.name.clone(),
            change,
        };
        let path = format!("{name}.{}", column.name);
        if old_column.generated.is_none() && column.generated.is_some() && !direction.permits_drop(&path, "column") {
            return Err(refuse(Problem::GeneratedReplacesValues { column: path }));
        }
        if replaced.contains(&column.name.as_str()) {
            // Under a retyped column the expression in place is the wanted one: no skipping then.
            drops.push(Step::DropColumn {
                table: name.clone(),
                column: column.name.clone(),
                replaced_by: replaces(old_column, column).then(|| column.clone()),
            });
            adds.push(Step::AddColumn {
                table: name.clone(),
                column: column.clone(),
            });
            phases.comments.extend(new_column_comment(name, column));
            continue;
        }
        if old_column.generated.is_some() && column.generated.is_none() {
            phases.columns.push(alter(ColumnChange::DropExpression));
        }
        // Between `always` and `by default` the identity keeps its sequence; only adding or
        // dropping one recreates it.
        let identity_changed = old_column.identity != column.identity;
        if identity_changed && old_column.identity.is_some() && column.identity.is_none() {
            phases.columns.push(alter(ColumnChange::Identity { identity: None }));
        }
        // A default that changes with the type is dropped first: the old one may not cast; one
        // of a moving column names the old type.
        let moving = moves(old_column, column);
        let retyped = old_column.sql_type != column.sql_type;
        let default_changes = old_column.default != column.default || moving;
        if default_changes && old_column.default.is_some() && (column.default.is_none() || retyped || moving) {
            phases.columns.push(alter(ColumnChange::Default {
                default: None,
                // A moving column's default reads the same on the old type, so it is dropped
                // whenever there is one.
                after: column.default.clone().filter(|_| !moving),
            }));
        }
        if old_column.sql_type != column.sql_type {
            let narrows = !widens(&old_column.sql_type, &column.sql_type);
            if narrows && !direction.permits_narrowing(&path, &old_column.sql_type, &column.sql_type) {
                return Err(refuse(Problem::NarrowingNotAllowed {
                    column: path,
                    from: old_column.sql_type.to_string(),
                    to: column.sql_type.to_string(),
                }));
            }
            let (from, to) = (&old_column.sql_type, &column.sql_type);
            let assignment_cast = (from.is_text() && to.is_text()) || (is_number(from) && is_number(to));
            let using = !assignment_cast;
            phases.columns.push(alter(ColumnChange::Type {
                sql_type: column.sql_type.clone(),
                catalog_type: column.sql_type.catalog_name(),
                using,
                through: None,
                rewrites: !keeps_storage(from, to),
            }));
        }
        if moving {
            let enum_name = enum_of(&column.sql_type).unwrap_or_default().to_owned();
            let array = matches!(column.sql_type, SqlType::Array(_));
            let removed = replaced_enums.get(&enum_name).cloned().unwrap_or_default();
            if !removed.is_empty() {
                phases.check_rows.push(Step::CheckRows {
                    table: old_name.clone(),
                    rule: RowRule::Values {
                        column: old_column.name.clone(),
                        enum_name,
                        values: removed,
                        array,
                    },
                });
            }
            phases.columns.push(alter(ColumnChange::Type {
                sql_type: column.sql_type.clone(),
                // The old type is renamed by then: a column still of it shows that name.
                catalog_type: column.sql_type.catalog_name(),
                using: true,
                through: Some(if array { "text[]" } else { "text" }.to_owned()),
                rewrites: true,
            }));
        }
        if old_column.nullable && !column.nullable {
            phases.check_rows.push(Step::CheckRows {
                table: old_name.clone(),
                rule: RowRule::NotNull {
                    column: old_column.name.clone(),
                },
            });
        }
        // NOT NULL in two halves, so the rows are read without blocking writes; not for a
        // column that becomes an identity in the same change, which needs NOT NULL first.
        let gains_identity = identity_changed && column.identity.is_some();
        if old_column.nullable && !column.nullable && !phases.one_transaction && !gains_identity {
            let check = not_null_check_name(name, &column.name);
            phases.add_constraints.push(Step::AddNotNullCheck {
                table: name.clone(),
                column: column.name.clone(),
                check: check.clone(),
            });
            phases.attach_constraints.push(Step::SetNotNull {
                table: name.clone(),
                column: column.name.clone(),
                check,
                lock_timeout: new.migration.lock_timeout.clone(),
            });
        } else if old_column.nullable != column.nullable {
            phases.columns.push(alter(ColumnChange::Nullability {
                nullable: column.nullable,
            }));
        }
        if default_changes && column.default.is_some() {
            phases.columns.push(alter(ColumnChange::Default {
                default: column.default.clone(),
                after: column.default.clone(),
            }));
        }
        if let (true, Some(identity)) = (identity_changed, column.identity) {
            phases.columns.push(alter(match old_column.identity {
                Some(_) => ColumnChange::IdentityKind { identity },
                None => ColumnChange::Identity {
                    identity: Some(identity),
                },
            }));
        }
        if old_column.comment != column.comment {
            let target = CommentTarget::Column {
                table: name.clone(),
                column: column.name.clone(),
            };
            phases.comments.push(Step::CommentOn {
                target,
                text: column.comment.clone(),
            });
        }
    }
    phases.columns.splice(first_change..first_change, drops);
    phases.columns.extend(adds);

    // Constraints: kept, renamed (same definition, new name), or dropped and added.
    let old_constraints: Vec<TableConstraint> = TableConstraint::own(previous)
        .into_iter()
        .chain(previous.foreign_keys.iter().cloned().map(TableConstraint::ForeignKey))
        .map(|c| renamed_constraint(c, table, renames))
        .collect();
    let new_constraints: Vec<TableConstraint> = TableConstraint::own(table)
        .into_iter()
        .chain(table.foreign_keys.iter().cloned().map(TableConstraint::ForeignKey))
        .collect();
    let constraints = reconcile(
        &old_constraints,
        &new_constraints,
        |c| c.name(),
        |c| match c {
            TableConstraint::Check(check) => check.renamed_from.as_deref(),
            _ => None,
        },
        |a, b| {
            same_constraint(a, b)
                && !uses_constraint(b, &uses_replaced)
                && !matches!(b, TableConstraint::Check(check) if reads_moving(&check.expr))
        },
    );
    for (old, new) in &constraints.kept {
        if old.name() != new.name() {
            phases.rename_others.push(Step::RenameRelation {
                table: name.clone(),
                kind: "constraint",
                from: old.name().to_owned(),
                to: new.name().to_owned(),
            });
        }
        if let TableConstraint::ForeignKey(fk) = new {
            phases
                .kept_foreign_keys
                .push((old_name.clone(), name.clone(), fk.clone()));
        }
    }
    for &old in &constraints.dropped {
        // One dropped because it names a moving column goes whenever it is there.
        let replaced_by = constraints
            .replacement(old, |c| c.name())
            .filter(|new| !matches!(new, TableConstraint::Check(check) if reads_moving(&check.expr)));
        let step = Step::DropConstraint {
            table: old_name.clone(),
            name: old.name().to_owned(),
            replaced_by: replaced_by.cloned(),
        };
        match old {
            TableConstraint::ForeignKey(_) => phases.drop_foreign_keys.push(step),
            TableConstraint::PrimaryKey(key) | TableConstraint::Unique(key) => {
                phases.dropped_keys.push((name.clone(), key.columns.clone()));
                phases.drop_constraints.push(step);
            }
            _ => phases.drop_constraints.push(step),
        }
    }
    // A foreign key may need a new unique key in the same migration, before the key's index is
    // built after it: a key that any foreign key references is added plainly.
    for added in constraints.added {
        if let Some(rule) = row_rule(added, previous, table, renames, old, new) {
            phases.check_rows.push(Step::CheckRows {
                table: old_name.clone(),
                rule,
            });
        }
        match added {
            TableConstraint::PrimaryKey(key) | TableConstraint::Unique(key)
                if !phases.one_transaction && !referenced(new, name, &key.columns) =>
            {
                let primary_key = matches!(added, TableConstraint::PrimaryKey(_));
                phases.add_key_concurrently(name, key, primary_key, &new.migration.lock_timeout);
            }
            _ => phases.add_constraint(name, added.clone(), true),
        }
    }

    let old_indexes: Vec<Index> = previous
        .indexes
        .iter()
        .map(|i| Index {
            columns: renames.map_columns(&table.name, &i.columns),
            include: renames.map_columns(&table.name, &i.include),
            ..i.clone()
        })
        .collect();
    let index_uses_replaced = |i: &Index| {
        let exprs: Vec<Option<&str>> = i
            .expressions
            .iter()
            .map(|e| Some(e.as_str()))
            .chain([i.predicate.as_deref()])
            .collect();
        uses_replaced(&exprs, &[i.columns.as_slice(), i.include.as_slice()].concat())
    };
    let indexes = reconcile(
        &old_indexes,
        &table.indexes,
        |i| &i.name,
        |i| i.renamed_from.as_deref(),
        |a, b| same_index(a, b) && !index_uses_replaced(b) && !b.predicate.as_deref().is_some_and(reads_moving),
    );
    for (old, new) in indexes.kept.iter().filter(|(o, n)| o.name != n.name) {
        let (from, to) = (old.name.clone(), new.name.clone());
        phases.rename_others.push(Step::RenameRelation {
            table: name.clone(),
            kind: "index",
            from,
            to,
        });
    }
    for &old in &indexes.dropped {
        phases.drop_indexes.push(Step::DropIndex {
            table: old_name.clone(),
            name: old.name.clone(),
            replaced_by: indexes
                .replacement(old, |i| &i.name)
                .filter(|new| !new.predicate.as_deref().is_some_and(reads_moving))
                .cloned(),
        });
    }
    for new in indexes.added {
        phases.indexes.push(Step::CreateIndex {
            table: name.clone(),
            index: new.clone(),
            concurrently: !phases.one_transaction,
        });
    }

    if previous.comment != table.comment {
        phases.comments.push(Step::CommentOn {
            target: CommentTarget::Table { table: name.clone() },
            text: table.comment.clone(),
        });
    }
    if previous.rls != table.rls {
        phases.access.push(Step::SetRls {
            table: name.clone(),
            enabled: table.rls.enabled,
            set_force: previous.rls.forced != table.rls.forced,
            force: table.rls.forced,
        });
    }
    if previous.realtime != table.realtime {
        phases.access.push(Step::SetRealtime {
            table: name.clone(),
            enabled: table.realtime,
        });
    }
    let sequences = identity_columns(table);
    let grants = TableGrants::of(table);
    if TableGrants::of(previous) != grants || identity_columns(previous) != sequences {
        phases.access.push(Step::GrantTable {
            table: name.clone(),
            grants,
            roles: roles_between(between.old, between.new),
            sequences,
        });
    }

    // A policy calling a function that is dropped and created anew goes with it and comes
    // back: PostgreSQL drops a function only with what depends on it.
    let calls_changed = |policy: &Policy| {
        [policy.using.as_deref(), policy.with_check.as_deref()]
            .into_iter()
            .flatten()
            .any(|e| {
                changed_functions
                    .iter()
                    .any(|key| crate::expr::calls(e, bare_name(key)))
            })
    };
    let kept_policy = |a: &Policy, b: &Policy| {
        same_policy(a, b) && !uses_retyped(&[b.using.as_deref(), b.with_check.as_deref()], &[]) && !calls_changed(a)
    };
    let policies = reconcile(
        &previous.policies,
        &table.policies,
        |p| &p.name,
        |p| p.renamed_from.as_deref(),
        kept_policy,
    );
    for (old, new) in policies.kept.iter().filter(|(o, n)| o.name != n.name) {
        let (from, to) = (old.name.clone(), new.name.clone());
        phases.rename_others.push(Step::RenamePolicy {
            table: name.clone(),
            from,
            to,
        });
    }
    for &old in &policies.dropped {
        phases.drop_policies.push(Step::DropPolicy {
            table: old_name.clone(),
            name: old.name.clone(),
            // A policy dropped only for a column's type change is dropped whenever it is there.
            replaced_by: policies
                .replacement(old, |p| &p.name)
                .filter(|new| !same_policy(old, new))
                .cloned(),
        });
    }
    for new in policies.added {
        phases.access.push(Step::CreatePolicy {
            table: name.clone(),
            policy: new.clone(),
        });
    }

    // Triggers are replaced when their definition or their function's identity changes, or a
    // column they use changes its type.
    let same_definition = |a: &Trigger, b: &Trigger| a.definition() == b.definition();
    let same_trigger = |a: &Trigger, b: &Trigger| {
        same_definition(a, b)
            && !changed_functions.contains(&a.function)
            && !uses_retyped(&[b.when.as_deref()], &b.columns)
    };
    let triggers = reconcile(&previous.triggers, &table.triggers, |t| &t.name, |_| None, same_trigger);
    for (old, new) in triggers.kept.iter().filter(|(o, n)| o.name != n.name) {
        let (from, to) = (old.name.clone(), new.name.clone());
        phases.rename_others.push(Step::RenameTrigger {
            table: name.clone(),
            from,
            to,
        });
    }
    for &old in &triggers.dropped {
        phases.drop_triggers.push(Step::DropTrigger {
            table: old_name.clone(),
            name: old.name.clone(),
            // Dropped whenever it is there when only its function or a column it uses changes.
            replaced_by: triggers
                .replacement(old, |t| &t.name)
                .filter(|new| !same_definition(old, new))
                .cloned(),
        });
    }
    for new in triggers.added {
        phases.triggers.push(Step::CreateTrigger {
            table: name.clone(),
            trigger: new.clone(),
        });
    }
    Ok(())
}

/// A function's name without its schema: how `expr::calls` finds it, qualified or not.
fn bare_name(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// Whether a foreign key of `schema` references these columns of `table`.
/// The name of the check that stands in for NOT NULL while the rows are read: not PostgreSQL
/// 18's own name for a NOT NULL constraint (`<table>_<column>_not_null`), at most 63 bytes.
fn not_null_check_name(table: &str, column: &str) -> String {
    let mut name = format!("{table}_{column}_not_null_check");
    name.truncate(crate::ident::MAX_IDENTIFIER_BYTES);
    name
}

fn referenced(schema: &Schema, table: &str, columns: &[String]) -> bool {
    schema
        .tables
        .iter()
        .flat_map(|t| &t.foreign_keys)
        .any(|fk| fk.target_schema == SCHEMA && fk.target_table == table && fk.target_columns == columns)
}

/// The test of the rows already in `previous` that a constraint added to it needs, in the names
/// before the migration; `None` for an exclusion, and where the rule reads what only the
/// migration creates (a new or retyped column, a new target table, a new or changed function),
/// so the rows cannot be tested before it runs.
fn row_rule(
    constraint: &TableConstraint,
    previous: &Table,
    table: &Table,
    renames: &Renames,
    old: &Schema,
    new: &Schema,
) -> Option<RowRule> {
    // A column's name before the migration, if it existed with the same type.
    let before = |table: &Table, previous: &Table, column: &str| -> Option<String> {
        let old_name = renames.columns.get(&(table.name.as_str(), column)).copied()?;
        let (now, then) = (table.column(column)?, previous.column(old_name)?);
        // A generated column added again computes values the rows do not hold yet.
        let same_values = now.sql_type == then.sql_type && now.generated == then.generated;
        same_values.then(|| old_name.to_owned())
    };
    let all_before = |table: &Table, previous: &Table, columns: &[String]| -> Option<Vec<String>> {
        columns.iter().map(|c| before(table, previous, c)).collect()
    };
    match constraint {
        TableConstraint::Check(check) => {
            // A column of an enum whose values change may hold what the check names only after
            // the migration changed the type.
            let values_change = |c: &Column| {
                enum_of(&c.sql_type)
                    .is_some_and(|e| old.enum_type(e).map(|t| &t.values) != new.enum_type(e).map(|t| &t.values))
            };
            let reads_new_column = table.columns.iter().any(|c| {
                expr::mentions(&check.expr, &c.name)
                    && (before(table, previous, &c.name).as_deref() != Some(&c.name) || values_change(c))
            });
            let calls_new_function = new
                .functions
                .iter()
                .any(|f| expr::calls(&check.expr, &f.name) && !old.functions.iter().any(|o| o == f));
            (!reads_new_column && !calls_new_function).then(|| RowRule::Check {
                name: check.name.clone(),
                expr: check.expr.clone(),
            })
        }
        TableConstraint::PrimaryKey(key) | TableConstraint::Unique(key) => Some(RowRule::Unique {
            name: key.name.clone(),
            columns: all_before(table, previous, &key.columns)?,
        }),
        TableConstraint::ForeignKey(fk) => {
            let columns = all_before(table, previous, &fk.columns)?;
            let (target_table, target_columns) = if fk.target_schema == SCHEMA {
                let target = new.table(&fk.target_table)?;
                let target_before = renames.tables.get(target.name.as_str()).copied()?;
                let columns = all_before(target, target_before, &fk.target_columns)?;
                (target_before.name.clone(), columns)
            } else {
                (fk.target_table.clone(), fk.target_columns.clone())
            };
            Some(RowRule::ForeignKey {
                name: fk.name.clone(),
                columns,
                target_schema: fk.target_schema.clone(),
                target_table,
                target_columns,
            })
        }
        TableConstraint::Exclusion(_) => None,
    }
}

/// An old constraint in the new table's terms: its columns (and a foreign key's target)
/// under their new names.
fn renamed_constraint(constraint: TableConstraint, table: &Table, renames: &Renames) -> TableConstraint {
    match constraint {
        TableConstraint::PrimaryKey(c) => TableConstraint::PrimaryKey(Constraint {
            columns: renames.map_columns(&table.name, &c.columns),
            ..c
        }),
        TableConstraint::Unique(c) => TableConstraint::Unique(Constraint {
            columns: renames.map_columns(&table.name, &c.columns),
            ..c
        }),
        TableConstraint::ForeignKey(fk) => {
            let target_table = if fk.target_schema == SCHEMA {
                renames
                    .table_names
                    .get(fk.target_table.as_str())
                    .map_or(fk.target_table.clone(), |t| (*t).to_owned())
            } else {
                fk.target_table.clone()
            };
            let target_kept = fk.target_schema == SCHEMA && renames.tables.contains_key(target_table.as_str());
            let target_columns = if target_kept {
                renames.map_columns(&target_table, &fk.target_columns)
            } else {
                fk.target_columns.clone()
            };
            TableConstraint::ForeignKey(ForeignKey {
                columns: renames.map_columns(&table.name, &fk.columns),
                on_delete_columns: renames.map_columns(&table.name, &fk.on_delete_columns),
                target_table,
                target_columns,
                ..fk
            })
        }
        other => other,
    }
}

fn same_constraint(a: &TableConstraint, b: &TableConstraint) -> bool {
    match (a, b) {
        (TableConstraint::PrimaryKey(x), TableConstraint::PrimaryKey(y))
        | (TableConstraint::Unique(x), TableConstraint::Unique(y)) => x.columns == y.columns,
        (TableConstraint::Check(x), TableConstraint::Check(y)) => x.expr == y.expr,
        (TableConstraint::Exclusion(x), TableConstraint::Exclusion(y)) => {
            (x.method, &x.elements, &x.predicate) == (y.method, &y.elements, &y.predicate)
        }
        (TableConstraint::ForeignKey(x), TableConstraint::ForeignKey(y)) => x.definition() == y.definition(),
        _ => false,
    }
}

fn same_index(a: &Index, b: &Index) -> bool {
    (&a.columns, &a.expressions, a.unique, a.method, &a.include, &a.predicate)
        == (&b.columns, &b.expressions, b.unique, b.method, &b.include, &b.predicate)
}

/// Whether a column becomes generated or changes its generation expression, so the migration
/// drops it and adds it again: PostgreSQL 15 has neither `set expression` nor a way to make a
/// plain column generated. A generated column's values are computed, so only a plain column's
/// are lost, which `allow_drop` must permit.
fn replaces(old: &Column, new: &Column) -> bool {
    new.generated.is_some() && old.generated != new.generated
}

/// Whether a constraint reads a column `uses` names (see `table_changes`).
fn uses_constraint(constraint: &TableConstraint, uses: &impl Fn(&[Option<&str>], &[String]) -> bool) -> bool {
    match constraint {
        TableConstraint::PrimaryKey(key) | TableConstraint::Unique(key) => uses(&[], &key.columns),
        TableConstraint::Check(check) => uses(&[Some(&check.expr)], &[]),
        TableConstraint::Exclusion(x) => {
            let exprs: Vec<Option<&str>> = x
                .elements
                .iter()
                .map(|e| Some(e.sql.as_str()))
                .chain([x.predicate.as_deref()])
                .collect();
            uses(&exprs, &[])
        }
        TableConstraint::ForeignKey(fk) => uses(&[], &fk.columns),
    }
}

fn same_policy(a: &Policy, b: &Policy) -> bool {
    (a.command, &a.roles, a.permissive, &a.using, &a.with_check)
        == (b.command, &b.roles, b.permissive, &b.using, &b.with_check)
}

/// What becomes of the objects of one kind (constraints, indexes, policies, triggers).
struct Reconciled<'a, T> {
    /// (old, new) pairs with the same definition; the names may differ (a rename).
    kept: Vec<(&'a T, &'a T)>,
    dropped: Vec<&'a T>,
    added: Vec<&'a T>,
}

impl<'a, T> Reconciled<'a, T> {
    /// The added object with a dropped one's name: it takes the dropped one's place.
    fn replacement(&self, dropped: &T, name: impl Fn(&T) -> &str) -> Option<&'a T> {
        self.added.iter().copied().find(|added| name(added) == name(dropped))
    }
}

/// Pairs each old object with the new object it stays: one with the same name, else one
/// declaring it in `renamed_from`, else one with the same definition under a name that did not
/// exist before. A pair whose definitions differ is no pair: the old object is dropped and the
/// new one added.
fn reconcile<'a, T>(
    old: &'a [T],
    new: &'a [T],
    name: impl Fn(&T) -> &str,
    renamed_from: impl Fn(&T) -> Option<&str>,
    same: impl Fn(&T, &T) -> bool,
) -> Reconciled<'a, T> {
    let mut matched: Vec<Option<usize>> = old
        .iter()
        .map(|o| new.iter().position(|n| name(n) == name(o)))
        .collect();
    let is_free = |matched: &[Option<usize>], j: usize| !matched.contains(&Some(j));
    for (i, o) in old.iter().enumerate() {
        if matched[i].is_none() {
            matched[i] = (0..new.len()).find(|&j| is_free(&matched, j) && renamed_from(&new[j]) == Some(name(o)));
        }
    }
    for (i, o) in old.iter().enumerate() {
        if matched[i].is_none() {
            matched[i] = (0..new.len())
                .find(|&j| is_free(&matched, j) && !old.iter().any(|x| name(x) == name(&new[j])) && same(o, &new[j]));
        }
    }
    let mut reconciled = Reconciled {
        kept: Vec::new(),
        dropped: Vec::new(),
        added: Vec::new(),
    };
    for (o, m) in old.iter().zip(&matched) {
        match m {
            Some(j) if same(o, &new[*j]) => reconciled.kept.push((o, &new[*j])),
            _ => reconciled.dropped.push(o),
        }
    }
    reconciled.added = new
        .iter()
        .filter(|n| !reconciled.kept.iter().any(|(_, k)| std::ptr::eq(*k, *n)))
        .collect();
    reconciled
}

fn is_number(t: &SqlType) -> bool {
    matches!(
        t,
        SqlType::SmallInt
            | SqlType::Integer
            | SqlType::BigInt
            | SqlType::Numeric(_)
            | SqlType::Real
            | SqlType::DoublePrecision
    )
}

/// Whether PostgreSQL changes the type without rewriting the table: text and numeric types
/// that only lose a limit, whose values are stored alike.
fn keeps_storage(from: &SqlType, to: &SqlType) -> bool {
    use SqlType::*;
    match (from, to) {
        (Varchar(_), Text | Varchar(None)) | (Numeric(_), Numeric(None)) => true,
        (Varchar(Some(n)), Varchar(Some(m))) => m >= n,
        (Numeric(Some((p, s))), Numeric(Some((p2, s2)))) => s == s2 && p2 >= p,
        _ => false,
    }
}

/// Whether every value of `from` fits `to` unchanged, so the change needs no permission.
pub fn widens(from: &SqlType, to: &SqlType) -> bool {
    use SqlType::*;
    let int_rank = |t: &SqlType| match t {
        SmallInt => Some(1),
        Integer => Some(2),
        BigInt => Some(3),
        _ => None,
    };
    let int_digits = |t: &SqlType| match t {
        SmallInt => 5,
        Integer => 10,
        _ => 19,
    };
    match (from, to) {
        (a, b) if a == b => true,
        (a, b) if int_rank(a).is_some() && int_rank(b).is_some() => int_rank(a) <= int_rank(b),
        (a, Numeric(None)) if int_rank(a).is_some() => true,
        (a, Numeric(Some((p, s)))) if int_rank(a).is_some() => p - s >= int_digits(a),
        (Numeric(_), Numeric(None)) => true,
        (Numeric(Some((p, s))), Numeric(Some((p2, s2)))) => s2 >= s && p2 - s2 >= p - s,
        (Real, DoublePrecision) => true,
        (Varchar(_), Text) | (Varchar(_), Varchar(None)) => true,
        (Varchar(Some(n)), Varchar(Some(m))) => m >= n,
        (Timestamp, Timestamptz) => true,
        (Text | Varchar(_), Citext) | (Citext, Text) => true,
        (Enum(_), Text) => true,
        (Array(a), Array(b)) => widens(a, b),
        _ => false,
    }
}

/// The comment of a column the migration adds, if it has one.
fn new_column_comment(table: &str, column: &Column) -> Option<Step> {
    let text = column.comment.clone()?;
    Some(Step::CommentOn {
        target: CommentTarget::Column {
            table: table.to_owned(),
            column: column.name.clone(),
        },
        text: Some(text),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_widening_from_narrowing() {
        let t = |s: &str| SqlType::parse(s).expect("valid type");
        assert!(widens(&t("integer"), &t("bigint")));
        assert!(widens(&t("varchar(10)"), &t("text")));
        assert!(widens(&t("numeric(10,2)"), &t("numeric(12,3)")));
        assert!(widens(&t("integer[]"), &t("bigint[]")));
        assert!(!widens(&t("bigint"), &t("integer")));
        assert!(!widens(&t("text"), &t("varchar(5)")));
        assert!(!widens(&t("numeric(10,2)"), &t("numeric(10,3)")));
        assert!(!widens(&t("text"), &t("integer")));
        assert!(!widens(&t("timestamptz"), &t("date")));
    }

    #[test]
    fn knows_which_type_changes_rewrite_the_table() {
        let t = |s: &str| SqlType::parse(s).expect("valid type");
        assert!(keeps_storage(&t("varchar(10)"), &t("text")));
        assert!(keeps_storage(&t("varchar(10)"), &t("varchar(20)")));
        assert!(keeps_storage(&t("numeric(10,2)"), &t("numeric(12,2)")));
        assert!(keeps_storage(&t("numeric(10,2)"), &t("numeric")));
        assert!(!keeps_storage(&t("integer"), &t("bigint")));
        assert!(!keeps_storage(&t("numeric(10,2)"), &t("numeric(12,3)")));
        assert!(!keeps_storage(&t("varchar(20)"), &t("varchar(10)")));
        assert!(!keeps_storage(&t("text"), &t("integer")));
    }
}
