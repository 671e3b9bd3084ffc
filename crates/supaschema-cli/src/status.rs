//! `supaschema status`: local migrations against the applied ones, like
//! `supabase migration list` (`Local | Remote | Time (UTC)`).

use crate::finding::{Finding, Kind};
use crate::history;
use crate::local;
use crate::pending::{self, Pending};
use crate::{DeployError, database};
use std::cmp::Ordering;
use std::io::Write;
use supaschema_build::Project;

/// One line of the listing: a version present locally, remotely, or both.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StatusRow {
    pub local: String,
    pub remote: String,
    pub time: String,
}

/// The listing and what it means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub rows: Vec<StatusRow>,
    /// Whether `supabase_migrations.schema_migrations` exists.
    pub history_exists: bool,
    pub pending: Vec<String>,
    pub remote_only: Vec<String>,
    pub out_of_order: Vec<String>,
}

pub fn read(project: &Project, url: &str, err: &mut dyn Write) -> Result<Status, DeployError> {
    let listed = local::list(&project.migrations_dir)?;
    for warning in &listed.warnings {
        let _ = writeln!(err, "{warning}");
    }
    let mut client = database::connect(url)?;
    let remote = history::applied_versions(&mut client)?;
    let history_exists = remote.is_some();
    let remote = remote.unwrap_or_default();
    let local_versions: Vec<String> = listed.migrations.iter().map(|m| m.version.clone()).collect();
    let rows = merge(&local_versions, &remote);
    let (pending, remote_only, out_of_order) = match pending::find(&listed.migrations, &remote) {
        Pending::Ready(files) => (files.iter().map(|m| m.version.clone()).collect(), vec![], vec![]),
        Pending::RemoteMissingLocally(versions) => (vec![], versions, vec![]),
        Pending::OutOfOrder {
            out_of_order,
            include_all,
        } => (
            include_all.iter().map(|m| m.version.clone()).collect(),
            vec![],
            out_of_order.iter().map(|m| m.version.clone()).collect(),
        ),
    };
    Ok(Status {
        rows,
        history_exists,
        pending,
        remote_only,
        out_of_order,
    })
}

impl Status {
    /// What a script should know: each pending, remote-only and out-of-order version.
    pub fn findings(&self) -> Vec<Finding> {
        let pending = self.pending.iter().map(|version| {
            let detail = if self.out_of_order.contains(version) {
                format!("{version} is not applied and is older than the newest applied migration")
            } else {
                format!("{version} is not applied yet")
            };
            let kind = if self.out_of_order.contains(version) {
                Kind::OutOfOrder
            } else {
                Kind::Pending
            };
            Finding::new(kind, version.clone(), detail)
        });
        let remote_only = self.remote_only.iter().map(|version| {
            Finding::new(
                Kind::RemoteOnly,
                version.clone(),
                format!("{version} is applied on the database but has no local file"),
            )
        });
        pending.chain(remote_only).collect()
    }
}

/// Merges the two sorted lists comparing versions as numbers, as `migration list` does.
pub fn merge(local: &[String], remote: &[String]) -> Vec<StatusRow> {
    let mut rows = Vec::new();
    let (mut l, mut r) = (0, 0);
    while l < local.len() || r < remote.len() {
        let order = match (local.get(l), remote.get(r)) {
            (Some(a), Some(b)) => compare_versions(a, b),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        match order {
            Ordering::Less => {
                rows.push(row(&local[l], ""));
                l += 1;
            }
            Ordering::Greater => {
                rows.push(row("", &remote[r]));
                r += 1;
            }
            Ordering::Equal => {
                rows.push(row(&local[l], &remote[r]));
                l += 1;
                r += 1;
            }
        }
    }
    rows
}

fn row(local: &str, remote: &str) -> StatusRow {
    let version = if local.is_empty() { remote } else { local };
    StatusRow {
        local: local.to_owned(),
        remote: remote.to_owned(),
        time: version_time(version),
    }
}

fn compare_versions(a: &str, b: &str) -> Ordering {
    match (a.parse::<u128>(), b.parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
    }
}

/// `2024-01-01 00:00:00` for a 14-digit version; other versions as they are.
pub fn version_time(version: &str) -> String {
    match chrono::NaiveDateTime::parse_from_str(version, "%Y%m%d%H%M%S") {
        Ok(time) if version.len() == 14 => time.format("%Y-%m-%d %H:%M:%S").to_string(),
        _ => version.to_owned(),
    }
}

/// The table `supabase migration list` prints.
pub fn render_table(rows: &[StatusRow]) -> String {
    let headers = ["Local", "Remote", "Time (UTC)"];
    let cells: Vec<[&str; 3]> = rows
        .iter()
        .map(|r| [r.local.as_str(), r.remote.as_str(), r.time.as_str()])
        .collect();
    let mut widths = headers.map(str::len);
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.len());
        }
    }
    let format_line = |line: [&str; 3]| {
        let padded: Vec<String> = line
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!(" {cell:<width$} "))
            .collect();
        format!("  {}", padded.join("|").trim_end())
    };
    let mut out = vec![format_line(headers)];
    out.push(format!("  {}", widths.map(|w| "-".repeat(w + 2)).join("|")));
    out.extend(cells.into_iter().map(format_line));
    out.join("\n") + "\n"
}

/// Prints the status; `json` gives `{"migrations": [{"local", "remote", "time"}]}` like the
/// CLI's `--output-format json`, with the [`Status::findings`] beside it as `"findings"`.
pub fn print(status: &Status, json: bool, out: &mut dyn Write, err: &mut dyn Write) {
    if json {
        let value = serde_json::json!({ "migrations": status.rows, "findings": status.findings() });
        let _ = writeln!(out, "{value}");
    } else {
        let _ = write!(out, "\n{}\n", render_table(&status.rows));
    }
    if !status.history_exists {
        let _ = writeln!(
            err,
            "The database has no supabase_migrations.schema_migrations table yet: nothing is applied."
        );
    }
    if !status.remote_only.is_empty() {
        let _ = writeln!(
            err,
            "Remote migration versions not found in local migrations directory: {}\n\
             (push refuses until they are restored locally or repaired with \
             `supabase migration repair --status reverted {}`)",
            status.remote_only.join(", "),
            status.remote_only.join(" ")
        );
    }
    if !status.out_of_order.is_empty() {
        let _ = writeln!(
            err,
            "Local migrations older than the last applied one: {} (push needs --include-all)",
            status.out_of_order.join(", ")
        );
    }
    if status.remote_only.is_empty() {
        match status.pending.len() {
            0 => {
                let _ = writeln!(err, "Remote database is up to date.");
            }
            n => {
                let _ = writeln!(err, "{n} migration(s) pending: {}", status.pending.join(", "));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn merges_numerically() {
        let rows = merge(
            &strings(&["20240101000000", "20240102000000", "20240109"]),
            &strings(&["20240101000000", "20240103000000"]),
        );
        let pairs: Vec<(&str, &str)> = rows.iter().map(|r| (r.local.as_str(), r.remote.as_str())).collect();
        assert_eq!(
            pairs,
            [
                ("20240101000000", "20240101000000"),
                ("20240102000000", ""),
                ("20240109", ""),
                ("", "20240103000000")
            ]
        );
        assert_eq!(rows[0].time, "2024-01-01 00:00:00");
        assert_eq!(rows[2].time, "20240109");
    }

    #[test]
    fn renders_the_cli_columns() {
        let table = render_table(&merge(&strings(&["20240101000000"]), &[]));
        assert!(table.contains("Local          | Remote | Time (UTC)"), "{table}");
        assert!(
            table.contains("20240101000000 |        | 2024-01-01 00:00:00"),
            "{table}"
        );
    }
}
