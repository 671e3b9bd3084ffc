//! `supaschema discard`: removes the newest generated migration and rewinds the lock, so that a
//! migration that failed on push (or was simply wrong) can be fixed in `schema.toml` and
//! generated again, instead of queueing a second migration behind the broken one. Refused
//! when a database the user names has it applied; without one, only with `--force`.

use crate::{DeployError, database, history};
use supaschema_build::Project;
use supaschema_build::discard;

/// What was removed: the migration file (or the two of one change), relative to the project.
#[derive(Debug)]
pub struct Discarded {
    pub file: String,
}

pub fn run(project: &Project, urls: &[String], force: bool) -> Result<Discarded, DeployError> {
    let plan = discard::plan(project)?;
    let file = plan
        .migrations
        .iter()
        .map(|m| project.relative(&m.path))
        .collect::<Vec<_>>()
        .join(" and ");
    if urls.is_empty() && !force {
        return Err(DeployError::DiscardUnchecked { file });
    }
    for url in urls {
        let mut client = database::connect(url)?;
        let applied = history::applied_versions(&mut client)?.unwrap_or_default();
        if plan.migrations.iter().any(|m| applied.contains(&m.version)) {
            return Err(DeployError::DiscardApplied {
                file,
                target: database::describe_url(url),
            });
        }
    }
    plan.apply()?;
    Ok(Discarded { file })
}
