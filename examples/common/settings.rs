//! The settings of the booking examples, from the environment, with a message naming what to
//! set when one is missing or wrong.

use uuid::Uuid;

/// What `--help` and a missing setting print.
pub const USAGE: &str = "\
Books an appointment as a doctor, through row level security.

Environment:
  DATABASE_URL  a connection string to a database with the receptionist migrations applied,
                e.g. postgresql://postgres@127.0.0.1:5432/postgres (the local Supabase
                database is postgresql://postgres:postgres@127.0.0.1:54322/postgres)
  DOCTOR_ID     the doctor's user id: `id` of their row in auth.users (Supabase dashboard:
                Authentication > Users > User UID)

The program switches to role `authenticated` with DOCTOR_ID as the JWT's `sub`, as the Data
API does for that doctor's requests, so it sees and writes only that doctor's rows.";

/// Where to connect and whom to act as.
pub struct Settings {
    pub database_url: String,
    pub doctor_id: Uuid,
}

impl Settings {
    /// The settings from `DATABASE_URL` and `DOCTOR_ID`; `Err` holds what to print: the usage
    /// for `--help`, else what is missing or wrong and the usage.
    pub fn from_env() -> Result<Settings, String> {
        let args: Vec<String> = std::env::args().skip(1).collect();
        Settings::from(&args, |name| std::env::var(name).ok())
    }

    /// [`Settings::from_env`] with the arguments and variables given.
    pub fn from(args: &[String], var: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
        if args.iter().any(|a| a == "--help" || a == "-h") {
            return Err(USAGE.to_owned());
        }
        let read = |name: &str| var(name).ok_or_else(|| format!("error: set {name}\n\n{USAGE}"));
        let database_url = read("DATABASE_URL")?;
        let doctor_id = read("DOCTOR_ID")?;
        let doctor_id = doctor_id
            .parse()
            .map_err(|_| format!("error: DOCTOR_ID is not a uuid: {doctor_id:?}\n\n{USAGE}"))?;
        Ok(Settings {
            database_url,
            doctor_id,
        })
    }
}
