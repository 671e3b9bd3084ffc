//! TLS with libpq's meaning of `sslmode` and `sslrootcert`, through rustls. The `postgres`
//! crate knows only `disable`, `prefer` and `require` and verifies nothing itself, so both
//! parameters are taken out of the connection string here, and the certificate checks each
//! mode asks for are made by the verifier below.

use crate::DeployError;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// libpq's `sslmode` values, with libpq's default, `prefer`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it, else plain; the certificate is checked only against a CA
    /// file that is given (or at libpq's default place).
    #[default]
    Prefer,
    /// TLS or no connection; certificate checked as for `prefer`.
    Require,
    /// TLS, and the server's certificate must be signed by the CA in `sslrootcert`.
    VerifyCa,
    /// As `verify-ca`, and the certificate must name the host connected to.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, DeployError> {
        Ok(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(DeployError::BadDatabaseUrl {
                    reason: format!("sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"),
                });
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    fn verifies(self) -> bool {
        matches!(self, SslMode::VerifyCa | SslMode::VerifyFull)
    }
}

/// The TLS parameters of a connection string, and the string without them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsSettings {
    pub mode: SslMode,
    /// The CA file: `sslrootcert`, else `~/.postgresql/root.crt` when it exists (as libpq).
    pub root_cert: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of a URL (`postgresql://…?sslmode=…`) or a key/value
/// string (`host=… sslmode=…`); `PGSSLMODE` and `PGSSLROOTCERT` stand in for them, as in libpq.
pub fn take_settings(url: &str) -> Result<(String, TlsSettings), DeployError> {
    let (rest, found) = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        take_from_uri(url)
    } else {
        take_from_key_values(url)
    };
    let lookup = |key: &str, env: &str| {
        found
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .or_else(|| std::env::var(env).ok().filter(|v| !v.is_empty()))
    };
    let mode = match lookup("sslmode", "PGSSLMODE") {
        Some(value) => SslMode::parse(&value)?,
        None => SslMode::default(),
    };
    let root_cert = match lookup("sslrootcert", "PGSSLROOTCERT") {
        Some(path) => Some(PathBuf::from(path)),
        None => std::env::var_os("HOME")
            .map(|home| Path::new(&home).join(".postgresql/root.crt"))
            .filter(|path| path.is_file()),
    };
    Ok((rest, TlsSettings { mode, root_cert }))
}

const TAKEN: [&str; 2] = ["sslmode", "sslrootcert"];

fn take_from_uri(url: &str) -> (String, Vec<(String, String)>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_owned(), Vec::new());
    };
    let decode = |text: &str| {
        percent_encoding::percent_decode_str(text)
            .decode_utf8_lossy()
            .into_owned()
    };
    let mut found = Vec::new();
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key);
        if TAKEN.contains(&key.as_str()) {
            found.push((key, decode(value)));
        } else {
            kept.push(pair);
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    (rest, found)
}

/// libpq's `key = value` pairs, values bare or single-quoted with `\` escapes.
fn take_from_key_values(text: &str) -> (String, Vec<(String, String)>) {
    let mut found = Vec::new();
    let mut rest = String::new();
    let mut chars = text.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else { break };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        chars.next_if(|(_, c)| *c == '=');
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        let quoted = chars.next_if(|(_, c)| *c == '\'').is_some();
        while let Some((_, c)) = chars.next() {
            match c {
                '\\' => value.extend(chars.next().map(|(_, c)| c)),
                '\'' if quoted => break,
                c if c.is_whitespace() && !quoted => break,
                c => value.push(c),
            }
        }
        let end = chars.peek().map_or(text.len(), |(i, _)| *i);
        if TAKEN.contains(&key.as_str()) {
            found.push((key, value));
        } else {
            rest.push_str(text[start..end].trim_end());
            rest.push(' ');
        }
    }
    (rest.trim_end().to_owned(), found)
}

/// The rustls configuration for a mode: no certificate check for `prefer` and `require`
/// without a CA file, the chain for `verify-ca` (and for the lower modes given a CA file, as
/// libpq does), the chain and the host name for `verify-full`.
pub fn client_config(settings: &TlsSettings) -> Result<ClientConfig, DeployError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = match &settings.root_cert {
        Some(path) => Some(root_store(path)?),
        None if settings.mode.verifies() => return Err(DeployError::NoRootCertificate { mode: settings.mode }),
        None => None,
    };
    let chain = match roots {
        Some(roots) => Some(
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| DeployError::BadRootCertificate {
                    path: settings.root_cert.clone().unwrap_or_default(),
                    reason: e.to_string(),
                })?,
        ),
        None => None,
    };
    let verifier = Verifier {
        chain,
        check_name: settings.mode == SslMode::VerifyFull,
        algorithms: provider.signature_verification_algorithms,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DeployError::BadDatabaseUrl { reason: e.to_string() })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

fn root_store(path: &Path) -> Result<RootCertStore, DeployError> {
    let bad = |reason: String| DeployError::BadRootCertificate {
        path: path.to_owned(),
        reason,
    };
    let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(e.to_string()))?
        .collect::<Result<_, _>>()
        .map_err(|e| bad(e.to_string()))?;
    if certificates.is_empty() {
        return Err(bad("it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into()));
    }
    let mut store = RootCertStore::empty();
    for certificate in certificates {
        store.add(certificate).map_err(|e| bad(e.to_string()))?;
    }
    Ok(store)
}

/// libpq's checks on the server's certificate: none without a CA file; with one, the chain;
/// for `verify-full`, the host name too. The handshake's signatures are always verified.
#[derive(Debug)]
struct Verifier {
    chain: Option<Arc<WebPkiServerVerifier>>,
    check_name: bool,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(chain) = &self.chain else {
            return Ok(ServerCertVerified::assertion());
        };
        match chain.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            // The chain is checked before the name: a wrong name means the chain was good.
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.check_name => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Why the server's certificate was refused, when that is why the connection failed.
pub fn certificate_problem(error: &postgres::Error) -> Option<String> {
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        let rustls_error = current
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .or_else(|| current.downcast_ref::<rustls::Error>());
        if let Some(rustls::Error::InvalidCertificate(problem)) = rustls_error {
            return Some(match problem {
                CertificateError::UnknownIssuer | CertificateError::BadSignature => {
                    "it is not signed by a CA in the sslrootcert file".to_owned()
                }
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                    "it is not issued for the host name in the URL (sslmode=verify-full checks the name: \
                     connect by the name the certificate carries, or use sslmode=verify-ca)"
                        .to_owned()
                }
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => "it has expired".to_owned(),
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "it is not valid yet".to_owned()
                }
                other => format!("{other:?}"),
            });
        }
        cause = current.source();
    }
    None
}

/// Whether the server refused a connection because it was not encrypted (a `hostssl`-only
/// `pg_hba.conf`, or Supabase's "Enforce SSL").
pub fn refused_without_tls(error: &postgres::Error) -> bool {
    error.as_db_error().is_some_and(|db| {
        db.code().code() == "28000" && (db.message().ends_with("no encryption") || db.message().contains("SSL off"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(url: &str) -> (String, Vec<(String, String)>) {
        if url.starts_with("postgresql://") {
            take_from_uri(url)
        } else {
            take_from_key_values(url)
        }
    }

    #[test]
    fn takes_the_tls_parameters_out_of_a_url() {
        let (rest, found) =
            take("postgresql://u:p%3F@h:5432/db?sslmode=verify-full&application_name=x&sslrootcert=%2Ftmp%2Fca.pem");
        assert_eq!(rest, "postgresql://u:p%3F@h:5432/db?application_name=x");
        assert_eq!(
            found,
            [
                ("sslmode".to_owned(), "verify-full".to_owned()),
                ("sslrootcert".to_owned(), "/tmp/ca.pem".to_owned())
            ]
        );
        assert_eq!(take("postgresql://h/db?sslmode=require").0, "postgresql://h/db");
    }

    #[test]
    fn takes_the_tls_parameters_out_of_key_values() {
        let (rest, found) = take("host=h sslmode = verify-ca  sslrootcert='/my certs/ca.pem' user='o\\'neil'");
        assert_eq!(rest, "host=h user='o\\'neil'");
        assert_eq!(
            found,
            [
                ("sslmode".to_owned(), "verify-ca".to_owned()),
                ("sslrootcert".to_owned(), "/my certs/ca.pem".to_owned())
            ]
        );
    }

    #[test]
    fn an_unknown_mode_is_refused_with_the_known_ones() {
        let error = SslMode::parse("verify").expect_err("not a mode");
        assert!(
            error
                .to_string()
                .contains("disable, prefer, require, verify-ca, verify-full")
        );
    }
}
