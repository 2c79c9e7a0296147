//! `scal verify`: checks a signed statement (a compact JWS: a certificate, an audit checkpoint)
//! offline, against a saved copy of a JSON Web Key Set. It reads no settings and opens no
//! database.

use std::path::PathBuf;
use std::process::ExitCode;

use scal_domain::signing::{verify, Jwks};

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The signed statement: a compact JWS (header.payload.signature)
    pub file: PathBuf,
    /// The keys to check it with: a saved copy of scal's /.well-known/jwks.json
    #[arg(long)]
    pub jwks: PathBuf,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
}

/// Exit 0 when every check passes, 1 naming the check that failed, 2 when a file cannot be read.
pub fn run(args: &VerifyArgs) -> ExitCode {
    let read = |path: &PathBuf| std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let inputs = read(&args.file).and_then(|jws| {
        let jwks = read(&args.jwks)
            .and_then(|bytes| Jwks::parse(&bytes).map_err(|e| format!("{}: {e}", args.jwks.display())))?;
        Ok((String::from_utf8_lossy(&jws).into_owned(), jwks))
    });
    let (jws, jwks) = match inputs {
        Ok(inputs) => inputs,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match verify(&jws, &jwks) {
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
