//! Random secrets and their stored digests.

use sha2::{Digest, Sha256};

use crate::{AppError, Result};

/// `bytes` random bytes from the operating system, hex-encoded.
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf).map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    Ok(hex::encode(buf))
}

/// What is stored instead of a session cookie or API token: a plain SHA-256 is enough because the
/// secret itself is 256 random bits, not a guessable password.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Constant-time comparison for tokens presented by a client.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
