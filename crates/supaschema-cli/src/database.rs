//! The connection: from `--db-url` or `DATABASE_URL`, over TLS as its `sslmode` says ([`tls`]),
//! with a timeout, and database errors reduced to what is safe to print.

use crate::DeployError;
use crate::tls::{self, SslMode};
use postgres::{Client, Config, NoTls};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long to wait for an unreachable server before saying so.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A database error as it may be shown: the SQLSTATE and the server's message. The DETAIL
/// (which can hold the failing row: "Failing row contains (…)") and the HINT are left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbFailure {
    pub sqlstate: Option<String>,
    pub message: String,
}

impl From<&postgres::Error> for DbFailure {
    fn from(error: &postgres::Error) -> DbFailure {
        match error.as_db_error() {
            Some(db) => DbFailure {
                sqlstate: Some(db.code().code().to_owned()),
                message: db.message().to_owned(),
            },
            None => DbFailure {
                sqlstate: error.code().map(|c| c.code().to_owned()),
                message: non_server_message(error),
            },
        }
    }
}

/// The message of an error the server did not send (I/O, closed connection), with its causes.
fn non_server_message(error: &postgres::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

impl fmt::Display for DbFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sqlstate {
            Some(code) => write!(f, "ERROR: {} (SQLSTATE {code})", self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

/// The URL to use: the flag's, else `DATABASE_URL` (clap fills both into one option).
pub fn require_url(url: Option<&str>) -> Result<&str, DeployError> {
    match url {
        Some(url) if !url.trim().is_empty() => Ok(url),
        _ => Err(DeployError::NoDatabaseUrl),
    }
}

/// Where a URL points, for messages: `host:port/dbname` as user, never the password.
pub fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(host)) => host.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(path)) => path.display().to_string(),
        None => "localhost".to_owned(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let database = config.get_dbname().unwrap_or("(default database)");
    let user = config.get_user().unwrap_or("(default user)");
    format!("{host}:{port}/{database} as {user}")
}

/// Where a URL points, as [`describe`] shows it; the URL has been connected to already, so it
/// parses.
pub fn describe_url(url: &str) -> String {
    tls::take_settings(url)
        .ok()
        .and_then(|(url, _)| Config::from_str(&url).ok())
        .map_or_else(|| "the database".to_owned(), |config| describe(&config))
}

/// Opens a connection, over TLS as `sslmode` asks (libpq's meanings; `prefer` by default).
pub fn connect(url: &str) -> Result<Client, DeployError> {
    let (url, settings) = tls::take_settings(url)?;
    let mut config = Config::from_str(&url).map_err(|e| DeployError::BadDatabaseUrl {
        reason: DbFailure::from(&e).message,
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    config.application_name("supaschema");
    let connected = match settings.mode {
        SslMode::Disable => config.ssl_mode(postgres::config::SslMode::Disable).connect(NoTls),
        mode => {
            let tls = MakeRustlsConnect::new(tls::client_config(&settings)?);
            let wanted = match mode {
                SslMode::Prefer => postgres::config::SslMode::Prefer,
                _ => postgres::config::SslMode::Require,
            };
            config.ssl_mode(wanted).connect(tls)
        }
    };
    connected.map_err(|error| {
        let target = describe(&config);
        if let Some(reason) = tls::certificate_problem(&error) {
            return DeployError::Certificate {
                target,
                mode: settings.mode,
                root_cert: settings.root_cert.clone().unwrap_or_default(),
                reason,
            };
        }
        if settings.mode == SslMode::Disable && tls::refused_without_tls(&error) {
            return DeployError::TlsRequired { target };
        }
        DeployError::Connect {
            target,
            reason: DbFailure::from(&error).to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_without_the_password() {
        let config = Config::from_str("postgresql://alice:s3cret@db.example:6543/app").expect("valid");
        let shown = describe(&config);
        assert_eq!(shown, "db.example:6543/app as alice");
        assert!(!shown.contains("s3cret"));
    }

    #[test]
    fn a_missing_url_is_a_clear_error() {
        assert!(matches!(require_url(None), Err(DeployError::NoDatabaseUrl)));
        assert!(matches!(require_url(Some("  ")), Err(DeployError::NoDatabaseUrl)));
    }
}
