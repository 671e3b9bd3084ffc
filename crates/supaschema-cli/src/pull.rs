//! `supaschema pull`: adopt an existing database. Reads schema `public` of a live database (and
//! the tables it references in `auth`), writes the `schema.toml` that describes it and the lock
//! that records it as already deployed, so the next `cargo build` writes no migration and later
//! edits become incremental migrations. One module per stage: [`introspect`] reads the catalog,
//! [`map`] decides what `schema.toml` says, [`write`] lays the file out and writes it.
//!
//! The result is checked twice before anything is written: the generator must accept it (so it
//! builds), and the catalog it promises must equal the live one, object by object, through
//! [`crate::catalog`] (what `drift` compares). What the format cannot say is listed, never
//! dropped silently.

pub mod introspect;
pub mod map;
pub mod refine;
pub mod write;

use crate::catalog::{expected_catalog, read_catalog};
use crate::finding::Finding;
use crate::{DeployError, database};
use map::{LeftOut, Pulled};
use std::collections::BTreeSet;
use std::path::PathBuf;
use supaschema_build::model::{Command, Schema};
use supaschema_build::{Project, Renderer, SourceFile, adopted_lock, load_schema};

/// What a pull did and what it could not say.
#[derive(Debug, Default)]
pub struct Report {
    /// The files written, as paths relative to the project.
    pub written: Vec<PathBuf>,
    /// What the database holds that `schema.toml` does not say, or says differently.
    pub left_out: Vec<LeftOut>,
    /// Remaining differences between the pulled file's promise and the database (beyond what
    /// `left_out` names), as `drift` would report them.
    pub differences: Vec<Finding>,
    /// Why the comparison with the database could not run, when it could not.
    pub unchecked: Option<String>,
}

/// What the generator's errors call the file while it is checked, before it is written.
const PULLED_NAME: &str = "schema.toml (as pulled, not written)";

/// How many times the file is rebuilt while the checks refine it (explicit grants, an owner
/// rule that turned out different).
const ROUNDS: usize = 6;

/// Pulls the database at `url` into `project`. Refuses an existing `schema.toml` unless `force`.
pub fn run(project: &Project, url: &str, force: bool) -> Result<Report, DeployError> {
    if project.schema_path.exists() && !force {
        return Err(DeployError::SchemaExists {
            path: project.schema_path.clone(),
        });
    }
    let mut client = database::connect(url)?;
    // With an empty search path the server names every object it prints with its schema
    // (`public.is_staff(…)`), so the pulled expressions mean the same under any search path.
    client
        .batch_execute("set search_path = ''")
        .map_err(|e| DeployError::database("cannot prepare the session", &e))?;
    let live =
        introspect::read(&mut client).map_err(|e| DeployError::database("cannot read the database catalog", &e))?;
    let renderer = Renderer::load(&project.templates_dir)?;
    let mut pulled = map::map(&live, &renderer);
    let mut report = Report::default();
    let mut grant_notes: Vec<LeftOut> = Vec::new();
    let mut text = String::new();
    for round in 0..ROUNDS {
        let schema = accepted(&mut pulled, &mut text)?;
        grant_notes.clear();
        if explicit_grants(&mut pulled, &schema, &live, &mut grant_notes) {
            continue;
        }
        if round + 1 == ROUNDS {
            break;
        }
        let actual =
            read_catalog(&mut client).map_err(|e| DeployError::database("cannot read the database catalog", &e))?;
        let expected = match expected_catalog(&mut client, &schema) {
            Ok(expected) => expected,
            Err(e) => {
                report.unchecked = Some(crate::database::DbFailure::from(&e).to_string());
                break;
            }
        };
        let differences = crate::drift::compare(&expected, &actual);
        let mut refined = false;
        for finding in &differences {
            if let Some(table) = owner_policy_table(&finding.object) {
                refined |= pulled.without_owner_form(&table);
            }
        }
        if refined {
            continue;
        }
        report.differences = differences;
        break;
    }
    pulled.left_out.extend(grant_notes);
    let named: BTreeSet<&str> = pulled.left_out.iter().map(|l| l.object.as_str()).collect();
    report
        .differences
        .retain(|finding| !named.contains(finding.object.as_str()) && !covered(&named, &finding.object));
    report.left_out = pulled.left_out.clone();

    let source = SourceFile::new("schema.toml", text.clone());
    let (_, lock) = adopted_lock(project, &source)?;
    let outputs = [
        write::Output {
            path: lock.path.clone(),
            contents: lock.contents,
        },
        write::Output {
            path: project.schema_path.clone(),
            contents: text,
        },
    ];
    write::write_all(&outputs)?;
    report.written = outputs
        .iter()
        .map(|o| PathBuf::from(project.relative(&o.path)))
        .collect();
    Ok(report)
}

/// Renders the file into `text` until the generator accepts it, setting aside each object it
/// refuses ([`refine`]); stops with the generator's error when that points at nothing that can be
/// set aside.
fn accepted(pulled: &mut Pulled, text: &mut String) -> Result<Schema, DeployError> {
    // Each round sets one object aside, so this bounds the work on a hostile catalog.
    let limit = 1000
        + pulled
            .tables
            .iter()
            .map(|t| t.columns.len() + t.policies.len() + 8)
            .sum::<usize>();
    for _ in 0..limit {
        *text = write::render(pulled);
        match load_schema(&SourceFile::new(PULLED_NAME, text.clone())) {
            Ok(schema) => return Ok(schema),
            Err(error) if refine::set_aside(pulled, text, &error) => {}
            Err(error) => {
                return Err(DeployError::PulledSchemaRefused {
                    message: error.to_string(),
                });
            }
        }
    }
    Err(DeployError::PulledSchemaRefused {
        message: "the generator kept refusing the pulled file".to_owned(),
    })
}

/// A difference about something inside an object that was left out (a column of a table that
/// was left out, the grant of a table…) is already reported.
fn covered(named: &BTreeSet<&str>, object: &str) -> bool {
    let Some((kind, name)) = object.split_once(' ') else {
        return false;
    };
    let table = name.split(['.', ' ']).next().unwrap_or(name);
    kind != "table" && named.contains(format!("table {table}").as_str())
}

/// `policy t.t_owner_select` → `t`.
fn owner_policy_table(object: &str) -> Option<String> {
    let (table, policy) = object.strip_prefix("policy ")?.split_once('.')?;
    policy.starts_with(&format!("{table}_owner_")).then(|| table.to_owned())
}

/// Sets `grants = { role = [...] }` for every API role whose privileges in the database differ
/// from what the schema's policies imply. Returns whether anything changed. Privileges the
/// format cannot grant (TRUNCATE, REFERENCES, TRIGGER), and grants to `anon`/`authenticated` on a
/// table without row level security (which the generator refuses), are listed in `notes`.
fn explicit_grants(pulled: &mut Pulled, schema: &Schema, live: &introspect::Live, notes: &mut Vec<LeftOut>) -> bool {
    let mut changed = false;
    for table in &mut pulled.tables {
        let (Some(model), Some(live_table)) = (
            schema.table(&table.name),
            live.tables.iter().find(|t| t.name == table.name),
        ) else {
            continue;
        };
        for role in crate::catalog::api_roles() {
            let held = live_table.grants.get(role).cloned().unwrap_or_default();
            let extra: Vec<&str> = held
                .iter()
                .map(String::as_str)
                .filter(|p| !["SELECT", "INSERT", "UPDATE", "DELETE"].contains(p))
                .collect();
            if !extra.is_empty() {
                notes.push(LeftOut {
                    object: format!("grant {} to {role}", table.name),
                    reason: format!(
                        "`{role}` holds {}, which schema.toml cannot grant; pulled without",
                        extra.join(", ")
                    ),
                });
            }
            let mut wanted: Vec<Command> = [Command::Select, Command::Insert, Command::Update, Command::Delete]
                .into_iter()
                .filter(|c| held.contains(&c.sql().to_ascii_uppercase()))
                .collect();
            if table.rls_off && role != "service_role" && !wanted.is_empty() {
                notes.push(LeftOut {
                    object: format!("grant {} to {role}", table.name),
                    reason: format!(
                        "`{role}` holds privileges on a table without row level security, which opens every row \
                         to it; schema.toml refuses that, so it is pulled without them (turn row level security \
                         on, or revoke them)"
                    ),
                });
                wanted.clear();
            }
            let implied: Vec<Command> = model
                .grants
                .iter()
                .find(|g| g.role.sql() == role)
                .map(|g| g.privileges.clone())
                .unwrap_or_default();
            if implied != wanted {
                let list: Vec<String> = wanted.iter().map(|c| c.sql().to_owned()).collect();
                match table.grants.iter_mut().find(|(r, _)| r == role) {
                    Some((_, existing)) => *existing = list,
                    None => table.grants.push((role.to_owned(), list)),
                }
                changed = true;
            }
        }
    }
    changed
}
