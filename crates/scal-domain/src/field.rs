//! Field-level validation errors shared by every parser in the domain.

use std::fmt;

/// One thing wrong with one input field. `field` is the name the user sees in the form and the
/// API body (`ods_code`, `email`), so the UI can attach the message to the right input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found in one submitted form or body, in field order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// Runs a parser and keeps its error, so a form reports all its problems at once.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was wrong. Callers pass `Option`s filled by [`Invalid::check`]:
    /// they are all `Some` exactly when no error was recorded.
    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Invalid> {
        if !self.0.is_empty() {
            return Err(self);
        }
        value().ok_or_else(|| Invalid::one("form", "the form could not be read"))
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Invalid {}

/// Trims surrounding whitespace (including non-breaking spaces) and requires a value of at most
/// `max` characters. The limit counts what was sent, surrounding white space included, so that it
/// is the `maxLength` the API's document states (a client checks the string it sends).
pub fn required_text(field: &str, label: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = trim(raw);
    refuse_control(field, label, value)?;
    if value.is_empty() {
        return Err(FieldError::new(field, format!("Enter {label}")));
    }
    if raw.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("{} must be {max} characters or fewer", capitalise(label)),
        ));
    }
    Ok(value.to_string())
}

/// Like [`required_text`] but an empty value is allowed and becomes an empty string.
pub fn optional_text(field: &str, label: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let value = trim(raw);
    refuse_control(field, label, value)?;
    if raw.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("{} must be {max} characters or fewer", capitalise(label)),
        ));
    }
    Ok(value.to_string())
}

/// Control characters (NUL, escape...) are never meaningful in assurance data, and some databases
/// refuse them; line breaks and tabs are allowed.
fn refuse_control(field: &str, label: &str, value: &str) -> Result<(), FieldError> {
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new(
            field,
            format!("{} must not contain control characters", capitalise(label)),
        ));
    }
    Ok(())
}

pub fn trim(raw: &str) -> &str {
    raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{a0}')
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_what_was_sent_and_the_value_is_trimmed() {
        let fifty = "a".repeat(50);
        assert_eq!(
            required_text("v", "the version", &fifty, 50).as_deref(),
            Ok(fifty.as_str())
        );
        assert_eq!(
            required_text("v", "the version", &format!("  {}  ", "a".repeat(10)), 50).as_deref(),
            Ok("aaaaaaaaaa")
        );
        // Surrounding white space counts: the API's document states maxLength of the string sent.
        let padded = format!(" {fifty}");
        let err = required_text("v", "the version", &padded, 50).unwrap_err();
        assert_eq!(err.message, "The version must be 50 characters or fewer");
        assert!(optional_text("v", "the note", &padded, 50).is_err());
        // Characters, not bytes.
        assert!(required_text("v", "the name", &"é".repeat(50), 50).is_ok());
    }
}
