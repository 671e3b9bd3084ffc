//! Generates the migrations and Rust types from `schema.toml`. All the work is library code in
//! `src/generator/`, compiled in here unchanged.

#[allow(dead_code, unused_imports)]
#[path = "src/generator/mod.rs"]
mod generator;

fn main() {
    if let Err(error) = generator::build_script::run() {
        eprintln!("{error}");
        std::process::exit(1);
    }
}
