//! `scal verify`: checks a signed statement (a compact JWS) offline, against a saved copy of a
//! JSON Web Key Set: by default a certificate (its `typ` must be `scal-certificate`, so an audit
//! checkpoint or any other statement the same keys sign cannot pass for one), or with `--typ` another
//! kind (`scal-audit-checkpoint`); or, with `--agreement`, a connection agreement's seal document
//! (each sealed field against its SHA-256, then the seal hash). It reads no settings and opens no
//! database.

use std::path::PathBuf;
use std::process::ExitCode;

use scal_domain::signing::{verify_typed, Jwks};

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The signed statement: a compact JWS (header.payload.signature)
    #[arg(required_unless_present = "agreement")]
    pub file: Option<PathBuf>,
    /// The keys to check it with: a saved copy of scal's /.well-known/jwks.json
    #[arg(long, required_unless_present = "agreement")]
    pub jwks: Option<PathBuf>,
    /// The kind of statement it must be (the JWS header's `typ`): a certificate unless told,
    /// `scal-audit-checkpoint` for an audit checkpoint
    #[arg(long, default_value = scal_domain::certificate::JWS_TYPE, conflicts_with = "agreement")]
    pub typ: String,
    /// Check a connection agreement's seal instead: the seal document saved from the agreement
    /// page (or `GET /api/v1/agreements/{id}/seal`)
    #[arg(long, conflicts_with_all = ["file", "jwks"])]
    pub agreement: Option<PathBuf>,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

/// Exit 0 when every check passes, 1 naming the check that failed, 2 when a file cannot be read.
pub fn run(args: &VerifyArgs) -> ExitCode {
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    if let Some(path) = &args.agreement {
        return match read(path) {
            Ok(bytes) => agreement(&bytes, args.json),
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        };
    }
    let (Some(file), Some(jwks_path)) = (&args.file, &args.jwks) else {
        eprintln!("error: give the signed statement and --jwks, or --agreement");
        return ExitCode::from(2);
    };
    let inputs = read(file).and_then(|jws| {
        let jwks = read(jwks_path)
            .and_then(|bytes| Jwks::parse(&bytes).map_err(|e| format!("{}: {e}", jwks_path.display())))?;
        Ok((String::from_utf8_lossy(&jws).into_owned(), jwks))
    });
    let (jws, jwks) = match inputs {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match verify_typed(&jws, &jwks, &args.typ) {
        Ok(verified) => {
            let typ = verified.header.typ.clone().unwrap_or_default();
            if args.json {
                let out = serde_json::json!({
                    "verified": true,
                    "kid": verified.kid,
                    "typ": typ,
                    "payload": verified.json,
                });
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                println!("verified: signed by key {} (typ {typ})", verified.kid);
                println!("{}", serde_json::to_string_pretty(&verified.json).unwrap_or_default());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            if args.json {
                let out = serde_json::json!({
                    "verified": false,
                    "check": error.check(),
                    "message": error.to_string(),
                });
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                eprintln!("not verified: {error}");
            }
            ExitCode::from(1)
        }
    }
}

/// Checks an agreement's seal document: exit 0 when it checks out, 1 naming the check that failed.
fn agreement(bytes: &[u8], json: bool) -> ExitCode {
    match scal_domain::agreement::check_document(bytes) {
        Ok(doc) => {
            if json {
                let out = serde_json::json!({
                    "verified": true,
                    "reference": doc.reference,
                    "seal_sha256": doc.seal_sha256,
                });
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                println!(
                    "verified: the seal of agreement {} recomputes to {}",
                    doc.reference, doc.seal_sha256
                );
                println!(
                    "accepted by {} ({}) for {} on {}",
                    doc.seal.signatory.full_name,
                    doc.seal.signatory.job_title,
                    doc.seal.organisation.name,
                    doc.seal.accepted_at
                );
                println!("compare the seal hash with the one shown on the agreement in scal");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            if json {
                let out = serde_json::json!({
                    "verified": false,
                    "check": error.check(),
                    "message": error.to_string(),
                });
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            } else {
                eprintln!("not verified: {error}");
            }
            ExitCode::from(1)
        }
    }
}
