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

/// A token as a page carries it: a fresh random pad, then the token XORed with that pad, in hex.
/// A page never holds the same bytes for the token twice, so a compressed response's size cannot
/// be used to guess it a character at a time (BREACH), while [`unmask`] gives the token back.
pub fn mask(token: &str) -> Result<String> {
    let token = token.as_bytes();
    let mut pad = vec![0u8; token.len()];
    getrandom::getrandom(&mut pad).map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    let masked: Vec<u8> = token.iter().zip(&pad).map(|(t, p)| t ^ p).collect();
    Ok(format!("{}{}", hex::encode(pad), hex::encode(masked)))
}

/// The token a [`mask`]ed value carries; `None` for anything that is not one.
pub fn unmask(masked: &str) -> Option<String> {
    let bytes = hex::decode(masked).ok()?;
    if bytes.is_empty() || bytes.len() % 2 != 0 {
        return None;
    }
    let (pad, token) = bytes.split_at(bytes.len() / 2);
    String::from_utf8(pad.iter().zip(token).map(|(p, t)| p ^ t).collect()).ok()
}

/// Constant-time comparison for tokens presented by a client.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_masked_token_is_different_every_time_and_unmasks_to_the_token() {
        let token = random_hex(32).unwrap();
        let (a, b) = (mask(&token).unwrap(), mask(&token).unwrap());
        assert_ne!(a, b, "a fresh pad each time");
        assert!(!a.contains(&token));
        assert_eq!(unmask(&a).as_deref(), Some(token.as_str()));
        assert_eq!(unmask(&b).as_deref(), Some(token.as_str()));
        assert_eq!(unmask("zz"), None);
        assert_eq!(unmask(""), None);
        assert_eq!(unmask("abc"), None);
    }
}
