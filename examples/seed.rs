//! Fills a migrated, empty receptionist database with realistic volume: by default 50 doctors,
//! 100 000 patients, 1 000 000 appointments, 200 000 conversations, 5 000 000 messages and
//! 200 000 webhook receipts; `--scale 0.01` makes a hundredth of it. The rows are written with
//! `COPY` (see `benches/common/seed.rs` for what they look like and which constraints hold).
//!
//! ```sh
//! cargo run --release --example seed -- --scale 0.01   # DATABASE_URL, else postgres@127.0.0.1:5432
//! ```

#[path = "../benches/common/seed.rs"]
mod seed;

use std::str::FromStr;

fn main() -> seed::Result<()> {
    let mut scale = 1.0;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--scale" => scale = args.next().ok_or("--scale needs a number")?.parse()?,
            other => return Err(format!("unknown argument {other}; usage: seed [--scale FACTOR]").into()),
        }
    }
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut client = postgres::Config::from_str(&url)?.connect(postgres::NoTls)?;
    let volume = seed::Volume::scaled(scale);
    println!("seeding {volume:?}");
    let seeded = seed::seed(&mut client, volume, &mut |line| println!("  {line}"))?;
    let rows: usize = seeded.tables.iter().map(|(_, rows, _)| rows).sum();
    let seconds: f64 = seeded.tables.iter().map(|(_, _, s)| s).sum();
    println!(
        "{} doctors, {rows} rows in {seconds:.1} s of COPY, centred on {}; the first doctor's busiest conversation is {}",
        seeded.doctors.len(),
        seeded.now,
        seeded.busiest_conversation
    );
    Ok(())
}
