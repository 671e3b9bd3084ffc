//! Cargo packages in temporary folders that use this checkout's crates, as a user's project
//! does: the generated Rust compiled by rustc instead of only parsed.

use crate::workspace_root;
use std::path::Path;
use std::process::Command;

/// A cargo package in a temporary folder depending on this checkout's `supaschema` runtime,
/// built with the workspace's lock (so the versions are those the workspace is tested with) in
/// a target folder shared by every such package, so the dependencies compile once.
pub struct CargoPackage {
    dir: tempfile::TempDir,
}

/// The part of `supaschema_build::Config::compile` that the generated code relies on, for a
/// package that includes generated code without running the generator: the `supaschema_serde`
/// cfg when the runtime's `serde` feature is on.
const BUILD_SCRIPT: &str = "fn main() {\n    \
    println!(\"cargo::rustc-check-cfg=cfg(supaschema_serde)\");\n    \
    if std::env::var(\"DEP_SUPASCHEMA_SERDE\").is_ok_and(|on| on == \"true\") {\n        \
        println!(\"cargo::rustc-cfg=supaschema_serde\");\n    \
    }\n}\n";

/// What a cargo command did.
pub struct CargoRun {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Display for CargoRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "success: {}\nstdout:\n{}\nstderr:\n{}",
            self.success, self.stdout, self.stderr
        )
    }
}

impl CargoPackage {
    /// A library package `name` whose `supaschema` dependency has `features`.
    pub fn new(name: &str, features: &[&str]) -> CargoPackage {
        let dir = tempfile::Builder::new()
            .prefix("supaschema-package-")
            .tempdir()
            .expect("create a temporary package directory");
        let runtime = workspace_root().join("crates/supaschema");
        let manifest = format!(
            "[package]\nname = {name:?}\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nsupaschema = {{ path = {:?}, features = {features:?} }}\n\n[workspace]\n",
            runtime.display().to_string()
        );
        let package = CargoPackage { dir };
        package.write("Cargo.toml", &manifest);
        package.write("build.rs", BUILD_SCRIPT);
        std::fs::copy(workspace_root().join("Cargo.lock"), package.path().join("Cargo.lock")).expect("copy Cargo.lock");
        package
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `text` to `relative` in the package, creating folders.
    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    /// Runs `cargo <args>` in the package with `env` set, outside the workspace's settings (no
    /// check mode, no manifest dir of the calling test).
    pub fn cargo(&self, args: &[&str], env: &[(&str, &str)]) -> CargoRun {
        let output = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
            .args(args)
            .current_dir(self.path())
            .env("CARGO_TARGET_DIR", workspace_root().join("target/generated-packages"))
            .env_remove("SUPASCHEMA_CHECK")
            .env_remove("CARGO_MANIFEST_DIR")
            .envs(env.iter().copied())
            .output()
            .expect("run cargo");
        CargoRun {
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}
