//! `supaschema`: starts projects, deploys and checks the migrations generated from
//! `schema.toml`. All the work is in the library; see `supaschema --help`.

fn main() {
    let code = supaschema_cli::cli::run(std::env::args_os(), &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
