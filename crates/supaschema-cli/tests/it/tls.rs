//! TLS under each `sslmode`, against the local server, which serves TLS with its own
//! self-signed certificate (`ssl_cert_file`): what libpq connects with connects, and what
//! libpq refuses is refused with a message that says which certificate failed and how to pass
//! the CA. Every run gets an empty HOME, so no `~/.postgresql/root.crt` takes part.

use crate::common::{Run, fixture_project, supaschema};
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use supaschema_testkit::{Grants, TLS_ONLY_ROLE, TempProject, TestDb, ensure_tls_only_role, server_config};
use x509_cert::der::{Decode, DecodePem};

/// The parts of the test database's URL, to put together with other TLS parameters.
struct Target {
    user: String,
    host: String,
    port: u16,
    database: String,
}

impl Target {
    fn of(db: &TestDb) -> Target {
        let server = server_config();
        let host = match server.get_hosts().first() {
            Some(postgres::config::Host::Tcp(host)) => host.clone(),
            _ => "127.0.0.1".to_owned(),
        };
        let database: String = db
            .connect()
            .query_one("select current_database()::text", &[])
            .expect("database name")
            .get(0);
        Target {
            user: server.get_user().unwrap_or("postgres").to_owned(),
            host,
            port: server.get_ports().first().copied().unwrap_or(5432),
            database,
        }
    }

    fn url(&self, host: &str, params: &str) -> String {
        format!(
            "postgresql://{}@{host}:{}/{}?{params}",
            self.user, self.port, self.database
        )
    }

    /// The server's address, for `hostaddr` when the URL names the host by its certificate.
    fn address(&self) -> String {
        (self.host.as_str(), self.port)
            .to_socket_addrs()
            .expect("resolve the test server")
            .next()
            .expect("an address")
            .ip()
            .to_string()
    }
}

/// The server's certificate file and the first DNS name it is issued for.
fn server_certificate(db: &TestDb) -> (PathBuf, String) {
    let path: String = db
        .connect()
        .query_one("select current_setting('ssl_cert_file')", &[])
        .expect("ssl_cert_file")
        .get(0);
    let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let certificate = x509_cert::Certificate::from_pem(&pem).expect("a PEM certificate");
    let names = certificate
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME)
        .flat_map(|e| {
            x509_cert::ext::pkix::SubjectAltName::from_der(e.extn_value.as_bytes())
                .expect("subjectAltName")
                .0
        });
    let name = names
        .into_iter()
        .find_map(|name| match name {
            x509_cert::ext::pkix::name::GeneralName::DnsName(dns) => Some(dns.to_string()),
            _ => None,
        })
        .expect("the server certificate names a DNS host");
    (PathBuf::from(path), name)
}

fn run(project: &Path, args: &[&str], home: &Path) -> Run {
    supaschema(project, args, &[("HOME", home.to_str().expect("utf-8 temp path"))])
}

/// A project with one migration that records whether its own session is encrypted.
fn recording_project() -> TempProject {
    let project = fixture_project();
    project.clear_migrations();
    project.add_migration(
        "20240101000000_seen.sql",
        "create table public.seen as select ssl from pg_stat_ssl where pid = pg_backend_pid();",
    );
    project
}

fn pushed_over_tls(db: &mut TestDb) -> bool {
    db.client
        .query_one("select ssl from public.seen", &[])
        .expect("the push recorded its session")
        .get(0)
}

#[test]
fn require_and_the_default_prefer_encrypt_and_disable_does_not() {
    let home = tempfile::tempdir().expect("temp HOME");
    for (params, encrypted) in [("sslmode=require", true), ("", true), ("sslmode=disable", false)] {
        let project = recording_project();
        let mut db = TestDb::new(Grants::Explicit);
        let target = Target::of(&db);
        let url = target.url(&target.host, params);
        let pushed = run(project.path(), &["push", "--db-url", &url], home.path());
        assert_eq!(pushed.code, Some(0), "{params}: {pushed}");
        assert_eq!(pushed_over_tls(&mut db), encrypted, "{params}: {pushed}");
    }
}

#[test]
fn verify_full_with_the_servers_certificate_connects_by_the_name_it_carries() {
    let home = tempfile::tempdir().expect("temp HOME");
    let project = recording_project();
    let mut db = TestDb::new(Grants::Explicit);
    let target = Target::of(&db);
    let (certificate, name) = server_certificate(&db);
    // libpq's way to check the name on the certificate while connecting to an address.
    let params = format!(
        "sslmode=verify-full&sslrootcert={}&hostaddr={}",
        certificate.display(),
        target.address()
    );
    let pushed = run(
        project.path(),
        &["push", "--db-url", &target.url(&name, &params)],
        home.path(),
    );
    assert_eq!(pushed.code, Some(0), "{pushed}");
    assert!(pushed_over_tls(&mut db), "{pushed}");
}

#[test]
fn verify_ca_checks_the_chain_and_verify_full_the_host_name() {
    let home = tempfile::tempdir().expect("temp HOME");
    let project = fixture_project();
    let db = TestDb::new(Grants::Explicit);
    let target = Target::of(&db);
    let (certificate, name) = server_certificate(&db);
    let address = target.address();
    assert_ne!(address, name, "the certificate must name a host, not the address");
    let root = format!("sslrootcert={}", certificate.display());

    let chain_only = target.url(&address, &format!("sslmode=verify-ca&{root}"));
    let status = run(project.path(), &["status", "--db-url", &chain_only], home.path());
    assert_eq!(status.code, Some(0), "{status}");

    let by_address = target.url(&address, &format!("sslmode=verify-full&{root}"));
    let refused = run(project.path(), &["status", "--db-url", &by_address], home.path());
    assert_eq!(refused.code, Some(2), "{refused}");
    for expected in [
        "the server's certificate failed the sslmode=verify-full check",
        &certificate.display().to_string(),
        "not issued for the host name",
        &format!("{address}:{}", target.port),
    ] {
        assert!(refused.stderr.contains(expected), "missing {expected:?}:\n{refused}");
    }
    assert!(
        !refused.stderr.contains("check the host, port, user and password"),
        "{refused}"
    );
}

#[test]
fn verify_full_without_a_ca_file_is_refused_before_connecting() {
    let home = tempfile::tempdir().expect("temp HOME");
    let project = fixture_project();
    let db = TestDb::new(Grants::Explicit);
    let target = Target::of(&db);
    let url = target.url(&target.host, "sslmode=verify-full");
    let refused = run(project.path(), &["status", "--db-url", &url], home.path());
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(
        refused
            .stderr
            .contains("sslmode=verify-full checks the server's certificate, but no CA certificate was given"),
        "{refused}"
    );
    assert!(refused.stderr.contains("add sslrootcert=<file>"), "{refused}");
}

#[test]
fn disable_against_a_server_that_requires_tls_fails_clearly() {
    ensure_tls_only_role();
    let home = tempfile::tempdir().expect("temp HOME");
    let project = fixture_project();
    let db = TestDb::new(Grants::Explicit);
    let target = Target {
        user: TLS_ONLY_ROLE.to_owned(),
        ..Target::of(&db)
    };
    let plain = target.url(&target.host, "sslmode=disable");
    let refused = run(project.path(), &["status", "--db-url", &plain], home.path());
    assert_eq!(refused.code, Some(2), "{refused}");
    assert!(
        refused
            .stderr
            .contains("the server accepts only encrypted connections, and the URL says sslmode=disable"),
        "{refused}"
    );

    let encrypted = target.url(&target.host, "sslmode=require");
    let status = run(project.path(), &["status", "--db-url", &encrypted], home.path());
    assert_eq!(status.code, Some(0), "the same role over TLS: {status}");
}
