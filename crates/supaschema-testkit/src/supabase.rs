//! The pinned Supabase CLI (`package.json` at the workspace root pins it), installed with
//! `npm ci` on first use when `node_modules/` lacks it, and run without a developer's own
//! Supabase settings.

use crate::workspace_root;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longer than any healthy CLI run here (about a second); a hung CLI fails the test instead of
/// hanging it.
const CLI_TIMEOUT: Duration = Duration::from_secs(180);

/// The pinned Supabase CLI in the workspace's `node_modules/`.
pub struct SupabaseCli {
    program: PathBuf,
}

impl SupabaseCli {
    /// Finds the CLI, installing it with `npm ci` on first use, and checks it is the version
    /// `package.json` pins.
    pub fn new() -> SupabaseCli {
        static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let root = workspace_root();
        let program = root.join("node_modules/.bin/supabase");
        {
            let _installing = INSTALL.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if !program.exists() {
                let status = Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&root)
                    .stdin(Stdio::null())
                    .status();
                assert!(
                    status.as_ref().is_ok_and(|s| s.success()),
                    "`npm ci` in {} failed: {status:?}; is npm installed?",
                    root.display()
                );
            }
        }
        assert!(
            program.exists(),
            "the Supabase CLI is not installed: {} is missing.\n\
             Run `npm ci` in {} first (package.json pins the CLI version; scripts/test does this).",
            program.display(),
            root.display()
        );
        let cli = SupabaseCli { program };
        let pinned = pinned_version(&root);
        let scratch = tempfile::tempdir().expect("create a temporary directory");
        let output = cli.run_in(scratch.path(), &["--version"]);
        assert!(
            output.success() && output.stdout.trim() == pinned,
            "node_modules/.bin/supabase is not the pinned Supabase CLI {pinned}: run `npm ci`\n{output}"
        );
        cli
    }

    /// Runs `supabase <args> --workdir <project>` from inside the project folder.
    pub fn run(&self, project: &Path, args: &[&str]) -> SupabaseRun {
        let workdir = project.to_str().expect("UTF-8 project path");
        let mut args = args.to_vec();
        args.extend(["--workdir", workdir]);
        self.run_in(project, &args)
    }

    /// Runs `supabase <args>` in `cwd`, with telemetry and colour off, no standard input and
    /// none of the caller's `SUPABASE_*` settings (access token, project ref, password): only
    /// the flags say where to push.
    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> SupabaseRun {
        let mut command = Command::new(&self.program);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("SUPABASE_") {
                command.env_remove(key);
            }
        }
        command
            .env("SUPABASE_TELEMETRY_DISABLED", "1")
            .env("DO_NOT_TRACK", "1")
            .env("NO_COLOR", "1")
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let shown = format!(
            "{} {}",
            self.program.display(),
            args.iter().map(|a| redact(a)).collect::<Vec<_>>().join(" ")
        );
        let started = Instant::now();
        let mut child = command
            .spawn()
            .unwrap_or_else(|e| panic!("could not start `{shown}`: {e}"));
        let stdout = drain(child.stdout.take().expect("piped stdout"));
        let stderr = drain(child.stderr.take().expect("piped stderr"));
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for the Supabase CLI") {
                break Some(status);
            }
            if started.elapsed() > CLI_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        SupabaseRun {
            command: shown,
            code: status.and_then(|s| s.code()),
            status: match status {
                Some(status) => status.to_string(),
                None => format!("killed after {CLI_TIMEOUT:?}"),
            },
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
            elapsed: started.elapsed(),
        }
    }
}

impl Default for SupabaseCli {
    fn default() -> SupabaseCli {
        SupabaseCli::new()
    }
}

/// What one CLI run printed; its `Display` is what a failing assertion shows.
pub struct SupabaseRun {
    pub command: String,
    pub code: Option<i32>,
    pub status: String,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl SupabaseRun {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// Panics with everything the CLI printed unless it succeeded; `context` names the case.
    pub fn assert_success(&self, context: &str) {
        assert!(self.success(), "{context}: the Supabase CLI failed\n{self}");
    }

    pub fn all_output(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for SupabaseRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "$ {}", self.command)?;
        writeln!(f, "exit: {} after {:.1?}", self.status, self.elapsed)?;
        writeln!(f, "--- stdout ---\n{}", self.stdout.trim_end())?;
        write!(f, "--- stderr ---\n{}", self.stderr.trim_end())
    }
}

/// The exact `supabase` version in `package.json`'s devDependencies.
fn pinned_version(root: &Path) -> String {
    let text = std::fs::read_to_string(root.join("package.json")).expect("read package.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("package.json is JSON");
    json["devDependencies"]["supabase"]
        .as_str()
        .expect("package.json pins devDependencies.supabase")
        .to_owned()
}

/// Hides a password in a connection string shown in a test failure.
fn redact(arg: &str) -> String {
    match (arg.find("://"), arg.find('@')) {
        (Some(scheme), Some(at)) if scheme < at => {
            let userinfo = &arg[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &arg[..scheme + 3], &arg[at..]),
                None => arg.to_owned(),
            }
        }
        _ => arg.to_owned(),
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}
