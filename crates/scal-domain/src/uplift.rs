//! Re-assurance: a SCAL reopened after acceptance, by NHS England uplifting it to a new template
//! version or by the supplier declaring a product change.
//!
//! [`impact`] is **the** delta of an uplift for one SCAL: by requirement ID, on the sheets the
//! SCAL has from that template (scoped-out requirements are not its business), the requirements
//! added (they appear unanswered), changed in text or level (their answers are kept but must be
//! confirmed or changed) and removed (archived with their last answer). A reopening is *open*
//! from when it is made until a round submitted after it is accepted: derived, never stored.

use time::Date;

use crate::share::parse_date;
use crate::template::{self, TemplateSheet};
use crate::{FieldError, Invalid};

/// One requirement of the delta.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeltaItem {
    pub sheet: String,
    pub requirement_id: String,
    pub text: String,
}

/// A requirement whose text or level changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ChangedItem {
    pub sheet: String,
    pub requirement_id: String,
    /// What changed, in words: "text", "level (SHOULD to MUST)".
    pub what: Vec<String>,
    pub before: String,
    pub after: String,
}

/// What an uplift changes for one SCAL.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Delta {
    pub added: Vec<DeltaItem>,
    pub changed: Vec<ChangedItem>,
    pub removed: Vec<DeltaItem>,
}

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// "2 added, 1 changed, 1 removed".
    pub fn summary(&self) -> String {
        format!(
            "{} added, {} changed, {} removed",
            self.added.len(),
            self.changed.len(),
            self.removed.len()
        )
    }
}

/// The delta of moving a SCAL's sheets `old` (as issued: scoped-out requirements already taken
/// out) to the new version's sheets `new` of the same names. `scoped_out` lists requirement IDs
/// taken out of this SCAL: they are not added back.
pub fn impact(old: &[TemplateSheet], new: &[TemplateSheet], scoped_out: &[String]) -> Delta {
    let names: Vec<&str> = old.iter().map(|s| s.name.as_str()).collect();
    let new: Vec<TemplateSheet> = new
        .iter()
        .filter(|s| names.contains(&s.name.as_str()))
        .cloned()
        .map(|mut s| {
            s.requirements.retain(|r| !scoped_out.contains(&r.id));
            s
        })
        .collect();
    let diff = template::diff(old, &new);
    let mut changed: Vec<ChangedItem> = Vec::new();
    for c in &diff.text_changed {
        changed.push(ChangedItem {
            sheet: c.sheet.clone(),
            requirement_id: c.requirement_id.clone(),
            what: vec!["text".into()],
            before: c.before.clone(),
            after: c.after.clone(),
        });
    }
    for c in &diff.level_changed {
        let what = format!("level ({} to {})", c.before, c.after);
        match changed.iter_mut().find(|x| x.requirement_id == c.requirement_id) {
            Some(existing) => existing.what.push(what),
            None => {
                let text = new
                    .iter()
                    .flat_map(|s| s.requirements.iter())
                    .find(|r| r.id == c.requirement_id)
                    .map(|r| r.text.clone())
                    .unwrap_or_default();
                changed.push(ChangedItem {
                    sheet: c.sheet.clone(),
                    requirement_id: c.requirement_id.clone(),
                    what: vec![what],
                    before: text.clone(),
                    after: text,
                })
            }
        }
    }
    let item = |e: &template::DiffEntry| DeltaItem {
        sheet: e.sheet.clone(),
        requirement_id: e.requirement_id.clone(),
        text: e.text.clone(),
    };
    Delta {
        added: diff.added.iter().map(item).collect(),
        changed,
        removed: diff.removed.iter().map(item).collect(),
    }
}

/// A due date: required, not before `today`.
pub fn parse_due(raw: &str, today: Date) -> Result<Date, Invalid> {
    let due = parse_date("due_date", "due date", raw).map_err(|e| Invalid(vec![e]))?;
    if due < today {
        return Err(Invalid(vec![FieldError::new(
            "due_date",
            format!("The due date must be today or later (today is {today})"),
        )]));
    }
    Ok(due)
}

/// What kind of product change the supplier declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A new version of the product.
    NewVersion,
    /// A significant change to the product without a new version number.
    SignificantChange,
}

impl ChangeKind {
    pub const ALL: [Self; 2] = [Self::NewVersion, Self::SignificantChange];

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match crate::field::trim(raw) {
            "new_version" => Ok(Self::NewVersion),
            "significant_change" => Ok(Self::SignificantChange),
            "" => Err(FieldError::new("kind", "Choose what kind of change it is")),
            _ => Err(FieldError::new(
                "kind",
                "Kind must be new_version or significant_change",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewVersion => "new_version",
            Self::SignificantChange => "significant_change",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NewVersion => "A new version of the product",
            Self::SignificantChange => "A significant change",
        }
    }
}

/// A product change as declared, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChange {
    pub kind: ChangeKind,
    /// The new version (for a new version only).
    pub version: Option<String>,
    pub description: String,
    /// The services affected, by code (each must be one of the SCAL's).
    pub services: Vec<String>,
}

/// Parses a declaration: its kind, the new version for a new version (one line, 50 characters),
/// what changed (required, 10,000 characters) and the services affected (each one of `known`;
/// none is allowed: the information sheet is always reopened).
pub fn parse_change(
    kind: &str,
    version: &str,
    description: &str,
    services: &[String],
    known: &[String],
) -> Result<ProductChange, Invalid> {
    let mut errors = Invalid::default();
    let kind = errors.check(ChangeKind::parse(kind));
    let version = match kind {
        Some(ChangeKind::NewVersion) => errors
            .check(
                crate::field::required_text("version", "the new version", version, 50).and_then(|v| {
                    if v.contains(['\n', '\r', '\t']) {
                        Err(FieldError::new("version", "Enter the version on one line"))
                    } else {
                        Ok(v)
                    }
                }),
            )
            .map(Some),
        _ => Some(None),
    };
    let description = errors.check(crate::field::required_text(
        "description",
        "what changed",
        description,
        10_000,
    ));
    let mut chosen: Vec<String> = Vec::new();
    for code in services {
        let code = crate::field::trim(code);
        match known.iter().find(|k| k.eq_ignore_ascii_case(code)) {
            Some(k) if !chosen.contains(k) => chosen.push(k.clone()),
            Some(_) => {}
            None => errors.0.push(FieldError::new(
                "services",
                format!("{code:?} is not one of this SCAL's services"),
            )),
        }
    }
    errors.finish(|| {
        Some(ProductChange {
            kind: kind?,
            version: version?,
            description: description?,
            services: chosen,
        })
    })
}

/// **The** rule for whether a reopening is still open: until a round after it (numbered above
/// `after_round`, the SCAL's latest round when it was made) is accepted. `rounds` are each
/// round's number and whether it was accepted. Rounds, not times: nothing reopens a SCAL while a
/// round is with NHS England, so the next round always follows the reopening.
pub fn is_open(after_round: i64, rounds: impl IntoIterator<Item = (i64, bool)>) -> bool {
    !rounds
        .into_iter()
        .any(|(round, accepted)| accepted && round > after_round)
}

/// What a reopening still asks before the SCAL can be submitted: each requirement an uplift
/// changed whose answer is not confirmed (`(sheet, requirement ID, what changed)`), and each
/// sheet a product change reopened that is not confirmed.
pub fn confirmation_blockers(items: &[(String, String, String)], sheets: &[String]) -> Vec<crate::onboarding::Blocker> {
    use crate::onboarding::{Blocker, BlockerAt};
    let mut out: Vec<Blocker> = items
        .iter()
        .map(|(sheet, id, what)| Blocker {
            message: format!("{sheet}, {id}: requirement changed ({what}): confirm or change your answer"),
            at: BlockerAt::Requirement {
                sheet: sheet.clone(),
                requirement_id: id.clone(),
            },
        })
        .collect();
    out.extend(sheets.iter().map(|sheet| Blocker {
        message: format!("{sheet}: the product changed: check this sheet and confirm it"),
        at: BlockerAt::Sheet { sheet: sheet.clone() },
    }));
    out
}

/// Whether an uplift with this due date, still open, has passed it on `today`: a live product's
/// certificate stays valid until then and is suspended after it.
pub fn overdue(due: Date, today: Date) -> bool {
    today > due
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{AnswerKind, Level, Requirement, SheetKind};
    use time::macros::date;

    fn req(id: &str, text: &str, level: Level) -> Requirement {
        Requirement {
            id: id.into(),
            section: None,
            text: text.into(),
            level,
            answer_kind: AnswerKind::Declaration,
            use_case: None,
            requirement_type: None,
            link: None,
            test_cases: None,
            test_environment: None,
            evidence_required: None,
            guidance: None,
        }
    }

    fn sheet(name: &str, reqs: Vec<Requirement>) -> TemplateSheet {
        TemplateSheet {
            name: name.into(),
            kind: SheetKind::Service,
            requirements: reqs,
        }
    }

    #[test]
    fn the_delta_is_by_requirement_id_on_the_scals_own_sheets_and_leaves_scoped_out_rows_out() {
        let old = [sheet(
            "e-RS",
            vec![
                req("A001", "It MUST log", Level::Must),
                req("A002", "It SHOULD retry", Level::Should),
                req("A003", "It MUST use the old endpoint", Level::Must),
            ],
        )];
        let new = [
            sheet(
                "e-RS",
                vec![
                    req("A001", "It MUST log every call", Level::Must),
                    req("A002", "It MUST retry", Level::Must),
                    req("A028-01", "It MUST send the new header", Level::Must),
                    req("A099", "Scoped out here", Level::Must),
                ],
            ),
            sheet("Another service", vec![req("B001", "Not this SCAL's", Level::Must)]),
        ];
        let delta = impact(&old, &new, &["A099".to_string()]);
        assert_eq!(
            delta
                .added
                .iter()
                .map(|d| d.requirement_id.as_str())
                .collect::<Vec<_>>(),
            ["A028-01"]
        );
        assert_eq!(
            delta
                .removed
                .iter()
                .map(|d| d.requirement_id.as_str())
                .collect::<Vec<_>>(),
            ["A003"]
        );
        let changed: Vec<(&str, Vec<String>)> = delta
            .changed
            .iter()
            .map(|c| (c.requirement_id.as_str(), c.what.clone()))
            .collect();
        assert_eq!(
            changed,
            [
                ("A001", vec!["text".to_string()]),
                ("A002", vec!["text".to_string(), "level (SHOULD to MUST)".to_string()]),
            ]
        );
        assert_eq!(delta.summary(), "1 added, 2 changed, 1 removed");
        assert!(impact(&old, &old, &[]).is_empty());
    }

    #[test]
    fn a_due_date_is_today_or_later_and_a_change_names_its_services() {
        let today = date!(2026 - 12 - 01);
        assert!(parse_due("2026-11-30", today).is_err());
        assert_eq!(parse_due("01/12/2026", today).unwrap(), today);
        let known = vec!["GPC-SEND-DOC".to_string()];
        let err = parse_change("new_version", "", " ", &["E-RS".into()], &known).unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["version", "description", "services"]);
        let ok = parse_change(
            "significant_change",
            "ignored",
            "New hosting",
            &["gpc-send-doc".into()],
            &known,
        )
        .unwrap();
        assert_eq!((ok.version, ok.services), (None, known.clone()));
        assert!(overdue(today, date!(2026 - 12 - 02)) && !overdue(today, today));
        // Open until a round submitted after it is accepted: the accepted round before it, or a
        // later round still with NHS England, does not close it.
        assert!(is_open(1, [(1, true), (2, false)]));
        assert!(!is_open(1, [(1, true), (2, true)]));
        assert!(is_open(0, []));
    }
}
