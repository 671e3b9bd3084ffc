//! The validated schema: what `schema.toml` means once every name is checked, every short form
//! (owner policies, `updated_at`, audit, closed value sets) is expanded into the plain objects it
//! stands for, and every default name is filled in. Later stages read only this.

use crate::sql_type::SqlType;
use serde::{Deserialize, Serialize};

/// The schema every generated object lives in. Supabase exposes `public` through its API.
pub const SCHEMA: &str = "public";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub extensions: Vec<String>,
    /// Where the audit trigger writes, when any table is audited.
    pub audit_table: Option<String>,
    pub external_tables: Vec<ExternalTable>,
    pub functions: Vec<Function>,
    pub tables: Vec<Table>,
    /// Enum types (`create type … as enum`), which columns name as their type. Not written to
    /// the lock while empty, so older locks read unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub enums: Vec<Enum>,
    /// Supabase Storage buckets: rows of `storage.buckets` and their policies on
    /// `storage.objects`. Not written to the lock while empty, so older locks read unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buckets: Vec<Bucket>,
    /// Whether the API roles' default privileges on objects created later in `public` are
    /// revoked, so that a hand-written table is reachable through the API only once granted.
    /// Not written to the lock while false, so older locks read and compare unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revoke_default_grants: bool,
    /// The `[migration]` section: about the next change, so never part of the recorded state.
    #[serde(skip)]
    pub migration: MigrationSettings,
    /// Where the TypeScript types go, relative to the project root: an output, not database
    /// state, so not recorded either.
    #[serde(skip)]
    pub typescript: Option<String>,
}

/// How long a generated migration's statements wait for a lock unless `[migration]` says
/// otherwise: an `alter table` queued behind a long query would otherwise hold up every later
/// query on that table for as long as it waits.
pub const DEFAULT_LOCK_TIMEOUT: &str = "5s";

/// What the next generated migration is called, which data it may destroy, and how long its
/// statements wait for a lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationSettings {
    pub name: Option<String>,
    /// `table` or `table.column`.
    pub allow_drop: Vec<String>,
    /// `table.column`.
    pub allow_narrowing: Vec<String>,
    /// A PostgreSQL `lock_timeout` value (`"5s"`, `"500ms"`), set at the top of every new
    /// migration. Changing it alone writes no migration: it is no database state.
    pub lock_timeout: String,
}

impl Default for MigrationSettings {
    fn default() -> MigrationSettings {
        MigrationSettings {
            name: None,
            allow_drop: Vec::new(),
            allow_narrowing: Vec::new(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT.to_owned(),
        }
    }
}

impl Schema {
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    pub fn enum_type(&self, name: &str) -> Option<&Enum> {
        self.enums.iter().find(|e| e.name == name)
    }
}

/// An enum type in schema `public`: a column of it holds one of its values, which PostgreSQL
/// keeps in the order declared (`<` compares by it), and the Rust code gets an enum of the same
/// values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enum {
    pub name: String,
    pub rust_name: String,
    /// The labels, in their order.
    pub values: Vec<String>,
    pub comment: Option<String>,
    /// (new label, old label) for each value the next migration renames. Not part of the
    /// recorded state, as `renamed_from` is not.
    #[serde(skip)]
    pub renamed_values: Vec<(String, String)>,
}

impl Enum {
    /// The label a value had before the next migration: its old name when it is renamed.
    pub fn value_before<'a>(&'a self, value: &'a str) -> &'a str {
        self.renamed_values
            .iter()
            .find(|(new, _)| new == value)
            .map_or(value, |(_, old)| old.as_str())
    }
}

/// A Supabase Storage bucket: its row in `storage.buckets` and the policies on
/// `storage.objects` that decide who reads and writes its files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    /// The bucket's id and name.
    pub name: String,
    /// Anyone with a file's URL may download it, without a policy.
    pub public: bool,
    /// The largest file Storage accepts, in bytes; any size when `None`.
    pub file_size_limit: Option<i64>,
    /// The MIME types Storage accepts; any when empty.
    pub allowed_mime_types: Vec<String>,
    pub owner: Option<BucketOwner>,
    /// Holds PHI (patients' photos, voice notes): private, and only its owner's files reachable.
    pub phi: bool,
    /// On `storage.objects`, each limited to this bucket's files.
    pub policies: Vec<Policy>,
}

/// Whose a bucket's files are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BucketOwner {
    /// The first folder of the file's path is the signed-in user's id: `<user id>/photo.png`.
    FirstFolder,
}

impl BucketOwner {
    /// The value `owner` takes in `schema.toml`.
    pub fn name(self) -> &'static str {
        match self {
            BucketOwner::FirstFolder => "first_folder",
        }
    }
}

/// The name of the policy a bucket's owner rule writes for `command`.
pub fn bucket_policy_name(bucket: &str, command: Command) -> String {
    format!("{bucket}_owner_{}", command.sql())
}

/// A table the schema references but does not own, such as `auth.users`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExternalTable {
    pub schema: String,
    pub name: String,
    pub columns: Vec<(String, SqlType)>,
    /// Column sets a foreign key may reference (primary key first).
    pub keys: Vec<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    /// The table's previous name: the next migration renames it. Not part of the recorded state.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    pub rust_name: String,
    pub comment: Option<String>,
    pub columns: Vec<Column>,
    pub primary_key: Constraint,
    pub uniques: Vec<Constraint>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub exclusions: Vec<Exclusion>,
    pub indexes: Vec<Index>,
    pub rls: Rls,
    pub policies: Vec<Policy>,
    pub grants: Vec<Grant>,
    pub triggers: Vec<Trigger>,
    /// Whom a row belongs to, when the table uses the `owner` short form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// The claim the owner rule requires of the signed-in user besides owning the row: the
    /// table's own, or for `via` the parent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_claim: Option<Claim>,
    /// In Supabase's `supabase_realtime` publication: Realtime sends the table's changes to
    /// subscribers whose select policies let them see the row.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub realtime: bool,
    /// `audit_reads = true`: the API roles that row security applies to may select the
    /// table's non-PHI columns only, and read its PHI through `read_<table>(…)`, which records
    /// every read in the audit table.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub audit_reads: bool,
}

/// A JWT claim the owner rule requires: the text at `path` (keys from the JWT's top level,
/// the first always `app_metadata`, which only the backend can set) equals `equals`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub path: Vec<String>,
    pub equals: String,
}

impl Claim {
    /// `path` joined with dots, as written in `schema.toml`.
    pub fn dotted(&self) -> String {
        self.path.join(".")
    }
}

/// The `owner` short form: the column holding the owner's user id, or the foreign-key column
/// leading to a parent row that has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    Column(String),
    Via(String),
    /// The row's `key` names a group; the members the lookup finds act on it.
    Membership(Membership),
}

/// The membership short form of `owner`: which members may read, write and delete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    pub lookup: MembershipLookup,
    /// The row's column holding the group's id.
    pub key: String,
    /// The roles that may insert and update; `None`: every member.
    pub write: Option<Vec<String>>,
    /// The roles that may delete; `None`: every member.
    pub delete: Option<Vec<String>>,
}

/// The function that tells whether the signed-in user is a member of a group (with one of
/// some roles). It is `security definer` with a pinned `search_path`, in the schema
/// [`PRIVATE_SCHEMA`] that the Data API does not expose: the policies that call it read the
/// membership table as its owner, so a policy on the membership table itself never recurses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MembershipLookup {
    /// The membership table.
    pub table: String,
    /// The membership table's column holding the group's id.
    pub group: String,
    pub user: String,
    /// The role column, when some rule names roles.
    pub role: Option<String>,
}

/// Where the generator puts what policies call but the Data API must not: Supabase exposes
/// `public` (and `graphql_public`) only.
pub const PRIVATE_SCHEMA: &str = "private";

impl MembershipLookup {
    pub fn function_name(&self) -> String {
        format!("{}_member", self.table)
    }

    /// `private.<table>_member(<row's key>, <roles or null>)`.
    pub fn call(&self, key: &str, roles: Option<&[String]>) -> String {
        let roles = match roles {
            Some(roles) => {
                let literals: Vec<String> = roles.iter().map(|r| crate::ident::quote_literal(r)).collect();
                format!("array[{}]", literals.join(", "))
            }
            None => "null".to_owned(),
        };
        format!(
            "{PRIVATE_SCHEMA}.{}({}, {roles})",
            crate::ident::quote_identifier(&self.function_name()),
            crate::ident::quote_identifier(key)
        )
    }
}

impl Schema {
    /// The membership lookups the tables' owner rules call, each once.
    pub fn membership_lookups(&self) -> Vec<MembershipLookup> {
        let mut lookups: Vec<MembershipLookup> = self
            .tables
            .iter()
            .filter_map(|t| match &t.owner {
                Some(Owner::Membership(m)) => Some(m.lookup.clone()),
                _ => None,
            })
            .collect();
        lookups.sort();
        lookups.dedup();
        lookups
    }

    /// Whether a table grants `backend` anything, a policy names it or a function lets it
    /// call: then the migrations create the role.
    pub fn uses_backend(&self) -> bool {
        let tables = self.tables.iter().any(|t| {
            t.grants.iter().any(|g| g.role == Role::Backend)
                || t.policies.iter().any(|p| p.roles.contains(&Role::Backend))
        });
        tables || self.functions.iter().any(|f| f.execute.contains(&Role::Backend))
    }

    /// The roles the schema's database has: Supabase's, and `backend` when the schema uses it.
    pub fn roles(&self) -> Vec<Role> {
        let backend = self.uses_backend();
        Role::ALL.into_iter().filter(|r| r.is_supabase() || backend).collect()
    }

    /// Whether a column default or generation expression, a check or an exclusion of any table
    /// calls the function `name`: such a function has to exist before the tables do.
    pub fn tables_call(&self, name: &str) -> bool {
        self.tables.iter().any(|table| table.calls(name))
    }
}

impl Table {
    /// Whether a column default or generation expression, a check or an exclusion of the table
    /// calls the function `name`: PostgreSQL then keeps the function until they go.
    pub fn calls(&self, name: &str) -> bool {
        let defaults = self
            .columns
            .iter()
            .flat_map(|c| c.default.as_deref().into_iter().chain(c.generated.as_deref()));
        let checks = self.checks.iter().map(|c| c.expr.as_str());
        let exclusions = self
            .exclusions
            .iter()
            .flat_map(|x| x.elements.iter().map(|e| e.sql.as_str()).chain(x.predicate.as_deref()));
        defaults
            .chain(checks)
            .chain(exclusions)
            .any(|expr| crate::expr::calls(expr, name))
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The single commands `role` holds the privilege for (`revoke all` comes first, so only
    /// these), in the order of [`Command`].
    pub fn privileges(&self, role: Role) -> Vec<Command> {
        let mut commands: Vec<Command> = self
            .grants
            .iter()
            .filter(|g| g.role == role)
            .flat_map(|g| g.privileges.iter().flat_map(|c| c.expand().iter().copied()))
            .collect();
        commands.sort_unstable();
        commands.dedup();
        commands
    }

    /// What `role` may do with the single `command` on this table, as the migrations set it
    /// up. The access matrix tests check these facts on a real database; the data-protection
    /// report states them.
    pub fn access(&self, role: Role, command: Command) -> Access<'_> {
        let event = match command {
            Command::Insert => Some(TriggerEvent::Insert),
            Command::Update => Some(TriggerEvent::Update),
            Command::Delete => Some(TriggerEvent::Delete),
            Command::Select | Command::All => None,
        };
        let rls = self.rls.enabled && !role.bypasses_rls();
        Access {
            granted: self.privileges(role).contains(&command),
            policies: rls.then(|| {
                self.policies
                    .iter()
                    .filter(|p| p.roles.contains(&role) && p.command.expand().contains(&command))
                    .collect()
            }),
            append_only: self.triggers.iter().any(|t| {
                event.is_some_and(|e| t.events.contains(&e)) && t.function == Builtin::RejectChange.function_name()
            }),
        }
    }

    /// Whether the policy is one the `owner` short form stands for.
    pub fn is_owner_policy(&self, policy: &Policy) -> bool {
        self.owner.is_some() && policy.name == owner_policy_name(&self.name, policy.command)
    }

    /// Column sets that are unique in this table, so a foreign key may reference them.
    pub fn keys(&self) -> impl Iterator<Item = &[String]> {
        std::iter::once(self.primary_key.columns.as_slice()).chain(self.uniques.iter().map(|u| u.columns.as_slice()))
    }
}

/// The name of the policy the `owner` short form writes for `command`.
pub fn owner_policy_name(table: &str, command: Command) -> String {
    format!("{table}_owner_{}", command.sql())
}

/// One role's access to one command on a table (see [`Table::access`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Access<'a> {
    /// The role holds the privilege; without it PostgreSQL refuses (42501) before row level
    /// security is consulted.
    pub granted: bool,
    /// `None` when row level security does not apply to the role (off, or the role bypasses
    /// it): every row. Otherwise the policies for the role and command: a row passes when one
    /// permissive policy and every restrictive one let it through, so none without a
    /// permissive policy.
    pub policies: Option<Vec<&'a Policy>>,
    /// The append-only guard refuses the command for everyone.
    pub append_only: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(skip)]
    pub renamed_from: Option<String>,
    pub rust_name: String,
    pub sql_type: SqlType,
    pub nullable: bool,
    /// A SQL expression, written as code in `schema.toml`.
    pub default: Option<String>,
    pub identity: Option<Identity>,
    /// `generated always as (…) stored`: the SQL expression, over the row's other columns, that
    /// PostgreSQL computes the value from on every write. No one writes the column. Not written
    /// to the lock while absent, so older locks read unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// A closed value set: becomes a CHECK constraint and a Rust enum.
    pub values: Option<ClosedSet>,
    pub class: Class,
    pub comment: Option<String>,
}

impl Column {
    /// Whether a row can be written without a value for this column: it may be null, has a
    /// default, is an identity or is generated.
    pub fn fills_itself(&self) -> bool {
        self.nullable || self.default.is_some() || self.identity.is_some() || self.generated.is_some()
    }

    /// Whether no insert or update may write the column: PostgreSQL computes or numbers it
    /// (`generated always as (…) stored`, `generated always as identity`).
    pub fn never_written(&self) -> bool {
        self.generated.is_some() || self.identity == Some(Identity::Always)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClosedSet {
    pub rust_name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Identity {
    Always,
    ByDefault,
}

/// Data classification of a column. PHI never prints and forces RLS on its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    Public,
    Administrative,
    Phi,
}

/// A named primary-key or unique constraint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    /// `schema.table`, fully qualified.
    pub target_schema: String,
    pub target_table: String,
    pub target_columns: Vec<String>,
    pub on_delete: ReferentialAction,
    /// The columns a `set null` / `set default` delete action is limited to (PostgreSQL 15's
    /// `on delete set null (col)`); every column of the key when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_delete_columns: Vec<String>,
    pub on_update: ReferentialAction,
    /// Checked at the end of the transaction (`initially_deferred`) or of each statement unless
    /// `set constraints … deferred` says otherwise (`initially_immediate`); `None`: at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferrable: Option<Deferrable>,
}

/// When a deferrable foreign key is checked unless a transaction says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferrable {
    InitiallyImmediate,
    InitiallyDeferred,
}

/// A foreign key's or trigger's definition: every field but the name, so two of them can be
/// compared for a rename without copying. The fields are listed without `..`, so a new field
/// has to be placed here.
type ForeignKeyDefinition<'a> = (
    &'a [String],
    &'a str,
    &'a str,
    &'a [String],
    ReferentialAction,
    &'a [String],
    ReferentialAction,
    Option<Deferrable>,
);

impl ForeignKey {
    pub fn definition(&self) -> ForeignKeyDefinition<'_> {
        let ForeignKey {
            name: _,
            columns,
            target_schema,
            target_table,
            target_columns,
            on_delete,
            on_delete_columns,
            on_update,
            deferrable,
        } = self;
        (
            columns,
            target_schema,
            target_table,
            target_columns,
            *on_delete,
            on_delete_columns,
            *on_update,
            *deferrable,
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    NoAction,
    Restrict,
    Cascade,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "no action",
            ReferentialAction::Restrict => "restrict",
            ReferentialAction::Cascade => "cascade",
            ReferentialAction::SetNull => "set null",
            ReferentialAction::SetDefault => "set default",
        }
    }

    /// The letter `pg_constraint.confdeltype` and `confupdtype` store for the action.
    pub fn catalog_code(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "a",
            ReferentialAction::Restrict => "r",
            ReferentialAction::Cascade => "c",
            ReferentialAction::SetNull => "n",
            ReferentialAction::SetDefault => "d",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    #[serde(skip)]
    pub renamed_from: Option<String>,
    pub expr: String,
}

/// An exclusion constraint: no two rows whose elements all match under their operators.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exclusion {
    pub name: String,
    pub method: IndexMethod,
    pub elements: Vec<ExclusionElement>,
    pub predicate: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExclusionElement {
    /// A quoted column name or a parenthesised SQL expression, ready for SQL.
    pub sql: String,
    pub operator: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    #[serde(skip)]
    pub renamed_from: Option<String>,
    pub columns: Vec<String>,
    /// SQL expressions indexed after `columns` (`lower(email)`). Not written to the lock while
    /// empty, so older locks read unchanged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expressions: Vec<String>,
    pub unique: bool,
    pub method: IndexMethod,
    pub include: Vec<String>,
    pub predicate: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndexMethod {
    Btree,
    Hash,
    Gin,
    Gist,
    Brin,
    Spgist,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rls {
    pub enabled: bool,
    pub forced: bool,
}

/// The database roles schema.toml grants to: the three Supabase's API uses (`ServiceRole`
/// keeps Supabase's own name), and `Backend`, which the migrations create when the schema names
/// it.
///
/// `backend` is for the backend's routine writes: a `NOLOGIN NOBYPASSRLS` role granted to
/// `service_role`, which the backend switches to per transaction (`set local role backend`).
/// Row level security applies to it, and PostgreSQL leaves the failing row (PHI included) out
/// of a CHECK or NOT NULL violation's detail exactly when row level security applies to the
/// caller; as `service_role` the error, and the server's log, quote the whole row.
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Anon,
    Authenticated,
    ServiceRole,
    Backend,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Anon, Role::Authenticated, Role::ServiceRole, Role::Backend];

    /// Whether the role skips row level security, as Supabase sets it up: `service_role` is
    /// `BYPASSRLS`, the backend's key.
    pub fn bypasses_rls(self) -> bool {
        self == Role::ServiceRole
    }

    pub fn sql(self) -> &'static str {
        match self {
            Role::Anon => "anon",
            Role::Authenticated => "authenticated",
            Role::ServiceRole => "service_role",
            Role::Backend => "backend",
        }
    }

    /// Whether every Supabase project has the role. `backend` exists only once a migration of
    /// a schema that names it created it.
    pub fn is_supabase(self) -> bool {
        self != Role::Backend
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Command {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

impl Command {
    /// The single commands a policy for this command covers.
    pub fn expand(self) -> &'static [Command] {
        match self {
            Command::All => &[Command::Select, Command::Insert, Command::Update, Command::Delete],
            Command::Select => &[Command::Select],
            Command::Insert => &[Command::Insert],
            Command::Update => &[Command::Update],
            Command::Delete => &[Command::Delete],
        }
    }

    pub fn sql(self) -> &'static str {
        match self {
            Command::All => "all",
            Command::Select => "select",
            Command::Insert => "insert",
            Command::Update => "update",
            Command::Delete => "delete",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub name: String,
    #[serde(skip)]
    pub renamed_from: Option<String>,
    pub command: Command,
    pub roles: Vec<Role>,
    pub permissive: bool,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

/// The table privileges a role holds; `revoke all` comes first, so this is the whole set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub privileges: Vec<Command>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    pub timing: TriggerTiming,
    pub events: Vec<TriggerEvent>,
    pub for_each: ForEach,
    pub function: String,
    /// Literal arguments passed to the trigger function.
    pub arguments: Vec<String>,
    /// `update of` these columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// `when (…)`, SQL on `old` and `new`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
}

type TriggerDefinition<'a> = (
    TriggerTiming,
    &'a [TriggerEvent],
    ForEach,
    &'a str,
    &'a [String],
    &'a [String],
    Option<&'a str>,
);

impl Trigger {
    /// Every field but the name (see [`ForeignKey::definition`]).
    pub fn definition(&self) -> TriggerDefinition<'_> {
        let Trigger {
            name: _,
            timing,
            events,
            for_each,
            function,
            arguments,
            columns,
            when,
        } = self;
        (
            *timing,
            events,
            *for_each,
            function,
            arguments,
            columns,
            when.as_deref(),
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerTiming {
    Before,
    After,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerEvent {
    Insert,
    Update,
    Delete,
    Truncate,
}

impl TriggerEvent {
    pub fn sql(self) -> &'static str {
        match self {
            TriggerEvent::Insert => "insert",
            TriggerEvent::Update => "update",
            TriggerEvent::Delete => "delete",
            TriggerEvent::Truncate => "truncate",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForEach {
    Row,
    Statement,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// `public`, whose functions the Data API exposes as RPC, or a schema it does not expose
    /// (`private`, Supabase's advice for the helpers policies call). Not written to the lock
    /// for `public`, so older locks read unchanged.
    #[serde(default = "public_schema", skip_serializing_if = "is_public")]
    pub schema: String,
    pub name: String,
    pub args: Vec<FunctionArg>,
    pub returns: Returns,
    pub language: Language,
    pub security: Security,
    pub volatility: Volatility,
    pub body: FunctionBody,
    /// Who may call it; everyone else has EXECUTE revoked (PostgreSQL grants it to PUBLIC).
    pub execute: Vec<Role>,
    pub comment: Option<String>,
}

/// A function's code: written in `schema.toml`, or one the generator ships in
/// `templates/functions/` (the `updated_at`, audit and append-only triggers).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunctionBody {
    Written(String),
    Builtin(Builtin),
    /// The `read_<table>(…)` function of a table with `audit_reads`.
    AuditedRead(Box<AuditedRead>),
}

/// What `read_<table>(ids[, purpose])` needs to return the rows of `ids` the caller may see and
/// record one audit row per row returned. It runs as its owner (the caller holds no `select` on
/// the PHI columns), so it applies the table's select policies itself: `readers` holds them,
/// taken from the same model the policies are generated from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditedRead {
    pub table: String,
    /// The single uuid primary-key column.
    pub key: String,
    /// The columns whose reads the audit rows name (`changed_columns`).
    pub phi_columns: Vec<String>,
    pub audit_table: String,
    /// The audit table has a `purpose` column, so the function takes one.
    pub purpose: bool,
    pub readers: Vec<Reader>,
}

/// A role that may call a `read_<table>` function, and the rows it sees.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reader {
    pub role: Role,
    /// The SQL condition a row must meet, as row level security would apply it (one
    /// permissive select policy and every restrictive one); `None`: every row (the role bypasses
    /// row level security, or it is off).
    pub rows: Option<String>,
}

impl Table {
    /// The columns the API roles row security applies to may still select when the table has
    /// `audit_reads`: every column but the PHI ones.
    pub fn readable_columns(&self) -> Option<Vec<String>> {
        self.audit_reads.then(|| {
            self.columns
                .iter()
                .filter(|c| c.class != Class::Phi)
                .map(|c| c.name.clone())
                .collect()
        })
    }

    /// Whether `role` may select [`Table::readable_columns`] only: the table has `audit_reads`,
    /// row level security applies to the role, and it holds `select`.
    pub fn selects_by_column(&self, role: Role) -> bool {
        self.audit_reads && !role.bypasses_rls() && self.privileges(role).contains(&Command::Select)
    }

    /// The name of the function the table's PHI is read through.
    pub fn read_function_name(&self) -> String {
        format!("read_{}", self.name)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Builtin {
    SetUpdatedAt,
    AuditRowChange,
    RejectChange,
}

impl Builtin {
    pub fn function_name(self) -> &'static str {
        match self {
            Builtin::SetUpdatedAt => "set_updated_at",
            Builtin::AuditRowChange => "audit_row_change",
            Builtin::RejectChange => "reject_change",
        }
    }

    /// The template holding the body.
    pub fn template(self) -> String {
        format!("functions/{}.sql", self.function_name())
    }
}

fn public_schema() -> String {
    SCHEMA.to_owned()
}

fn is_public(schema: &str) -> bool {
    schema == SCHEMA
}

/// Schemas a function may not go in: PostgreSQL's own, those Supabase's services own and
/// change in their own migrations, and `graphql_public`, which the Data API exposes.
pub const RESERVED_SCHEMAS: &[&str] = &[
    "auth",
    "storage",
    "extensions",
    "realtime",
    "_realtime",
    "graphql",
    "graphql_public",
    "vault",
    "pgsodium",
    "pgsodium_masks",
    "net",
    "cron",
    "supabase_functions",
    "supabase_migrations",
    "pgbouncer",
    "pgtle",
    "information_schema",
    "pg_catalog",
    "pg_toast",
];

impl Function {
    /// How schema.toml names it (`[functions.<key>]`, a trigger's `function`): the name in
    /// `public`, `schema.name` elsewhere.
    pub fn key(&self) -> String {
        match self.schema.as_str() {
            SCHEMA => self.name.clone(),
            schema => format!("{schema}.{}", self.name),
        }
    }

    /// `schema.name`, quoted as needed, as SQL names it.
    pub fn qualified(&self) -> String {
        qualified_function(&self.key())
    }
}

/// The function schema.toml names `key` (`name` in `public`, or `schema.name`) as SQL names it.
pub fn qualified_function(key: &str) -> String {
    let (schema, name) = key.split_once('.').unwrap_or((SCHEMA, key));
    format!(
        "{}.{}",
        crate::ident::quote_identifier(schema),
        crate::ident::quote_identifier(name)
    )
}

impl Schema {
    /// The schemas other than `public` that functions and membership lookups live in, each
    /// with the roles that need `usage` on it: those that may execute one of its functions.
    pub fn function_schemas(&self) -> Vec<(String, Vec<Role>)> {
        let mut schemas: Vec<(String, Vec<Role>)> = Vec::new();
        let mut add = |schema: &str, roles: &[Role]| {
            let at = match schemas.iter().position(|(s, _)| s == schema) {
                Some(at) => at,
                None => {
                    schemas.push((schema.to_owned(), Vec::new()));
                    schemas.len() - 1
                }
            };
            schemas[at].1.extend_from_slice(roles);
        };
        for function in self.functions.iter().filter(|f| f.schema != SCHEMA) {
            add(&function.schema, &function.execute);
        }
        if !self.membership_lookups().is_empty() {
            add(PRIVATE_SCHEMA, &[Role::Authenticated]);
        }
        for (_, roles) in &mut schemas {
            roles.sort();
            roles.dedup();
        }
        schemas.sort();
        schemas
    }
}

/// What a function returns. In the lock, `setof` is written as its SQL (`"setof public.notes"`),
/// as the locks of audited reads hold it; every other form but `table` is a string too.
#[derive(Clone, Debug, PartialEq)]
pub enum Returns {
    /// `void`, `trigger` or a column type, in SQL spelling (the only form older locks hold).
    Type(String),
    /// `setof public.<table>`: rows of a declared table. Called by an invoker, the table's
    /// policies decide which rows come back.
    SetOf { setof: String },
    /// `table (<name> <type>, …)`: rows of these columns.
    Table { table: Vec<(String, SqlType)> },
}

impl Returns {
    pub fn sql(&self) -> String {
        match self {
            Returns::Type(sql) => sql.clone(),
            Returns::SetOf { setof } => format!("setof {SCHEMA}.{}", crate::ident::quote_identifier(setof)),
            Returns::Table { table } => {
                let columns: Vec<String> = table
                    .iter()
                    .map(|(name, sql_type)| format!("{} {sql_type}", crate::ident::quote_identifier(name)))
                    .collect();
                format!("table ({})", columns.join(", "))
            }
        }
    }

    pub fn is_trigger(&self) -> bool {
        *self == Returns::Type("trigger".to_owned())
    }
}

/// How [`Returns`] is written: a string, or `{ "table": [...] }`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum ReturnsRecord {
    Sql(String),
    Table { table: Vec<(String, SqlType)> },
}

impl Serialize for Returns {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Returns::Table { table } => ReturnsRecord::Table { table: table.clone() },
            other => ReturnsRecord::Sql(other.sql()),
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Returns {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match ReturnsRecord::deserialize(deserializer)? {
            ReturnsRecord::Table { table } => Returns::Table { table },
            ReturnsRecord::Sql(sql) => match sql.strip_prefix("setof public.") {
                Some(table) => Returns::SetOf {
                    setof: crate::ident::unquote_identifier(table),
                },
                None => Returns::Type(sql),
            },
        })
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunctionArg {
    pub name: String,
    pub sql_type: SqlType,
    /// A SQL expression a call that leaves the argument out gets. Not written to the lock when
    /// there is none, so older locks read unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    Sql,
    Plpgsql,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    Invoker,
    Definer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}
