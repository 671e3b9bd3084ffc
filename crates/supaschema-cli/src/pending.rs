//! Which local migrations a push applies: the CLI's `FindPendingMigrations` (2.117.0), which
//! walks the sorted local and remote version lists comparing versions as strings.

use crate::local::LocalMigration;

/// How the local files relate to the applied versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pending<'a> {
    /// These files follow every applied version: push them in this order.
    Ready(Vec<&'a LocalMigration>),
    /// Applied versions with no local file: the history is ahead of (or apart from) the
    /// folder. Nothing may be pushed.
    RemoteMissingLocally(Vec<String>),
    /// Local files older than the newest applied version and not applied themselves.
    OutOfOrder {
        out_of_order: Vec<&'a LocalMigration>,
        /// What `--include-all` pushes: the out-of-order files, then the newer ones.
        include_all: Vec<&'a LocalMigration>,
    },
}

pub fn find<'a>(local: &'a [LocalMigration], remote: &[String]) -> Pending<'a> {
    let mut sorted: Vec<&LocalMigration> = local.iter().collect();
    sorted.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    let mut out_of_order = Vec::new();
    let mut missing_locally = Vec::new();
    let (mut r, mut l) = (0, 0);
    while r < remote.len() && l < sorted.len() {
        let remote_version = remote[r].as_str();
        let local_version = sorted[l].version.as_str();
        if remote_version == local_version {
            r += 1;
            l += 1;
        } else if remote_version < local_version {
            missing_locally.push(remote_version.to_owned());
            r += 1;
        } else {
            out_of_order.push(sorted[l]);
            l += 1;
        }
    }
    if l == sorted.len() {
        missing_locally.extend(remote[r..].iter().cloned());
    }
    if !missing_locally.is_empty() {
        return Pending::RemoteMissingLocally(missing_locally);
    }
    if !out_of_order.is_empty() {
        let newer_from = (remote.len() + out_of_order.len()).min(sorted.len());
        let mut include_all = out_of_order.clone();
        include_all.extend(sorted[newer_from..].iter().copied());
        return Pending::OutOfOrder {
            out_of_order,
            include_all,
        };
    }
    let applied = remote.len().min(sorted.len());
    Pending::Ready(sorted[applied..].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn local(versions: &[&str]) -> Vec<LocalMigration> {
        versions
            .iter()
            .map(|v| LocalMigration {
                path: PathBuf::from(format!("{v}_m.sql")),
                file_name: format!("{v}_m.sql"),
                version: (*v).to_owned(),
                name: "m".into(),
            })
            .collect()
    }

    fn remote(versions: &[&str]) -> Vec<String> {
        versions.iter().map(|v| (*v).to_owned()).collect()
    }

    fn versions(files: &[&LocalMigration]) -> Vec<String> {
        files.iter().map(|m| m.version.clone()).collect()
    }

    #[test]
    fn pending_are_the_files_after_the_applied_ones() {
        let files = local(&["1", "2", "3"]);
        assert_eq!(find(&files, &remote(&[])), Pending::Ready(files.iter().collect()));
        match find(&files, &remote(&["1"])) {
            Pending::Ready(p) => assert_eq!(versions(&p), ["2", "3"]),
            other => panic!("{other:?}"),
        }
        assert_eq!(find(&files, &remote(&["1", "2", "3"])), Pending::Ready(vec![]));
    }

    #[test]
    fn a_remote_version_without_a_file_refuses() {
        let files = local(&["20240101000000", "20240105000000"]);
        assert_eq!(
            find(&files, &remote(&["20240101000000", "20240103000000", "20240105000000"])),
            Pending::RemoteMissingLocally(vec!["20240103000000".into()])
        );
        assert_eq!(
            find(&local(&["1"]), &remote(&["1", "2"])),
            Pending::RemoteMissingLocally(vec!["2".into()])
        );
    }

    /// The facts' experiment: remote 0101, 0103; local adds an older 0102 and a newer 0109.
    #[test]
    fn an_older_unapplied_file_refuses_unless_include_all() {
        let files = local(&["20240101000000", "20240102000000", "20240103000000", "20240109000000"]);
        match find(&files, &remote(&["20240101000000", "20240103000000"])) {
            Pending::OutOfOrder {
                out_of_order,
                include_all,
            } => {
                assert_eq!(versions(&out_of_order), ["20240102000000"]);
                assert_eq!(versions(&include_all), ["20240102000000", "20240109000000"]);
            }
            other => panic!("{other:?}"),
        }
    }
}
