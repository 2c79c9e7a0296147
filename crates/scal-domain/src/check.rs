//! Is a completed SCAL ready to submit? The rules `scal check` applies to a workbook and the
//! submission gate will apply to a stored SCAL. Pure: "today" is passed in.

use time::{Date, Month};

use crate::field::trim;
use crate::template::{rag, AnswerKind, Declaration, Level, Rag, Requirement, SheetKind};
use crate::FieldError;

/// One requirement row with the answers given for it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnsweredRow {
    /// 1-based spreadsheet row (0 when the answer did not come from a sheet).
    pub row: usize,
    pub requirement: Requirement,
    pub response: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    /// When a red row's mitigation will be in place (by [`red_rule`]).
    pub target_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnsweredSheet {
    pub name: String,
    pub kind: SheetKind,
    pub rows: Vec<AnsweredRow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Red,
    Amber,
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub sheet: String,
    pub row: usize,
    pub requirement_id: String,
    pub severity: Severity,
    pub message: String,
    /// Whether this stops submission. A red row with a justification, a mitigation and a target date is listed
    /// but does not block: NHS England decides on it.
    pub blocking: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SheetSummary {
    pub name: String,
    pub requirements: usize,
    pub answered: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckReport {
    pub sheets: Vec<SheetSummary>,
    pub findings: Vec<Finding>,
}

impl CheckReport {
    pub fn ready_to_submit(&self) -> bool {
        !self.findings.iter().any(|f| f.blocking)
    }
}

/// How a date was read from what was typed, so a reading that could be mistaken is said aloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateReading {
    /// Year first (`2026-04-03`, as a date-formatted cell reads too): only one reading.
    YearFirst,
    /// Day first (`03/04/2026`, `3.4.2026`), the British order: never month first.
    DayFirst,
    /// A spreadsheet's day number (days since 30 December 1899), which is what a date cell
    /// formatted General holds.
    Serial,
}

/// A date and how it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadDate {
    pub date: Date,
    pub reading: DateReading,
}

impl ReadDate {
    /// What to tell the supplier about how `raw` was read, when it could have meant something
    /// else: a day-first date whose day could be a month (`read 03/04/2026 as 3 April 2026`), or a
    /// spreadsheet day number. `None` when there is only one reading.
    pub fn note(&self, raw: &str) -> Option<String> {
        let said = format!("{} {} {}", self.date.day(), self.date.month(), self.date.year());
        let raw = trim(raw);
        match self.reading {
            DateReading::YearFirst => None,
            DateReading::DayFirst if self.date.day() <= 12 && self.date.day() != u8::from(self.date.month()) => {
                Some(format!("read {raw} as {said} (day first, the British order)"))
            }
            DateReading::DayFirst => None,
            DateReading::Serial => Some(format!(
                "read {raw} as {said} (a spreadsheet date number: format the cell as a date to see it)"
            )),
        }
    }
}

/// Spreadsheet day numbers read as dates: from 10,000 (18 May 1927), so a typed year such as
/// 2026 is never taken for a day in 1905, to 2,958,465 (31 December 9999, Excel's last date).
const SERIAL_DAYS: std::ops::RangeInclusive<u32> = 10_000..=2_958_465;

/// **The** date parser: every date field (date answers, target dates, the information sheet's
/// DSPT and penetration-test dates, `--as-of`) reads through it. Accepts `2026-06-30`,
/// `30/06/2026` and `3/4/2026` (day first, the British order: never month first), `30.06.2026`,
/// `30-06-2026`, a spreadsheet date-time (`2026-06-30 00:00:00`), and a spreadsheet day number
/// (`46203`, what a date cell formatted General holds). Only called where a date is expected, so a
/// number in free text is never taken for a date.
pub fn read_date(raw: &str) -> Result<ReadDate, FieldError> {
    let value = trim(raw);
    let bad = |why: &str| {
        FieldError::new(
            "answer",
            format!("{value:?} is not a real date{why}: use a date like 2026-06-30 or 30/06/2026"),
        )
    };
    if let Some(date) = serial_date(value) {
        return Ok(ReadDate {
            date,
            reading: DateReading::Serial,
        });
    }
    let value_date = value.split_once(' ').map_or(value, |(date, _)| date);
    let parts: Vec<&str> = value_date.split(['-', '/', '.']).collect();
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse::<u32>().ok()).collect();
    let (year, month, day, reading) = match (parts.as_slice(), numbers.as_deref()) {
        ([y, _, _], Some([year, month, day])) if y.len() == 4 => (*year, *month, *day, DateReading::YearFirst),
        ([_, _, y], Some([day, month, year])) if y.len() == 4 => (*year, *month, *day, DateReading::DayFirst),
        _ => return Err(bad("")),
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(|| bad(&format!(" (there is no month {month})")))?;
    let year = i32::try_from(year).map_err(|_| bad(""))?;
    let day = u8::try_from(day).map_err(|_| bad(""))?;
    let date =
        Date::from_calendar_date(year, month, day).map_err(|_| bad(&format!(" ({month} {year} has no day {day})")))?;
    Ok(ReadDate { date, reading })
}

/// A spreadsheet day number (a time of day after the point is ignored), within [`SERIAL_DAYS`].
fn serial_date(value: &str) -> Option<Date> {
    let (days, fraction) = value.split_once('.').unwrap_or((value, "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(days) || !digits(fraction) {
        return None;
    }
    let days: u32 = days.parse().ok().filter(|d| SERIAL_DAYS.contains(d))?;
    let epoch = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    epoch.checked_add(time::Duration::days(i64::from(days)))
}

/// [`read_date`]'s date alone.
pub fn parse_date(raw: &str) -> Result<Date, FieldError> {
    read_date(raw).map(|read| read.date)
}

/// The first day of the DSPT assessment period that is current on `as_of`. Assessments are due by
/// 30 June each year; one published for the period ending at the most recent 30 June deadline (so
/// on or after the 1 July before it) stays current until the next deadline.
pub fn dspt_period_start(as_of: Date) -> Date {
    let deadline_year = if (as_of.month() as u8, as_of.day()) >= (6, 30) {
        as_of.year()
    } else {
        as_of.year() - 1
    };
    Date::from_calendar_date(deadline_year - 1, Month::July, 1).unwrap_or(as_of)
}

/// Whether `raw` is a valid answer of this kind; empty means "not answered" and is valid. The
/// one definition of a valid value, used by `check` and by answer import.
pub fn validate_answer(kind: &AnswerKind, raw: &str) -> Result<(), FieldError> {
    let value = trim(raw);
    if value.is_empty() {
        return Ok(());
    }
    match kind {
        AnswerKind::Declaration => Declaration::parse(value).map(|_| ()),
        AnswerKind::Date => parse_date(value).map(|_| ()),
        AnswerKind::OdsCode => crate::OdsCode::parse_field("answer", value).map(|_| ()),
        AnswerKind::Choice(options) => {
            if options.iter().any(|o| crate::template::is_option(o, value)) {
                Ok(())
            } else {
                Err(FieldError::new(
                    "answer",
                    format!("{value:?} is not one of: {}", options.join(", ")),
                ))
            }
        }
        AnswerKind::FreeText | AnswerKind::Attachment => Ok(()),
    }
}

/// The one spelling an answer is stored in, whichever way it arrived (the form, the API, an
/// imported workbook): a declaration as `Yes`, `No` or `N/A` however it was typed (`y`, `NA`,
/// ` no `), anything else trimmed. Invalid values are refused by [`validate_answer`]'s rule, and
/// empty is "not answered" (`Ok(None)`). Storing one spelling means every later reader (the
/// views, the export, the submission snapshot, conflict detection) compares like with like.
pub fn canonical_answer(kind: &AnswerKind, raw: &str) -> Result<Option<String>, FieldError> {
    let value = trim(raw);
    validate_answer(kind, value)?;
    if value.is_empty() {
        return Ok(None);
    }
    Ok(Some(match kind {
        AnswerKind::Declaration => match Declaration::parse(value)? {
            Some(answer) => answer.label().to_string(),
            None => return Ok(None),
        },
        // Stored as ISO 8601, as target dates are: a day-first or day-number date is read once.
        AnswerKind::Date => parse_date(value)?.to_string(),
        // Stored as the option is spelled, however it was typed ("the data processor").
        AnswerKind::Choice(options) => options
            .iter()
            .find(|o| crate::template::is_option(o, value))
            .map_or_else(|| value.to_string(), String::clone),
        _ => value.to_string(),
    }))
}

/// Which explanation fields a question can need, by the rules of this module: the one place the
/// question page learns which fields to offer. A declaration may need a justification (No or
/// N/A); a No to a MUST or MUST NOT is red and needs a mitigation and a target date too; the DSPT
/// questions take a mitigation (an action plan) when the toolkit is not met or is out of date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExplanationFields {
    pub justification: bool,
    pub mitigation: bool,
    pub target_date: bool,
}

pub fn explanation_fields(requirement: &Requirement) -> ExplanationFields {
    match requirement.answer_kind {
        AnswerKind::Declaration => {
            let red_possible = matches!(requirement.level, Level::Must | Level::MustNot);
            ExplanationFields {
                justification: true,
                mitigation: red_possible,
                target_date: red_possible,
            }
        }
        _ => ExplanationFields {
            justification: false,
            mitigation: matches!(
                information_rule(&requirement.text),
                InformationRule::DsptStatus | InformationRule::DsptPublished
            ) || is_hscn_question(&requirement.text),
            target_date: false,
        },
    }
}

/// The HSCN connectivity question: a No is red when a service needs HSCN, and takes a mitigation.
fn is_hscn_question(question: &str) -> bool {
    let q = question.to_ascii_lowercase();
    q.contains("hscn") && !q.contains("date")
}

/// How a question on the information sheet is checked beyond its answer kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InformationRule {
    DsptStatus,
    DsptPublished,
    PenetrationTest,
    /// Another date of something that has already happened (HSCN connection, ...).
    PastDate,
    None,
}

fn information_rule(question: &str) -> InformationRule {
    let q = question.to_ascii_lowercase();
    let dspt = q.contains("dspt") || q.contains("data security and protection toolkit");
    if dspt && (q.contains("status") || q.contains("level") || q.contains("outcome")) {
        InformationRule::DsptStatus
    } else if dspt && (q.contains("date") || q.contains("published") || q.contains("publication")) {
        InformationRule::DsptPublished
    } else if (q.contains("penetration") || q.contains("pen test") || q.contains("pentest")) && q.contains("date") {
        InformationRule::PenetrationTest
    } else if q.contains("date") && (q.contains("confirmed") || q.contains("last") || q.contains("connected")) {
        InformationRule::PastDate
    } else {
        InformationRule::None
    }
}

/// A rule's verdict on one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub severity: Severity,
    /// Whether it stops submission.
    pub blocking: bool,
    pub message: String,
}

impl Verdict {
    fn new(severity: Severity, blocking: bool, message: impl Into<String>) -> Self {
        Self {
            severity,
            blocking,
            message: message.into(),
        }
    }
}

/// Whether a date question asks about something that has already happened, so a future date is
/// a mistake.
pub fn is_past_event(requirement: &Requirement) -> bool {
    requirement.answer_kind == AnswerKind::Date && information_rule(&requirement.text) != InformationRule::None
}

/// Whether `raw` is a valid answer to `requirement` on `as_of`: [`validate_answer`], and no
/// future date for something that has already happened. What saving an answer enforces.
pub fn validate_answer_on(requirement: &Requirement, raw: &str, as_of: Date) -> Result<(), FieldError> {
    validate_answer(&requirement.answer_kind, raw)?;
    if is_past_event(requirement) && !trim(raw).is_empty() {
        if let Ok(date) = parse_date(raw) {
            if let Some(verdict) = future_date_rule(date, as_of) {
                return Err(FieldError::new("answer", verdict.message));
            }
        }
    }
    Ok(())
}

fn future_date_rule(date: Date, as_of: Date) -> Option<Verdict> {
    (date > as_of).then(|| {
        Verdict::new(
            Severity::Error,
            true,
            format!("{date} is in the future: give the date it happened"),
        )
    })
}

/// The DSPT status rule: Standards Met or Exceeded passes; Approaching Standards is red and needs
/// a mitigation (the action plan); anything else fails.
pub fn dspt_status_rule(status: &str, mitigated: bool) -> Option<Verdict> {
    match status {
        s if s.eq_ignore_ascii_case("Standards Met") || s.eq_ignore_ascii_case("Standards Exceeded") => None,
        s if s.eq_ignore_ascii_case("Approaching Standards") && mitigated => Some(Verdict::new(
            Severity::Red,
            false,
            "DSPT is Approaching Standards, with a mitigation: NHS England will decide",
        )),
        s if s.eq_ignore_ascii_case("Approaching Standards") => Some(Verdict::new(
            Severity::Red,
            true,
            "DSPT is Approaching Standards: give a mitigation (the action plan)",
        )),
        other => Some(Verdict::new(
            Severity::Error,
            true,
            format!("DSPT status is {other}: Standards Met or Standards Exceeded is needed"),
        )),
    }
}

/// The DSPT publication rule: published within the current assessment period (30 June deadline),
/// otherwise red, needing a mitigation.
pub fn dspt_published_rule(date: Date, as_of: Date, mitigated: bool) -> Option<Verdict> {
    if let Some(future) = future_date_rule(date, as_of) {
        return Some(future);
    }
    let start = dspt_period_start(as_of);
    if date >= start {
        return None;
    }
    let message = format!("DSPT published on {date}, before the current assessment period (from {start})");
    Some(if mitigated {
        Verdict::new(
            Severity::Red,
            false,
            format!("{message}, with a mitigation: NHS England will decide"),
        )
    } else {
        Verdict::new(
            Severity::Red,
            true,
            format!("{message}: publish this year's assessment or give a mitigation"),
        )
    })
}

/// The penetration test rule: within the last 12 months.
pub fn penetration_test_rule(date: Date, as_of: Date) -> Option<Verdict> {
    if let Some(future) = future_date_rule(date, as_of) {
        return Some(future);
    }
    let year_ago = as_of
        .replace_year(as_of.year() - 1)
        .unwrap_or(as_of - time::Duration::days(365));
    (date < year_ago).then(|| {
        Verdict::new(
            Severity::Error,
            true,
            format!("Penetration test on {date} is more than 12 months old: test again"),
        )
    })
}

/// The one rule for a red row (No to a MUST or MUST NOT), applied by `scal check`, `scal status`
/// and the submission gate alike (all three go through [`check`]): it needs a justification, a
/// mitigation and the date the mitigation will be in place, and then NHS England decides; without
/// any of them it blocks, naming what is missing.
pub fn red_rule(level: Level, justified: bool, mitigated: bool, target_date: Option<&str>) -> Verdict {
    let level = level.label();
    let target_date = target_date.map(trim).filter(|d| !d.is_empty());
    if let Some(raw) = target_date {
        if parse_date(raw).is_err() {
            return Verdict::new(
                Severity::Error,
                true,
                format!("{level} answered No: the target date {raw:?} is not a real date; use a date like 2026-06-30"),
            );
        }
    }
    let missing: Vec<&str> = [
        (!justified).then_some("a justification"),
        (!mitigated).then_some("a mitigation"),
        target_date.is_none().then_some("a target date"),
    ]
    .into_iter()
    .flatten()
    .collect();
    match missing.as_slice() {
        [] => Verdict::new(
            Severity::Red,
            false,
            format!(
                "{level} answered No, with a justification, a mitigation and a target date: NHS England will decide"
            ),
        ),
        [one] => Verdict::new(Severity::Red, true, format!("{level} answered No: give {one}")),
        [init @ .., last] => Verdict::new(
            Severity::Red,
            true,
            format!("{level} answered No: give {} and {last}", init.join(", ")),
        ),
    }
}

/// A cell holding a formula with no saved value, as openpyxl and other generators write one
/// (`<c><f>…</f></c>`, leaving the computing to the spreadsheet program): what it holds is
/// unknown until Excel or LibreOffice opens and saves the workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsavedFormula {
    pub sheet: String,
    /// 1-based spreadsheet row.
    pub row: usize,
    /// `M`.
    pub column: String,
}

impl UnsavedFormula {
    pub fn message(&self) -> String {
        format!(
            "row {}, column {} holds a formula with no saved value: open and save the workbook in Excel or LibreOffice",
            self.row, self.column
        )
    }
}

/// The one rule for formula cells without a saved value in requirement rows: such a row cannot be
/// judged on what it seems to hold (an unsaved answer reads as empty, and "Not answered" would
/// send the supplier looking for an answer they gave), so `check`'s findings on it are replaced
/// by one blocking finding per such cell, saying how to fix it. Cells outside requirement rows
/// are not a SCAL's answers and are left alone. Apply to [`check`]'s report before other findings
/// are added to it.
pub fn report_unsaved_formulas(report: &mut CheckReport, sheets: &[AnsweredSheet], cells: &[UnsavedFormula]) {
    for sheet in sheets {
        for row in &sheet.rows {
            let here: Vec<&UnsavedFormula> = cells
                .iter()
                .filter(|c| c.sheet == sheet.name && c.row == row.row)
                .collect();
            if here.is_empty() {
                continue;
            }
            let on_row = |f: &Finding| f.sheet == sheet.name && f.row == row.row;
            // In the row's place: everything before its first finding stays where it was.
            let at = report.findings.iter().position(on_row).unwrap_or(report.findings.len());
            report.findings.retain(|f| !on_row(f));
            let findings = here.into_iter().map(|cell| Finding {
                sheet: sheet.name.clone(),
                row: row.row,
                requirement_id: row.requirement.id.clone(),
                severity: Severity::Error,
                message: cell.message(),
                blocking: true,
            });
            report.findings.splice(at..at, findings);
        }
    }
}

/// Checks every row of every sheet.
pub fn check(sheets: &[AnsweredSheet], as_of: Date) -> CheckReport {
    let mut findings = Vec::new();
    let mut summaries = Vec::new();
    for sheet in sheets {
        let mut answered = 0;
        for row in &sheet.rows {
            let mut find = |severity: Severity, blocking: bool, message: String| {
                findings.push(Finding {
                    sheet: sheet.name.clone(),
                    row: row.row,
                    requirement_id: row.requirement.id.clone(),
                    severity,
                    message,
                    blocking,
                });
            };
            let Some(response) = row.response.as_deref().map(trim).filter(|r| !r.is_empty()) else {
                // A MAY question is optional: worth a look, never a reason to hold a submission.
                // An attachment is answered only by linking the file in scal: say where.
                let how = if row.requirement.answer_kind.answered_by_typing() {
                    ""
                } else {
                    ": link the file to this question in scal"
                };
                if row.requirement.level == Level::May {
                    find(Severity::Warning, false, format!("Not answered (optional){how}"));
                } else {
                    find(Severity::Error, true, format!("Not answered{how}"));
                }
                continue;
            };
            answered += 1;
            check_row(row, response, sheet.kind, as_of, &mut find);
        }
        summaries.push(SheetSummary {
            name: sheet.name.clone(),
            requirements: sheet.rows.len(),
            answered,
        });
    }
    CheckReport {
        sheets: summaries,
        findings,
    }
}

fn given(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !trim(v).is_empty())
}

fn check_row(
    row: &AnsweredRow,
    response: &str,
    kind: SheetKind,
    as_of: Date,
    find: &mut impl FnMut(Severity, bool, String),
) {
    let requirement = &row.requirement;
    // Validity first, by the one definition; below are only the rules beyond a valid value.
    if let Err(error) = validate_answer(&requirement.answer_kind, response) {
        find(Severity::Error, true, error.message);
        return;
    }
    match &requirement.answer_kind {
        AnswerKind::Declaration => {
            let Ok(answer) = Declaration::parse(response) else {
                return;
            };
            let (justified, mitigated) = (given(&row.justification), given(&row.mitigation));
            let level = requirement.level.label();
            match rag(requirement.level, answer) {
                Rag::Red => {
                    let v = red_rule(requirement.level, justified, mitigated, row.target_date.as_deref());
                    find(v.severity, v.blocking, v.message);
                    let target = row.target_date.as_deref().unwrap_or("");
                    if let Some(note) = read_date(target).ok().and_then(|read| read.note(target)) {
                        find(Severity::Warning, false, format!("Target date: {note}"));
                    }
                }
                Rag::Amber if !justified => {
                    let what = if requirement.level == Level::Unspecified {
                        "Answered No".to_string()
                    } else {
                        format!("{level} answered No")
                    };
                    find(Severity::Amber, true, format!("{what}: give a justification"));
                }
                _ if answer == Some(Declaration::NotApplicable) && !justified => {
                    find(Severity::Warning, false, "N/A: say why it does not apply".into());
                }
                _ => {}
            }
        }
        AnswerKind::Date => {
            if let Ok(read) = read_date(response) {
                if let Some(note) = read.note(response) {
                    find(Severity::Warning, false, note);
                }
                if kind == SheetKind::Information {
                    check_information_date(row, read.date, as_of, find);
                }
            }
        }
        AnswerKind::Choice(options) if information_rule(&requirement.text) == InformationRule::DsptStatus => {
            let Some(choice) = options.iter().find(|o| crate::template::is_option(o, response)) else {
                return;
            };
            if let Some(v) = dspt_status_rule(choice, given(&row.mitigation)) {
                find(v.severity, v.blocking, v.message);
            }
        }
        _ => {}
    }
}

fn check_information_date(row: &AnsweredRow, date: Date, as_of: Date, find: &mut impl FnMut(Severity, bool, String)) {
    let verdict = match information_rule(&row.requirement.text) {
        InformationRule::DsptPublished => dspt_published_rule(date, as_of, given(&row.mitigation)),
        InformationRule::PenetrationTest => penetration_test_rule(date, as_of),
        InformationRule::PastDate => future_date_rule(date, as_of),
        InformationRule::DsptStatus | InformationRule::None => None,
    };
    if let Some(v) = verdict {
        find(v.severity, v.blocking, v.message);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn requirement(id: &str, text: &str, answer_kind: AnswerKind) -> Requirement {
        Requirement {
            id: id.into(),
            section: None,
            text: text.into(),
            level: Level::detect(text),
            answer_kind,
            use_case: None,
            requirement_type: None,
            link: None,
            test_cases: None,
            test_environment: None,
            evidence_required: None,
            guidance: None,
        }
    }

    fn row(id: &str, text: &str, kind: AnswerKind, answer: &[&str]) -> AnsweredRow {
        let get = |i: usize| answer.get(i).filter(|v| !v.is_empty()).map(|v| v.to_string());
        AnsweredRow {
            row: 2,
            requirement: requirement(id, text, kind),
            response: get(0),
            justification: get(1),
            mitigation: get(2),
            target_date: get(3),
        }
    }

    fn findings(sheet: SheetKind, rows: Vec<AnsweredRow>) -> Vec<(String, Severity, bool)> {
        let report = check(
            &[AnsweredSheet {
                name: "S".into(),
                kind: sheet,
                rows,
            }],
            date!(2026 - 11 - 24),
        );
        report
            .findings
            .into_iter()
            .map(|f| (f.requirement_id, f.severity, f.blocking))
            .collect()
    }

    #[test]
    fn service_rows_find_unanswered_invalid_red_and_amber() {
        use AnswerKind::Declaration as D;
        let found = findings(
            SheetKind::Service,
            vec![
                row("A", "It MUST work", D, &[]),
                row("B", "It MUST work", D, &["Maybe"]),
                row("C", "It MUST work", D, &["No", "Because"]),
                row(
                    "D",
                    "It MUST work",
                    D,
                    &["No", "Because", "We will by June", "2027-06-30"],
                ),
                row("D2", "It MUST work", D, &["No", "Because", "We will by June"]),
                row("D3", "It MUST work", D, &["No", "Because", "We will by June", "June"]),
                row("E", "It SHOULD work", D, &["No"]),
                row("F", "It SHOULD work", D, &["No", "Because"]),
                row("G", "It MUST work", D, &["Yes"]),
                row("H", "It MUST work", D, &["N/A"]),
            ],
        );
        assert_eq!(
            found,
            [
                ("A".into(), Severity::Error, true),
                ("B".into(), Severity::Error, true),
                ("C".into(), Severity::Red, true),
                ("D".into(), Severity::Red, false),
                ("D2".into(), Severity::Red, true),
                ("D3".into(), Severity::Error, true),
                ("E".into(), Severity::Amber, true),
                ("H".into(), Severity::Warning, false),
            ]
        );
    }

    #[test]
    fn information_sheet_checks_ods_dspt_and_penetration_test() {
        let found = findings(
            SheetKind::Information,
            vec![
                row("I1", "Organisation ODS code", AnswerKind::OdsCode, &["8KM-90"]),
                row(
                    "I2",
                    "DSPT status",
                    AnswerKind::dspt_status(),
                    &["Approaching Standards"],
                ),
                row("I3", "DSPT status", AnswerKind::dspt_status(), &["Standards Not Met"]),
                row("I4", "DSPT status", AnswerKind::dspt_status(), &["standards met"]),
                row("I5", "Date DSPT published", AnswerKind::Date, &["2025-06-30"]),
                row("I6", "Date DSPT published", AnswerKind::Date, &["01/07/2025"]),
                row("I7", "Date of last penetration test", AnswerKind::Date, &["2025-11-23"]),
                row("I8", "Date of last penetration test", AnswerKind::Date, &["2025-11-24"]),
                row("I9", "Date of last penetration test", AnswerKind::Date, &["2027-01-01"]),
                row(
                    "I10",
                    "Date of last penetration test",
                    AnswerKind::Date,
                    &["31/02/2026"],
                ),
            ],
        );
        let ids: Vec<&str> = found.iter().map(|(id, _, _)| id.as_str()).collect();
        // I6's 01/07/2025 could be read month first: how it was read is said (a warning).
        assert_eq!(ids, ["I1", "I2", "I3", "I5", "I6", "I7", "I9", "I10"]);
        assert_eq!(found[4], ("I6".into(), Severity::Warning, false));
        assert_eq!(found[1], ("I2".into(), Severity::Red, true));
    }

    #[test]
    fn declarations_are_stored_in_one_spelling_whatever_was_typed() {
        use AnswerKind::Declaration as D;
        for (typed, stored) in [
            ("y", "Yes"),
            ("YES", "Yes"),
            (" Yes ", "Yes"),
            ("true", "Yes"),
            ("n", "No"),
            (" NO ", "No"),
            ("NA", "N/A"),
            ("n/a", "N/A"),
            ("Not applicable", "N/A"),
        ] {
            assert_eq!(canonical_answer(&D, typed), Ok(Some(stored.to_string())), "{typed:?}");
        }
        assert_eq!(canonical_answer(&D, "  "), Ok(None));
        assert!(canonical_answer(&D, "Maybe").is_err());
        assert_eq!(
            canonical_answer(&AnswerKind::FreeText, " As typed "),
            Ok(Some("As typed".to_string()))
        );
    }

    #[test]
    fn a_formula_without_a_saved_value_replaces_the_rows_findings() {
        use AnswerKind::Declaration as D;
        let sheets = [AnsweredSheet {
            name: "S".into(),
            kind: SheetKind::Service,
            rows: vec![
                AnsweredRow {
                    row: 2,
                    ..row("A", "It MUST work", D, &[])
                },
                AnsweredRow {
                    row: 3,
                    ..row("B", "It MUST work", D, &[])
                },
            ],
        }];
        let mut report = check(&sheets, date!(2026 - 11 - 24));
        let cells = [
            UnsavedFormula {
                sheet: "S".into(),
                row: 2,
                column: "M".into(),
            },
            // Not a requirement row: not a SCAL's answer.
            UnsavedFormula {
                sheet: "S".into(),
                row: 9,
                column: "M".into(),
            },
        ];
        report_unsaved_formulas(&mut report, &sheets, &cells);
        let found: Vec<(&str, &str, bool)> = report
            .findings
            .iter()
            .map(|f| (f.requirement_id.as_str(), f.message.as_str(), f.blocking))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "A",
                    "row 2, column M holds a formula with no saved value: open and save the workbook in Excel or LibreOffice",
                    true
                ),
                ("B", "Not answered", true),
            ]
        );
    }

    #[test]
    fn the_dspt_period_turns_over_at_the_30_june_deadline() {
        assert_eq!(dspt_period_start(date!(2026 - 11 - 24)), date!(2025 - 07 - 01));
        assert_eq!(dspt_period_start(date!(2026 - 06 - 29)), date!(2024 - 07 - 01));
        assert_eq!(dspt_period_start(date!(2026 - 06 - 30)), date!(2025 - 07 - 01));
    }

    #[test]
    fn dates_in_common_formats_parse_and_impossible_ones_do_not() {
        assert_eq!(parse_date("2026-06-30"), Ok(date!(2026 - 06 - 30)));
        assert_eq!(parse_date("30/06/2026"), Ok(date!(2026 - 06 - 30)));
        assert_eq!(parse_date("1.7.2025"), Ok(date!(2025 - 07 - 01)));
        assert_eq!(parse_date("2026-06-30 00:00:00"), Ok(date!(2026 - 06 - 30)));
        for bad in ["2026-02-30", "31/13/2026", "yesterday", "2026", "", "-46115", "4611 5"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn british_text_dates_and_spreadsheet_day_numbers_are_read_and_the_reading_said() {
        let read = read_date("03/04/2026").unwrap();
        assert_eq!(
            (read.date, read.reading),
            (date!(2026 - 04 - 03), DateReading::DayFirst)
        );
        assert_eq!(
            read.note("03/04/2026").as_deref(),
            Some("read 03/04/2026 as 3 April 2026 (day first, the British order)")
        );
        assert_eq!(parse_date("3/4/2026"), Ok(date!(2026 - 04 - 03)));
        // Only one reading: nothing to say.
        assert_eq!(read_date("30/06/2026").unwrap().note("30/06/2026"), None);
        assert_eq!(read_date("04/04/2026").unwrap().note("04/04/2026"), None);
        assert_eq!(read_date("2026-04-03").unwrap().note("2026-04-03"), None);

        // What a General-formatted date cell holds, with or without a time of day.
        let serial = read_date("46115").unwrap();
        assert_eq!(
            (serial.date, serial.reading),
            (date!(2026 - 04 - 03), DateReading::Serial)
        );
        assert!(serial.note("46115").unwrap().starts_with("read 46115 as 3 April 2026"));
        assert_eq!(parse_date("46115.75"), Ok(date!(2026 - 04 - 03)));
        assert_eq!(parse_date("2958465"), Ok(date!(9999 - 12 - 31)));
        for not_a_day_number in ["2026", "9999", "2958466", "46115.", ".5"] {
            assert!(parse_date(not_a_day_number).is_err(), "{not_a_day_number}");
        }
    }

    #[test]
    fn impossible_dates_are_refused_saying_why() {
        let error = parse_date("31/02/2026").unwrap_err();
        assert_eq!(
            error.message,
            "\"31/02/2026\" is not a real date (February 2026 has no day 31): use a date like 2026-06-30 or 30/06/2026"
        );
        let error = parse_date("12/13/2026").unwrap_err();
        assert!(error.message.contains("(there is no month 13)"), "{}", error.message);
    }

    #[test]
    fn dates_are_stored_as_iso_and_numbers_in_free_text_stay_numbers() {
        assert_eq!(
            canonical_answer(&AnswerKind::Date, "03/04/2026"),
            Ok(Some("2026-04-03".to_string()))
        );
        assert_eq!(
            canonical_answer(&AnswerKind::Date, "46115"),
            Ok(Some("2026-04-03".to_string()))
        );
        assert_eq!(
            canonical_answer(&AnswerKind::FreeText, "46115"),
            Ok(Some("46115".to_string()))
        );
        assert!(canonical_answer(&AnswerKind::Date, "31/02/2026").is_err());
    }
}
