//! Access: row level security, the `owner` short form and the policies it stands for, written
//! policies, PHI, and the grants each API role gets.

use super::{Context, Result, Validator};
use crate::error::Problem;
use crate::expr::{calls, reads_table, unwrapped_auth_call};
use crate::ident::{quote_identifier, quote_literal};
use crate::model::*;
use crate::read::{Name, RawClaim, RawMembership, RawOwner, RawPolicy, RawTable};
use crate::sql_type::SqlType;
use std::collections::HashMap;
use std::ops::Range;
use toml::Spanned;

/// What the owner rule's writing policies add: the user did not sign in anonymously. Absent
/// claim counts as not anonymous (a JWT from before anonymous sign-ins existed).
pub const NOT_ANONYMOUS: &str = "not coalesce(((select auth.jwt()) ->> 'is_anonymous')::boolean, false)";

/// A `security invoker` function that a select policy calls and whose body reads the policy's
/// table: its read is filtered by the same policy, which calls it again, until the stack runs
/// out. (A policy for another command is not applied to the function's read.) A `security
/// definer` function reads the table as its owner, whom row level security does not apply to.
fn invoker_reading<'f>(functions: &'f [Function], policy: &Policy, table: &str) -> Option<&'f str> {
    if !policy.command.expand().contains(&Command::Select) {
        return None;
    }
    let exprs = [&policy.using, &policy.with_check];
    functions
        .iter()
        .filter(|f| f.security == Security::Invoker)
        .filter(|f| matches!(&f.body, FunctionBody::Written(body) if reads_table(body, table)))
        .find(|f| exprs.iter().copied().flatten().any(|expr| calls(expr, &f.name)))
        .map(|f| f.name.as_str())
}

/// `((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'doctor'`.
pub fn claim_expression(claim: &Claim) -> String {
    let mut value = "(select auth.jwt())".to_owned();
    let last = claim.path.len().saturating_sub(1);
    for (i, key) in claim.path.iter().enumerate() {
        let arrow = if i == last { "->>" } else { "->" };
        value = format!("{value} {arrow} {}", quote_literal(key));
    }
    format!("({value}) = {}", quote_literal(&claim.equals))
}

impl Validator<'_> {
    /// The table's policies (the owner's first), who may see PHI, and the grants.
    pub(super) fn access(&self, context: &Context, name: &Name, raw: &RawTable, table: &mut Table) -> Result<()> {
        let table_name = table.name.clone();
        let mut policy_spans: Vec<Range<usize>> = Vec::new();
        if let Some(owner) = &raw.owner {
            self.owner_policies(context, table, owner, &mut policy_spans)?;
        }
        let from_owner = table.policies.len();
        for policy in &raw.policies {
            let built = self.policy(policy)?;
            let recursive = [&built.using, &built.with_check]
                .into_iter()
                .flatten()
                .any(|expr| reads_table(expr, &table_name));
            if recursive {
                return Err(self.error(
                    policy.span(),
                    Problem::PolicyReadsItsTable {
                        policy: built.name,
                        table: table_name,
                    },
                ));
            }
            if let Some(function) = invoker_reading(context.functions, &built, &table_name) {
                return Err(self.error(
                    policy.span(),
                    Problem::PolicyCallsInvokerReadingItsTable {
                        policy: built.name,
                        function: function.to_owned(),
                        table: table_name,
                    },
                ));
            }
            if table.policies.iter().any(|p| p.name == built.name) {
                return Err(self.error(
                    policy.get_ref().name.span(),
                    Problem::Duplicate {
                        what: "policy",
                        name: built.name,
                    },
                ));
            }
            table.policies.push(built);
            policy_spans.push(policy.span());
        }
        if let Some(realtime) = raw.realtime.as_ref().filter(|r| *r.get_ref() && !table.rls.enabled) {
            return Err(self.error(realtime.span(), Problem::RealtimeWithoutRls { table: table_name }));
        }
        if !table.rls.enabled && !table.policies.is_empty() {
            return Err(self.error(
                raw.rls.as_ref().map_or(name.span(), |r| r.span()),
                Problem::PolicyWithoutRls { table: table_name },
            ));
        }
        self.single_permissive_policy(table, &policy_spans, from_owner)?;
        self.phi(name, raw, table, &policy_spans)?;

        table.grants = self.grants(raw, table);
        // With RLS off a grant to an API role opens every row to it (Supabase's
        // `rls_disabled_in_public` lint). `service_role` bypasses RLS anyway.
        let open_to = table.grants.iter().find(|g| g.role != Role::ServiceRole);
        if let Some(grant) = open_to.filter(|_| !table.rls.enabled) {
            return Err(self.error(
                raw.rls.as_ref().map_or(name.span(), |r| r.span()),
                Problem::GrantWithoutRls {
                    table: table_name,
                    role: grant.role.sql().into(),
                },
            ));
        }
        Ok(())
    }

    /// `owner = {...}`: one policy per command for `authenticated`, declared at the owner's span.
    /// Every policy requires the row's owner and the rule's claim; the writing ones also refuse
    /// anonymous sign-ins, which anyone can get.
    fn owner_policies(
        &self,
        context: &Context,
        table: &mut Table,
        owner: &Spanned<RawOwner>,
        policy_spans: &mut Vec<Range<usize>>,
    ) -> Result<()> {
        if let Some(membership) = &owner.get_ref().membership {
            return self.membership_policies(context, table, owner, membership, policy_spans);
        }
        let (row, claim) = self.owner_expression(context, table, owner)?;
        table.owner = match (&owner.get_ref().column, &owner.get_ref().via) {
            (Some(column), _) => Some(Owner::Column(column.get_ref().clone())),
            (None, via) => via.as_ref().map(|v| Owner::Via(v.get_ref().clone())),
        };
        let read = match &claim {
            Some(claim) => format!("{row} and {}", claim_expression(claim)),
            None => row,
        };
        let write = format!("{read} and {NOT_ANONYMOUS}");
        table.owner_claim = claim;
        self.owner_rule_policies(table, owner.span(), &read, &write, &write, policy_spans)
    }

    /// The four policies of an owner rule, for `authenticated`, declared at `span`: select rows
    /// passing `read`; insert and update rows passing `write`; delete rows passing `delete`.
    fn owner_rule_policies(
        &self,
        table: &mut Table,
        span: Range<usize>,
        read: &str,
        write: &str,
        delete: &str,
        policy_spans: &mut Vec<Range<usize>>,
    ) -> Result<()> {
        for command in [Command::Select, Command::Insert, Command::Update, Command::Delete] {
            let name = self.generated_name(owner_policy_name(&table.name, command), span.clone())?;
            let (using, with_check) = match command {
                Command::Select => (Some(read), None),
                Command::Insert => (None, Some(write)),
                Command::Update => (Some(write), Some(write)),
                _ => (Some(delete), None),
            };
            table.policies.push(Policy {
                renamed_from: None,
                name,
                command,
                roles: vec![Role::Authenticated],
                permissive: true,
                using: using.map(str::to_owned),
                with_check: with_check.map(str::to_owned),
            });
            policy_spans.push(span.clone());
        }
        Ok(())
    }

    /// `owner = { membership = {...} }`: one policy per command for `authenticated`, each asking
    /// the membership lookup whether the signed-in user is a member of the row's group, with a
    /// role that may do it; the writing ones also refuse anonymous sign-ins.
    fn membership_policies(
        &self,
        context: &Context,
        table: &mut Table,
        owner: &Spanned<RawOwner>,
        membership: &Spanned<RawMembership>,
        policy_spans: &mut Vec<Range<usize>>,
    ) -> Result<()> {
        let raw = owner.get_ref();
        if raw.column.is_some() || raw.via.is_some() {
            return Err(self.error(owner.span(), Problem::OwnerForm));
        }
        if let Some(claim) = &raw.claim {
            return Err(self.error(claim.span(), Problem::OwnerClaimOnMembership));
        }
        let spec = membership.get_ref();
        let lookup = self.membership_lookup(context, table, membership)?;
        let members = context.tables.get(lookup.table.as_str()).copied();
        let roles = |names: &Option<crate::read::Names>| -> Result<Option<Vec<String>>> {
            let Some(names) = names else { return Ok(None) };
            let Some(role) = &lookup.role else {
                return Err(self.error(
                    names.span(),
                    Problem::UnknownColumn {
                        table: lookup.table.clone(),
                        column: spec.role.as_ref().map_or("role".to_owned(), |r| r.get_ref().clone()),
                        known: members
                            .map(|m| m.columns.iter().map(|c| c.name.clone()).collect())
                            .unwrap_or_default(),
                    },
                ));
            };
            // The roles a closed set or an enum type of the role column allows.
            let values = members
                .and_then(|m| m.column(role))
                .and_then(|c| match (&c.values, &c.sql_type) {
                    (Some(set), _) => Some(set.values.clone()),
                    (None, SqlType::Enum(name)) => {
                        self.enums.iter().find(|e| e.name == *name).map(|e| e.values.clone())
                    }
                    _ => None,
                });
            for name in names.get_ref() {
                if let Some(values) = values.as_ref().filter(|v| !v.contains(name.get_ref())) {
                    return Err(self.error(
                        name.span(),
                        Problem::MembershipRoleUnknown {
                            role: name.get_ref().clone(),
                            table: lookup.table.clone(),
                            column: role.clone(),
                            values: values.join(", "),
                        },
                    ));
                }
            }
            Ok(Some(names.get_ref().iter().map(|n| n.get_ref().clone()).collect()))
        };
        let write = roles(&spec.write)?;
        let delete = match roles(&spec.delete)? {
            Some(delete) => Some(delete),
            None => write.clone(),
        };
        let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        let key = self
            .column_list(std::slice::from_ref(&spec.key), &table.name, &known)?
            .remove(0);
        let read = lookup.call(&key, None);
        let writes = format!("{} and {NOT_ANONYMOUS}", lookup.call(&key, write.as_deref()));
        let deletes = format!("{} and {NOT_ANONYMOUS}", lookup.call(&key, delete.as_deref()));
        self.owner_rule_policies(table, owner.span(), &read, &writes, &deletes, policy_spans)?;
        table.owner = Some(Owner::Membership(Membership {
            lookup,
            key,
            write,
            delete,
        }));
        table.owner_claim = None;
        Ok(())
    }

    /// Every owner rule naming one membership table reads the same columns of it: they share
    /// its lookup function.
    pub(super) fn one_lookup_per_membership_table(&self, raw: &crate::read::RawSchema, tables: &[Table]) -> Result<()> {
        let mut seen: HashMap<&str, &MembershipLookup> = HashMap::new();
        for ((_, raw_table), table) in raw.tables.iter().zip(tables) {
            let Some(Owner::Membership(membership)) = &table.owner else {
                continue;
            };
            let lookup = &membership.lookup;
            match seen.get(lookup.table.as_str()) {
                Some(first) if *first != lookup => {
                    let span = raw_table
                        .get_ref()
                        .owner
                        .as_ref()
                        .and_then(|o| o.get_ref().membership.as_ref())
                        .map_or_else(|| raw_table.span(), |m| m.span());
                    return Err(self.error(
                        span,
                        Problem::MembershipLookupsDiffer {
                            table: lookup.table.clone(),
                        },
                    ));
                }
                _ => {
                    seen.insert(&lookup.table, lookup);
                }
            }
        }
        Ok(())
    }

    /// The lookup a membership rule calls: the membership table, and its group, user and role
    /// columns (the key's name, `user_id` and `role` unless named), each checked, as is the
    /// owned table's key.
    fn membership_lookup(
        &self,
        context: &Context,
        table: &Table,
        membership: &Spanned<RawMembership>,
    ) -> Result<MembershipLookup> {
        let spec = membership.get_ref();
        let members_name = spec.table.get_ref().clone();
        let Some(members) = context.tables.get(members_name.as_str()).copied() else {
            return Err(self.error(
                spec.table.span(),
                Problem::MembershipTableUnknown { table: members_name },
            ));
        };
        let names = |t: &Table| -> Vec<String> { t.columns.iter().map(|c| c.name.clone()).collect() };
        let defaulted = |name: &Option<Name>, default: &str| {
            name.clone()
                .unwrap_or_else(|| Spanned::new(membership.span(), default.to_owned()))
        };
        let uuid_column = |t: &Table, name: &Name, what: &'static str| -> Result<String> {
            let column = self
                .column_list(std::slice::from_ref(name), &t.name, &names(t))?
                .remove(0);
            let found = t.column(&column).map(|c| c.sql_type.clone()).unwrap_or(SqlType::Uuid);
            if found != SqlType::Uuid {
                return Err(self.error(
                    name.span(),
                    Problem::MembershipColumnType {
                        table: t.name.clone(),
                        column,
                        what,
                        found: found.to_string(),
                    },
                ));
            }
            Ok(column)
        };
        uuid_column(table, &spec.key, "group")?;
        let group = uuid_column(members, spec.group.as_ref().unwrap_or(&spec.key), "group")?;
        let user = uuid_column(members, &defaulted(&spec.user, "user_id"), "user")?;
        let role = match &spec.role {
            Some(role) => Some(
                self.column_list(std::slice::from_ref(role), &members.name, &names(members))?
                    .remove(0),
            ),
            None => members.column("role").map(|c| c.name.clone()),
        };
        Ok(MembershipLookup {
            table: members.name.clone(),
            group,
            user,
            role,
        })
    }

    /// The owner rule's condition on the row, and the claim it requires (for `via`, the
    /// parent's).
    fn owner_expression(
        &self,
        context: &Context,
        table: &Table,
        owner: &Spanned<RawOwner>,
    ) -> Result<(String, Option<Claim>)> {
        let raw = owner.get_ref();
        let known: Vec<String> = table.columns.iter().map(|c| c.name.clone()).collect();
        match (&raw.column, &raw.via) {
            (Some(column), None) => {
                let column = &self.column_list(std::slice::from_ref(column), &table.name, &known)?[0];
                let sql_type = &table
                    .column(column)
                    .map(|c| c.sql_type.clone())
                    .unwrap_or(SqlType::Uuid);
                if *sql_type != SqlType::Uuid {
                    return Err(self.error(
                        raw.column.as_ref().map_or(owner.span(), |c| c.span()),
                        Problem::OwnerColumnType {
                            column: column.clone(),
                            found: sql_type.to_string(),
                        },
                    ));
                }
                let claim = raw.claim.as_ref().map(|c| self.claim(c)).transpose()?;
                Ok((format!("(select auth.uid()) = {}", quote_identifier(column)), claim))
            }
            (None, Some(via)) => {
                if let Some(claim) = &raw.claim {
                    return Err(self.error(claim.span(), Problem::OwnerClaimOnVia));
                }
                let column = &self.column_list(std::slice::from_ref(via), &table.name, &known)?[0];
                let fk = table.foreign_keys.iter().find(|fk| {
                    fk.columns.first() == Some(column) && fk.target_schema == SCHEMA && fk.target_table != table.name
                });
                let Some(fk) = fk else {
                    return Err(self.error(via.span(), Problem::OwnerViaNotForeignKey { column: column.clone() }));
                };
                let parent_owner = context
                    .raw
                    .tables
                    .iter()
                    .find(|(n, _)| n.get_ref() == &fk.target_table)
                    .and_then(|(_, t)| t.get_ref().owner.as_ref())
                    .filter(|o| o.get_ref().column.is_some());
                let Some((parent_owner, parent_claim)) = parent_owner.and_then(|o| {
                    o.get_ref()
                        .column
                        .as_ref()
                        .map(|c| (c.get_ref().clone(), &o.get_ref().claim))
                }) else {
                    return Err(self.error(
                        via.span(),
                        Problem::ParentHasNoOwner {
                            parent: fk.target_table.clone(),
                        },
                    ));
                };
                let claim = parent_claim.as_ref().map(|c| self.claim(c)).transpose()?;
                let joins = fk
                    .columns
                    .iter()
                    .zip(&fk.target_columns)
                    .map(|(own, theirs)| {
                        format!(
                            "parent.{} = {}.{}",
                            quote_identifier(theirs),
                            quote_identifier(&table.name),
                            quote_identifier(own)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" and ");
                let row = format!(
                    "exists (select 1 from {}.{} parent where {joins} and parent.{} = (select auth.uid()))",
                    SCHEMA,
                    quote_identifier(&fk.target_table),
                    quote_identifier(&parent_owner)
                );
                Ok((row, claim))
            }
            _ => Err(self.error(owner.span(), Problem::OwnerForm)),
        }
    }

    /// `claim = { path = "app_metadata.role", equals = "doctor" }`. `user_metadata` is refused:
    /// a user can write it with the public API (`supabase.auth.updateUser`), so it proves
    /// nothing; only `app_metadata` is written by the backend alone.
    fn claim(&self, claim: &Spanned<RawClaim>) -> Result<Claim> {
        let raw = claim.get_ref();
        let dotted = raw.path.get_ref();
        let path: Vec<String> = dotted.split('.').map(str::to_owned).collect();
        let key_ok =
            |key: &String| !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if path.first().map(String::as_str) == Some("user_metadata") {
            return Err(self.error(
                raw.path.span(),
                Problem::OwnerClaimUserMetadata { path: dotted.clone() },
            ));
        }
        if path.len() < 2 || path[0] != "app_metadata" || !path.iter().all(key_ok) {
            return Err(self.error(raw.path.span(), Problem::OwnerClaimPath { path: dotted.clone() }));
        }
        if raw.equals.get_ref().is_empty() {
            return Err(self.error(raw.equals.span(), Problem::OwnerClaimEquals));
        }
        Ok(Claim {
            path,
            equals: raw.equals.get_ref().clone(),
        })
    }

    fn policy(&self, policy: &Spanned<RawPolicy>) -> Result<Policy> {
        let raw = policy.get_ref();
        let name = self.identifier(&raw.name, "policy")?;
        let command = *raw.command.get_ref();
        let mut roles: Vec<Role> = Vec::new();
        for role in raw.roles.get_ref() {
            if !roles.contains(role.get_ref()) {
                roles.push(*role.get_ref());
            }
        }
        roles.sort();
        if roles.is_empty() {
            return Err(self.error(raw.roles.span(), Problem::NoRoles));
        }
        let clause = |key: &'static str, value: &Option<Spanned<String>>| -> Result<Option<String>> {
            let Some(value) = value else { return Ok(None) };
            let forbidden = match key {
                "using" => command == Command::Insert,
                _ => matches!(command, Command::Select | Command::Delete),
            };
            if forbidden {
                return Err(self.error(
                    value.span(),
                    Problem::PolicyClause {
                        command: command.sql().into(),
                        key,
                    },
                ));
            }
            let expr = self.expression(value)?;
            if let Some(call) = unwrapped_auth_call(&expr) {
                return Err(self.error(value.span(), Problem::AuthCallNotWrapped { call: call.into() }));
            }
            // Supabase's `rls_references_user_metadata` lint.
            if expr.to_ascii_lowercase().contains("user_metadata") {
                return Err(self.error(value.span(), Problem::PolicyUserMetadata));
            }
            let always_true = matches!(
                expr.to_ascii_lowercase().replace(' ', "").as_str(),
                "true" | "1=1" | "(true)"
            );
            let exempt = command == Command::Select && key == "using";
            if always_true
                && !exempt
                && raw.restrictive.as_ref().is_none_or(|r| !*r.get_ref())
                && let Some(role) = roles.iter().find(|r| **r != Role::ServiceRole)
            {
                return Err(self.error(
                    value.span(),
                    Problem::PolicyAlwaysTrue {
                        command: command.sql().into(),
                        role: role.sql().into(),
                    },
                ));
            }
            Ok(Some(expr))
        };
        let using = clause("using", &raw.using)?;
        let with_check = clause("with_check", &raw.with_check)?;
        if using.is_none() && with_check.is_none() {
            return Err(self.error(policy.span(), Problem::PolicyWithoutExpression));
        }
        Ok(Policy {
            renamed_from: self.optional_identifier(&raw.renamed_from, "policy")?,
            name,
            command,
            roles,
            permissive: raw.restrictive.as_ref().is_none_or(|r| !*r.get_ref()),
            using,
            with_check,
        })
    }

    /// Supabase's `multiple_permissive_policies` lint: each (role, command) gets at most one
    /// permissive policy, because PostgreSQL evaluates every one of them for every row. The
    /// first `from_owner` policies are the `owner` short form's, which the user did not write.
    fn single_permissive_policy(&self, table: &Table, spans: &[Range<usize>], from_owner: usize) -> Result<()> {
        let mut seen: HashMap<(Role, Command), (&str, bool)> = HashMap::new();
        for (i, (policy, span)) in table.policies.iter().zip(spans).enumerate() {
            if !policy.permissive {
                continue;
            }
            for role in &policy.roles {
                for command in policy.command.expand() {
                    if let Some((first, first_from_owner)) =
                        seen.insert((*role, *command), (&policy.name, i < from_owner))
                    {
                        return Err(self.error(
                            span.clone(),
                            Problem::MultiplePermissive {
                                first: first.to_owned(),
                                first_from_owner,
                                second: policy.name.clone(),
                                role: role.sql().into(),
                                command: command.sql().into(),
                            },
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// A table with a PHI column needs row level security and a policy, and none of its
    /// policies may name `anon`. The error points at the first PHI column.
    fn phi(&self, name: &Name, raw: &RawTable, table: &Table, policy_spans: &[Range<usize>]) -> Result<()> {
        let Some(phi) = table.columns.iter().find(|c| c.class == Class::Phi) else {
            return Ok(());
        };
        let table_name = table.name.clone();
        let span = raw
            .columns
            .get_ref()
            .keys()
            .find(|k| k.get_ref() == &phi.name)
            .map_or(name.span(), |k| k.span());
        if !table.rls.enabled {
            return Err(self.error(
                span,
                Problem::PhiWithoutRls {
                    table: table_name,
                    column: phi.name.clone(),
                },
            ));
        }
        if table.policies.is_empty() {
            return Err(self.error(
                span,
                Problem::PhiWithoutPolicy {
                    table: table_name,
                    column: phi.name.clone(),
                },
            ));
        }
        // Nobody signed in ever sees PHI: no policy of a PHI table may name `anon`.
        if let Some((policy, policy_span)) = table
            .policies
            .iter()
            .zip(policy_spans)
            .find(|(p, _)| p.roles.contains(&Role::Anon))
        {
            return Err(self.error(
                policy_span.clone(),
                Problem::PhiForAnon {
                    table: table_name,
                    policy: policy.name.clone(),
                },
            ));
        }
        Ok(())
    }

    /// What each API role may do: the backend (`service_role`) everything by default, the other
    /// roles exactly the commands their policies cover; `grants = { … }` overrides a role.
    fn grants(&self, raw: &RawTable, table: &Table) -> Vec<Grant> {
        let mut grants = Vec::new();
        for role in Role::ALL {
            let explicit = raw
                .grants
                .as_ref()
                .and_then(|g| g.iter().find(|(r, _)| *r.get_ref() == role));
            let mut privileges: Vec<Command> = match explicit {
                Some((_, list)) => list
                    .get_ref()
                    .iter()
                    .flat_map(|c| c.get_ref().expand().iter().copied())
                    .collect(),
                None if role == Role::ServiceRole => Command::All.expand().to_vec(),
                None => table
                    .policies
                    .iter()
                    .filter(|p| p.permissive && p.roles.contains(&role))
                    .flat_map(|p| p.command.expand().iter().copied())
                    .collect(),
            };
            privileges.sort();
            privileges.dedup();
            if !privileges.is_empty() {
                grants.push(Grant { role, privileges });
            }
        }
        grants
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{MINIMAL, accepts, rejects};
    use crate::error::Problem;
    use crate::model::{Claim, Command, Owner, Role};

    /// `notes` belongs to `user_id` (line 2) and holds PHI in `body` (line 7).
    const OWNED: &str = r#"[tables.notes]
owner = { column = "user_id" }

[tables.notes.columns]
id = { type = "uuid", primary_key = true, class = "public" }
user_id = { type = "uuid", class = "public" }
body = { type = "text", class = "phi" }
"#;

    /// A `replies` table owned through its `note_id` parent in [`OWNED`].
    const REPLIES_VIA: &str = r#"[tables.replies]
owner = { via = "note_id" }
indexes = [{ columns = ["note_id"] }]

[tables.replies.columns]
id = { type = "uuid", primary_key = true, class = "public" }
note_id = { type = "uuid", class = "public", references = { table = "notes", column = "id" } }
"#;

    /// [`MINIMAL`] with one policy (starting at line 4) of the given keys.
    fn with_policy(keys: &str) -> String {
        format!("{MINIMAL}\n[[tables.notes.policies]]\nname = \"notes_read\"\n{keys}\n")
    }

    #[test]
    fn expands_the_owner_short_form_into_policies_and_grants() {
        let schema = accepts(OWNED);
        let notes = schema.table("notes").expect("table notes");
        assert_eq!(notes.owner, Some(Owner::Column("user_id".into())));
        let names: Vec<&str> = notes.policies.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "notes_owner_select",
                "notes_owner_insert",
                "notes_owner_update",
                "notes_owner_delete"
            ]
        );
        let read = "(select auth.uid()) = user_id";
        let write = format!("{read} and not coalesce(((select auth.jwt()) ->> 'is_anonymous')::boolean, false)");
        assert_eq!(notes.policies[0].using.as_deref(), Some(read));
        assert_eq!(notes.policies[1].using, None);
        assert_eq!(notes.policies[1].with_check.as_deref(), Some(write.as_str()));
        assert_eq!(notes.policies[2].using.as_deref(), Some(write.as_str()));
        assert_eq!(notes.policies[2].with_check.as_deref(), Some(write.as_str()));
        assert_eq!(notes.policies[3].using.as_deref(), Some(write.as_str()));
        assert_eq!(notes.owner_claim, None);
        assert!(notes.policies.iter().all(|p| p.roles == [Role::Authenticated]));
        let grants: Vec<(Role, usize)> = notes.grants.iter().map(|g| (g.role, g.privileges.len())).collect();
        assert_eq!(grants, [(Role::Authenticated, 4), (Role::ServiceRole, 4)]);
    }

    #[test]
    fn realtime_needs_row_level_security() {
        let text = format!("[tables.notes]\nrls = false\nrealtime = true\n\n{MINIMAL}");
        rejects(&text, 3, Problem::RealtimeWithoutRls { table: "notes".into() });
        let schema = accepts(&format!("[tables.notes]\nrealtime = true\n\n{MINIMAL}"));
        assert!(schema.table("notes").expect("table notes").realtime);
        assert!(!accepts(MINIMAL).table("notes").expect("table notes").realtime);
    }

    #[test]
    fn expands_owner_via_a_parent_into_an_exists_check() {
        let text = format!("{OWNED}\n{REPLIES_VIA}");
        let schema = accepts(&text);
        let replies = schema.table("replies").expect("table replies");
        assert_eq!(replies.owner, Some(Owner::Via("note_id".into())));
        assert_eq!(
            replies.policies[0].using.as_deref(),
            Some(
                "exists (select 1 from public.notes parent where parent.id = replies.note_id and parent.user_id = (select auth.uid()))"
            )
        );
        rejects(
            &text
                .replacen(r#"owner = { column = "user_id" }"#, r#"comment = "no owner""#, 1)
                .replacen(r#"class = "phi""#, r#"class = "public""#, 1),
            10,
            Problem::ParentHasNoOwner { parent: "notes".into() },
        );
        rejects(
            &text.replacen(r#"owner = { via = "note_id" }"#, r#"owner = { via = "id" }"#, 1),
            10,
            Problem::OwnerViaNotForeignKey { column: "id".into() },
        );
    }

    #[test]
    fn an_owner_claim_is_required_by_every_policy_and_inherited_through_via() {
        let text = format!(
            "{}\n{REPLIES_VIA}",
            OWNED.replacen(
                r#"owner = { column = "user_id" }"#,
                r#"owner = { column = "user_id", claim = { path = "app_metadata.role", equals = "doctor" } }"#,
                1
            )
        );
        let schema = accepts(&text);
        let claim = "((select auth.jwt()) -> 'app_metadata' ->> 'role') = 'doctor'";
        let anonymous = "not coalesce(((select auth.jwt()) ->> 'is_anonymous')::boolean, false)";
        let notes = schema.table("notes").expect("table notes");
        assert_eq!(
            notes.owner_claim,
            Some(Claim {
                path: vec!["app_metadata".into(), "role".into()],
                equals: "doctor".into()
            })
        );
        let read = format!("(select auth.uid()) = user_id and {claim}");
        assert_eq!(notes.policies[0].using.as_deref(), Some(read.as_str()));
        let write = format!("{read} and {anonymous}");
        assert_eq!(notes.policies[1].with_check.as_deref(), Some(write.as_str()));
        let replies = schema.table("replies").expect("table replies");
        assert_eq!(replies.owner_claim, notes.owner_claim);
        assert_eq!(
            replies.policies[3].using.as_deref(),
            Some(
                format!(
                    "exists (select 1 from public.notes parent where parent.id = replies.note_id and parent.user_id = (select auth.uid())) and {claim} and {anonymous}"
                )
                .as_str()
            )
        );
        // The claim belongs to the parent's rule.
        rejects(
            &text.replacen(
                r#"owner = { via = "note_id" }"#,
                r#"owner = { via = "note_id", claim = { path = "app_metadata.role", equals = "doctor" } }"#,
                1,
            ),
            10,
            Problem::OwnerClaimOnVia,
        );
        // A deeper path, and a value with a quote, are written as literals.
        let deep = accepts(&OWNED.replacen(
            r#"owner = { column = "user_id" }"#,
            r#"owner = { column = "user_id", claim = { path = "app_metadata.practice.kind", equals = "o'clock" } }"#,
            1,
        ));
        assert_eq!(
            deep.table("notes").and_then(|t| t.policies[0].using.as_deref()),
            Some(
                "(select auth.uid()) = user_id and ((select auth.jwt()) -> 'app_metadata' -> 'practice' ->> 'kind') = 'o''clock'"
            )
        );
    }

    #[test]
    fn refuses_an_owner_claim_the_user_could_set_themselves() {
        let with_claim = |claim: &str| {
            OWNED.replacen(
                r#"owner = { column = "user_id" }"#,
                &format!(r#"owner = {{ column = "user_id", claim = {claim} }}"#),
                1,
            )
        };
        rejects(
            &with_claim(r#"{ path = "user_metadata.role", equals = "doctor" }"#),
            2,
            Problem::OwnerClaimUserMetadata {
                path: "user_metadata.role".into(),
            },
        );
        for path in [
            "role",
            "app_metadata",
            "email.role",
            "app_metadata..role",
            "app_metadata.ro le",
        ] {
            rejects(
                &with_claim(&format!(r#"{{ path = "{path}", equals = "doctor" }}"#)),
                2,
                Problem::OwnerClaimPath { path: path.into() },
            );
        }
        rejects(
            &with_claim(r#"{ path = "app_metadata.role", equals = "" }"#),
            2,
            Problem::OwnerClaimEquals,
        );
    }

    #[test]
    fn refuses_a_bad_owner() {
        rejects(
            &OWNED.replacen(r#"user_id = { type = "uuid""#, r#"user_id = { type = "text""#, 1),
            2,
            Problem::OwnerColumnType {
                column: "user_id".into(),
                found: "text".into(),
            },
        );
        rejects(
            &OWNED.replacen(r#"{ column = "user_id" }"#, r#"{ column = "user_id", via = "id" }"#, 1),
            2,
            Problem::OwnerForm,
        );
    }

    #[test]
    fn accepts_a_written_policy_and_grants_what_it_covers() {
        let schema = accepts(&with_policy(
            "command = \"select\"\nroles = [\"authenticated\", \"anon\", \"anon\"]\nusing = \"true\"",
        ));
        let notes = &schema.tables[0];
        assert_eq!(notes.policies[0].roles, [Role::Anon, Role::Authenticated]);
        let anon = notes
            .grants
            .iter()
            .find(|g| g.role == Role::Anon)
            .expect("a grant to anon");
        assert_eq!(anon.privileges, [Command::Select]);
    }

    #[test]
    fn refuses_policies_that_are_incomplete_or_too_open() {
        rejects(
            &with_policy("command = \"select\"\nroles = []\nusing = \"true\""),
            7,
            Problem::NoRoles,
        );
        rejects(
            &with_policy("command = \"insert\"\nroles = [\"authenticated\"]\nusing = \"true\""),
            8,
            Problem::PolicyClause {
                command: "insert".into(),
                key: "using",
            },
        );
        rejects(
            &with_policy("command = \"select\"\nroles = [\"authenticated\"]\nusing = \"auth.uid() = id\""),
            8,
            Problem::AuthCallNotWrapped {
                call: "auth.uid()".into(),
            },
        );
        rejects(
            &with_policy(
                "command = \"update\"\nroles = [\"authenticated\"]\nusing = \"(select auth.uid()) = id\"\nwith_check = \"1 = 1\"",
            ),
            9,
            Problem::PolicyAlwaysTrue {
                command: "update".into(),
                role: "authenticated".into(),
            },
        );
        rejects(
            &with_policy("command = \"delete\"\nroles = [\"authenticated\"]"),
            4,
            Problem::PolicyWithoutExpression,
        );
        // Supabase's `rls_references_user_metadata` lint: in `using` and in `with_check`.
        rejects(
            &with_policy(
                "command = \"select\"\nroles = [\"authenticated\"]\nusing = \"((select auth.jwt()) -> 'user_metadata' ->> 'role') = 'doctor'\"",
            ),
            8,
            Problem::PolicyUserMetadata,
        );
        rejects(
            &with_policy(
                "command = \"insert\"\nroles = [\"authenticated\"]\nwith_check = \"((select current_setting('request.jwt.claims', true))::jsonb #>> '{User_Metadata,role}') = 'doctor'\"",
            ),
            8,
            Problem::PolicyUserMetadata,
        );
    }

    #[test]
    fn refuses_a_policy_that_reads_its_own_table() {
        rejects(
            &with_policy(
                "command = \"select\"\nroles = [\"authenticated\"]\nusing = \"exists (select 1 from public.notes n where n.id = id)\"",
            ),
            4,
            Problem::PolicyReadsItsTable {
                policy: "notes_read".into(),
                table: "notes".into(),
            },
        );
    }

    #[test]
    fn refuses_a_second_permissive_policy_for_a_role_and_command() {
        let text = format!(
            "{OWNED}\n[[tables.notes.policies]]\nname = \"notes_read\"\ncommand = \"select\"\nroles = [\"authenticated\"]\nusing = \"body <> ''\"\n"
        );
        rejects(
            &text,
            9,
            Problem::MultiplePermissive {
                first: "notes_owner_select".into(),
                first_from_owner: true,
                second: "notes_read".into(),
                role: "authenticated".into(),
                command: "select".into(),
            },
        );
        let help = Problem::MultiplePermissive {
            first: "notes_owner_select".into(),
            first_from_owner: true,
            second: "notes_read".into(),
            role: "authenticated".into(),
            command: "select".into(),
        }
        .help();
        assert!(
            help.starts_with("`notes_owner_select` comes from the table's `owner` short form"),
            "{help}"
        );
        // A restrictive one narrows the permissive one instead.
        accepts(&text.replace("using = ", "restrictive = true\nusing = "));
        rejects(
            &text.replace("\"notes_read\"", "\"notes_owner_select\""),
            10,
            Problem::Duplicate {
                what: "policy",
                name: "notes_owner_select".into(),
            },
        );
    }

    /// `backend` is a role row security applies to: a policy may bound it, its grants follow
    /// its policies unless listed, a grant to it needs row security (else its errors quote
    /// rows again), and an always-true write policy is refused as for the API roles.
    #[test]
    fn backend_gets_policies_and_grants_like_an_api_role_under_row_security() {
        let practice = "id = nullif((select current_setting('app.id', true)), '')::uuid";
        let schema = accepts(&with_policy(&format!(
            "command = \"all\"\nroles = [\"backend\"]\nusing = \"{practice}\"\nwith_check = \"{practice}\""
        )));
        assert!(schema.uses_backend());
        assert_eq!(schema.roles(), Role::ALL);
        let notes = schema.table("notes").expect("table notes");
        let grants: Vec<(Role, usize)> = notes.grants.iter().map(|g| (g.role, g.privileges.len())).collect();
        assert_eq!(grants, [(Role::ServiceRole, 4), (Role::Backend, 4)]);
        assert!(!accepts(MINIMAL).uses_backend());
        assert!(!accepts(MINIMAL).roles().contains(&Role::Backend));

        let limited = format!("[tables.notes]\ngrants = {{ backend = [\"select\", \"insert\"] }}\n{MINIMAL}");
        let notes = accepts(&limited).table("notes").expect("table notes").clone();
        assert_eq!(notes.privileges(Role::Backend), [Command::Select, Command::Insert]);
        rejects(
            &format!("[tables.notes]\nrls = false\ngrants = {{ backend = [\"select\"] }}\n{MINIMAL}"),
            2,
            Problem::GrantWithoutRls {
                table: "notes".into(),
                role: "backend".into(),
            },
        );
        rejects(
            &with_policy("command = \"insert\"\nroles = [\"backend\"]\nwith_check = \"true\""),
            8,
            Problem::PolicyAlwaysTrue {
                command: "insert".into(),
                role: "backend".into(),
            },
        );
    }

    #[test]
    fn refuses_policies_grants_and_phi_with_rls_off() {
        let policy = with_policy("command = \"select\"\nroles = [\"authenticated\"]\nusing = \"true\"");
        rejects(
            &format!("[tables.notes]\nrls = false\n{policy}"),
            2,
            Problem::PolicyWithoutRls { table: "notes".into() },
        );
        rejects(
            &format!("[tables.notes]\nrls = false\ngrants = {{ anon = [\"select\"] }}\n{MINIMAL}"),
            2,
            Problem::GrantWithoutRls {
                table: "notes".into(),
                role: "anon".into(),
            },
        );
        // The backend bypasses RLS anyway.
        accepts(&format!("[tables.notes]\nrls = false\n{MINIMAL}"));
        rejects(
            &OWNED.replacen(r#"owner = { column = "user_id" }"#, "rls = false", 1),
            7,
            Problem::PhiWithoutRls {
                table: "notes".into(),
                column: "body".into(),
            },
        );
    }

    #[test]
    fn refuses_phi_without_a_policy_or_open_to_anon() {
        rejects(
            &OWNED.replacen(r#"owner = { column = "user_id" }"#, "comment = \"no owner\"", 1),
            7,
            Problem::PhiWithoutPolicy {
                table: "notes".into(),
                column: "body".into(),
            },
        );
        let text = format!(
            "{OWNED}\n[[tables.notes.policies]]\nname = \"notes_public\"\ncommand = \"select\"\nroles = [\"anon\"]\nusing = \"id is not null\"\n"
        );
        rejects(
            &text,
            9,
            Problem::PhiForAnon {
                table: "notes".into(),
                policy: "notes_public".into(),
            },
        );
    }
}
