//! The rules for a new password, following the NCSC's password guidance: length rather than
//! composition rules, a deny list of the most common passwords, and nothing that is simply the
//! account's own name.
//!
//! - **At least 12 characters.** scal has passwords only (no second factor), and NCSC's Cyber
//!   Essentials requirements ask for 12 characters in that case (8 only with a second factor or
//!   throttling plus a deny list; scal has the last two, so 12 is deliberately the stricter end).
//!   Three random words, NCSC's own advice, pass easily.
//! - **Up to 1024 characters**, so passphrases and password managers are never cut short (NCSC:
//!   no low maximum; NIST: at least 64). Any printable character counts, spaces included; no
//!   "one digit, one symbol" rules, which make passwords harder to remember and no harder to guess.
//! - **Not one of the 30,000 most common passwords** (`common_passwords.txt`, see
//!   `common_passwords.md` for its source and licence), ignoring case.
//! - **Not the email address**, and not containing its part before the `@` when that is 4
//!   characters or more (shorter ones, like `al`, would refuse many good passphrases by accident).
//!
//! Every place that sets a password calls [`check`]: adding a user with a chosen password,
//! changing one's own, completing a reset.

use crate::user::Email;
use crate::FieldError;

pub const MIN_LEN: usize = 12;
pub const MAX_LEN: usize = 1024;

/// The shortest part of an email address before the `@` that a password may not contain.
const MIN_LOCAL_PART_LEN: usize = 4;

/// Lower case, one a line, most common first.
const COMMON: &str = include_str!("common_passwords.txt");

/// Whether `password` is on the deny list, ignoring case. A linear scan of 30,000 short lines
/// takes well under a millisecond, far less than the hash that follows it.
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON.lines().any(|common| common == lower)
}

/// Checks a new password for the account `email` (when known), reporting the problem on `field`.
pub fn check(field: &str, password: &str, email: Option<&Email>) -> Result<(), FieldError> {
    let length = password.chars().count();
    if length == 0 {
        return Err(FieldError::new(field, "Enter a password"));
    }
    if length < MIN_LEN {
        return Err(FieldError::new(
            field,
            format!("Password must be at least {MIN_LEN} characters"),
        ));
    }
    if length > MAX_LEN {
        return Err(FieldError::new(
            field,
            format!("Password must be {MAX_LEN} characters or fewer"),
        ));
    }
    // Tabs and line breaks cannot be typed into a password box, and a trailing newline from a pipe
    // would silently become part of the password.
    if password.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "Password must only include letters, numbers, spaces and symbols",
        ));
    }
    if is_common(password) {
        return Err(FieldError::new(
            field,
            "This is one of the most common passwords. Choose a password that is harder to guess, like three random words",
        ));
    }
    if let Some(email) = email {
        let lower = password.to_lowercase();
        let local = email.as_str().split('@').next().unwrap_or_default();
        if lower == email.as_str() || (local.chars().count() >= MIN_LOCAL_PART_LEN && lower.contains(local)) {
            return Err(FieldError::new(
                field,
                "Password must not include your email address or the name in it",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> Email {
        Email::parse(raw).expect("email")
    }

    fn refused(password: &str, email: Option<&Email>) -> Option<String> {
        check("new_password", password, email).err().map(|e| {
            assert_eq!(e.field, "new_password");
            e.message
        })
    }

    #[test]
    fn length_over_complexity() {
        assert!(refused("", None).is_some_and(|m| m.contains("Enter")));
        assert!(refused("short pass", None).is_some_and(|m| m.contains("at least 12")));
        // Twelve characters: exactly the minimum, counted as characters, not bytes.
        assert_eq!(refused("tram kite ox", None), None);
        assert!(refused("ééééééééééé", None).is_some(), "11 characters though 22 bytes");
        assert_eq!(refused("éééééééééééé", None), None);
        // No composition rules: lower-case words and spaces are fine; so is any printable symbol.
        assert_eq!(refused("correct horse battery staple", None), None);
        assert_eq!(refused("~!@#$%^&*()_+{}|:\"<>? 7", None), None);
        // Long passphrases are welcome up to the maximum.
        assert_eq!(refused(&"long passphrase ".repeat(64), None), None);
        assert!(refused(&"x".repeat(MAX_LEN + 1), None).is_some_and(|m| m.contains("or fewer")));
        assert!(refused("line one\nline two", None).is_some());
    }

    #[test]
    fn the_most_common_passwords_are_refused_whatever_their_case() {
        for common in ["qwertyuiop123", "1qaz2wsx3edc", "QAZWSXEDCRFV", "LeaveMeAlone"] {
            assert!(
                refused(common, None).is_some_and(|m| m.contains("most common")),
                "{common}"
            );
        }
        assert!(is_common("password"));
        assert!(!is_common("scal-demo-password"));
    }

    #[test]
    fn the_list_is_what_its_readme_says() {
        let lines: Vec<&str> = COMMON.lines().collect();
        assert_eq!(lines.len(), 30_000);
        assert_eq!(lines[0], "123456");
        assert!(lines.iter().all(|l| !l.is_empty() && *l == l.to_lowercase()));
    }

    #[test]
    fn the_account_name_is_refused() {
        let ada = email("ada.lovelace@example.org");
        assert!(refused("ada.lovelace@example.org", Some(&ada)).is_some());
        assert!(refused("ADA.LOVELACE@EXAMPLE.ORG", Some(&ada)).is_some());
        assert!(refused("my name is ada.lovelace!", Some(&ada)).is_some_and(|m| m.contains("email")));
        assert_eq!(refused("ada lovelace counts", Some(&ada)), None);
        // A short name before the @ is too common a string to refuse inside a passphrase.
        let al = email("al@example.org");
        assert_eq!(refused("totally unusual passphrase", Some(&al)), None);
        assert!(refused("al@example.org", Some(&al)).is_some_and(|m| m.contains("email")));
    }

    #[test]
    fn the_demo_password_passes() {
        for login in ["admin@acme.example", "dev@acme.example", "reviewer@nhse.example"] {
            assert_eq!(refused("scal-demo-password", Some(&email(login))), None);
        }
    }
}
