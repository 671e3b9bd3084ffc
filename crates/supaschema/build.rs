//! Publishes whether the `serde` feature is on as `DEP_SUPASCHEMA_SERDE` to the build script of
//! every crate that depends on this one; `supaschema_build::Config::compile` turns it into the
//! `supaschema_serde` cfg that the generated serde derives are gated on.

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let serde = std::env::var_os("CARGO_FEATURE_SERDE").is_some();
    println!("cargo::metadata=serde={serde}");
}
