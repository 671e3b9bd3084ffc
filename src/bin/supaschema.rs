//! `supaschema`: deploys and checks the migrations generated from `schema.toml`. All the work
//! is in the library's `deploy` module; see `supaschema --help` and the README's "Deploying".

fn main() {
    let code = supaschema::deploy::cli::run(std::env::args_os(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
