//! Sharing an accepted SCAL with an end user organisation (EUO): the share's rules and its state.
//!
//! A share names the EUO by ODS code, so an organisation that is not registered yet can be
//! invited: the share becomes visible to it once NHS England registers an EUO with that code. A
//! share's state (active, expired, revoked) is derived from its facts and the day, never stored.

use time::Date;

use crate::field::trim;
use crate::ods::OdsCode;
use crate::{FieldError, Invalid};

/// Where a share stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareState {
    Active,
    /// Its expiry date has passed: it ends at the end of that day.
    Expired,
    /// Revoked by the supplier (or NHS England): final.
    Revoked,
}

impl ShareState {
    pub const ALL: [Self; 3] = [Self::Active, Self::Expired, Self::Revoked];

    pub fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Expired => "Expired",
            Self::Revoked => "Revoked",
        }
    }
}

/// **The** state rule: revoked before expired before active. A share expiring today is still
/// active today.
pub fn state(expires_on: Option<Date>, revoked: bool, today: Date) -> ShareState {
    if revoked {
        ShareState::Revoked
    } else if expires_on.is_some_and(|on| on < today) {
        ShareState::Expired
    } else {
        ShareState::Active
    }
}

/// A share as asked for, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShare {
    pub euo_ods: OdsCode,
    pub expires_on: Option<Date>,
}

/// Parses the EUO's ODS code (field `euo_ods`) and the optional expiry (`expires_on`: a date, not
/// before `today`). Every problem at once.
pub fn parse_share(euo_ods: &str, expires_on: &str, today: Date) -> Result<NewShare, Invalid> {
    let mut errors = Invalid::default();
    let ods = errors.check(OdsCode::parse_field("euo_ods", euo_ods));
    let expires = errors.check(
        parse_optional_date("expires_on", "expiry date", expires_on).and_then(|d| match d {
            Some(d) if d < today => Err(FieldError::new(
                "expires_on",
                format!("The expiry date must be today or later (today is {today})"),
            )),
            other => Ok(other),
        }),
    );
    errors.finish(|| {
        Some(NewShare {
            euo_ods: ods?,
            expires_on: expires?,
        })
    })
}

/// A date field that may be left empty: ISO 8601 or the British day-first form.
pub fn parse_optional_date(field: &str, label: &str, raw: &str) -> Result<Option<Date>, FieldError> {
    match trim(raw) {
        "" => Ok(None),
        raw => parse_date(field, label, raw).map(Some),
    }
}

/// A required date field.
pub fn parse_date(field: &str, label: &str, raw: &str) -> Result<Date, FieldError> {
    match trim(raw) {
        "" => Err(FieldError::new(field, format!("Enter the {label}"))),
        raw => crate::check::read_date(raw)
            .map(|r| r.date)
            .map_err(|e| FieldError::new(field, e.message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_share_is_active_until_the_end_of_its_expiry_day_and_revocation_is_final() {
        let on = date!(2026 - 12 - 31);
        assert_eq!(state(Some(on), false, on), ShareState::Active);
        assert_eq!(state(Some(on), false, date!(2027 - 01 - 01)), ShareState::Expired);
        assert_eq!(state(None, false, date!(2099 - 01 - 01)), ShareState::Active);
        assert_eq!(state(Some(on), true, date!(2026 - 01 - 01)), ShareState::Revoked);
        assert_eq!(state(Some(on), true, date!(2027 - 06 - 01)), ShareState::Revoked);
    }

    #[test]
    fn a_share_names_every_bad_field_and_refuses_a_past_expiry() {
        let today = date!(2026 - 12 - 01);
        let err = parse_share("not a code!", "30/11/2026", today).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["euo_ods", "expires_on"]);
        assert!(err.0[1].message.contains("today or later"), "{err}");
        assert!(parse_share("", "", today).unwrap_err().0[0]
            .message
            .contains("Enter an ODS code"));
        assert!(parse_share("a81001", "31 February 2027", today).is_err());
        let ok = parse_share(" a81001 ", "01/12/2026", today).unwrap();
        assert_eq!(ok.euo_ods.as_str(), "A81001");
        assert_eq!(ok.expires_on, Some(today));
        assert_eq!(parse_share("A81001", " ", today).unwrap().expires_on, None);
    }
}
