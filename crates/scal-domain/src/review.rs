//! NHS England's review of a submitted round: when a response is due. A round is due a number of
//! working days after it was submitted (5 by default), skipping weekends and bank holidays in
//! England and Wales, from a bundled list the operator can replace.

use time::{Date, Weekday};

use crate::FieldError;

/// The bank holidays bundled with scal (see `data/bank-holidays-england-and-wales.txt`).
const BUNDLED: &str = include_str!("../data/bank-holidays-england-and-wales.txt");

/// Working days NHS England has to respond to a submitted round, unless configured otherwise.
pub const DEFAULT_RESPONSE_DAYS: u32 = 5;

/// Days that are not working days besides weekends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHolidays(Vec<Date>);

impl BankHolidays {
    /// The bundled list.
    pub fn bundled() -> Self {
        // The bundled file is tested below, so it always parses.
        Self::parse(BUNDLED).unwrap_or(Self(Vec::new()))
    }

    /// A list in the bundled file's format: one `YYYY-MM-DD` per line, `#` comments, blank lines.
    /// A line that is not a date is refused, naming it.
    pub fn parse(text: &str) -> Result<Self, FieldError> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let mut dates = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let date = Date::parse(line, &format).map_err(|_| {
                FieldError::new(
                    "bank_holidays",
                    format!("line {}: {line:?} is not a date like 2026-12-25", n + 1),
                )
            })?;
            dates.push(date);
        }
        dates.sort();
        dates.dedup();
        Ok(Self(dates))
    }

    pub fn contains(&self, date: Date) -> bool {
        self.0.binary_search(&date).is_ok()
    }

    /// The last date the list knows about: beyond it only weekends are skipped.
    pub fn last(&self) -> Option<Date> {
        self.0.last().copied()
    }
}

/// Whether people work on `date`: not a Saturday, a Sunday or a bank holiday.
pub fn is_working_day(date: Date, holidays: &BankHolidays) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !holidays.contains(date)
}

/// The day a response to a round submitted on `submitted` is due: `days` working days later (a
/// round submitted on a Friday with 5 days is due the next Friday; over Easter, later).
pub fn due_date(submitted: Date, days: u32, holidays: &BankHolidays) -> Date {
    let mut date = submitted;
    let mut left = days;
    while left > 0 {
        match date.next_day() {
            Some(next) => date = next,
            None => return date,
        }
        if is_working_day(date, holidays) {
            left -= 1;
        }
    }
    date
}

/// Whether a response due on `due` is late on `today`.
pub fn overdue(due: Date, today: Date) -> bool {
    today > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_bundled_list_parses_and_knows_christmas() {
        let holidays = BankHolidays::parse(BUNDLED).unwrap();
        assert!(holidays.contains(date!(2026 - 12 - 25)));
        assert!(holidays.contains(date!(2026 - 12 - 28)), "Boxing Day's substitute");
        assert!(!holidays.contains(date!(2026 - 12 - 26)), "a Saturday: substituted");
        assert_eq!(holidays.last(), Some(date!(2028 - 12 - 26)));
        assert_eq!(BankHolidays::bundled(), holidays);
    }

    #[test]
    fn responses_are_due_in_working_days_skipping_weekends_and_bank_holidays() {
        let holidays = BankHolidays::bundled();
        // Monday 30 November 2026: due Monday 7 December.
        assert_eq!(due_date(date!(2026 - 11 - 30), 5, &holidays), date!(2026 - 12 - 07));
        // Friday: due the next Friday.
        assert_eq!(due_date(date!(2026 - 12 - 04), 5, &holidays), date!(2026 - 12 - 11));
        // Over Christmas 2026 (25th Friday, 28th Monday the substitute for Boxing Day).
        assert_eq!(due_date(date!(2026 - 12 - 22), 5, &holidays), date!(2026 - 12 - 31));
        // Easter 2027 (Good Friday 26 March, Easter Monday 29 March).
        assert_eq!(due_date(date!(2027 - 03 - 24), 5, &holidays), date!(2027 - 04 - 02));
        // Submitted on a Saturday: the count starts on Monday.
        assert_eq!(due_date(date!(2026 - 12 - 05), 1, &holidays), date!(2026 - 12 - 07));
        assert_eq!(due_date(date!(2026 - 12 - 05), 0, &holidays), date!(2026 - 12 - 05));
        assert!(overdue(date!(2026 - 12 - 07), date!(2026 - 12 - 08)));
        assert!(!overdue(date!(2026 - 12 - 07), date!(2026 - 12 - 07)));
    }

    #[test]
    fn an_operators_list_replaces_the_bundled_one_and_bad_lines_are_named() {
        let own = BankHolidays::parse("# ours\n2026-12-01\n\n2026-12-02 # a second\n").unwrap();
        assert_eq!(due_date(date!(2026 - 11 - 30), 1, &own), date!(2026 - 12 - 03));
        let error = BankHolidays::parse("2026-12-01\n1 December\n").unwrap_err();
        assert!(error.message.contains("line 2"), "{}", error.message);
    }
}
