//! SCAL templates: sheets of requirements, each with a level and an answer kind, and the one rule
//! that colours an answered requirement red, amber or green.

use crate::field::trim;
use crate::FieldError;

/// How binding a requirement is, in RFC 2119 terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Must,
    MustNot,
    Should,
    ShouldNot,
    May,
    Unspecified,
}

impl Level {
    pub const ALL: [Level; 6] = [
        Level::Must,
        Level::MustNot,
        Level::Should,
        Level::ShouldNot,
        Level::May,
        Level::Unspecified,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Must => "MUST",
            Self::MustNot => "MUST NOT",
            Self::Should => "SHOULD",
            Self::ShouldNot => "SHOULD NOT",
            Self::May => "MAY",
            Self::Unspecified => "unspecified",
        }
    }

    /// For people: the keyword, or "No level stated" (`label` is the keyword or `unspecified`,
    /// the spelling exports write and import reads back).
    pub fn plain(self) -> &'static str {
        match self {
            Self::Unspecified => "No level stated",
            other => other.label(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Must => "must",
            Self::MustNot => "must_not",
            Self::Should => "should",
            Self::ShouldNot => "should_not",
            Self::May => "may",
            Self::Unspecified => "unspecified",
        }
    }

    pub fn parse_stored(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .into_iter()
            .find(|l| l.as_str() == raw)
            .ok_or_else(|| FieldError::new("level", format!("unknown level {raw:?}")))
    }

    /// A level column's value: a keyword (`MUST`, `Should not`, `SHALL`...) or a MoSCoW priority
    /// (`Must have`, `Should have`, `Could have`). `None` when it says nothing recognisable.
    pub fn from_column(raw: &str) -> Option<Self> {
        let words: Vec<String> = trim(raw).split_whitespace().map(str::to_ascii_uppercase).collect();
        let first = words.first()?.as_str();
        let negated = words.get(1).is_some_and(|w| w == "NOT");
        Some(match (first, negated) {
            ("MUST" | "SHALL" | "REQUIRED" | "MANDATORY" | "M", false) => Self::Must,
            ("MUST" | "SHALL", true) => Self::MustNot,
            ("SHOULD" | "RECOMMENDED" | "S", false) => Self::Should,
            ("SHOULD", true) => Self::ShouldNot,
            ("NOT", _) if words.get(1).is_some_and(|w| w == "RECOMMENDED") => Self::ShouldNot,
            ("MAY" | "OPTIONAL" | "COULD" | "C", _) => Self::May,
            // scal's own exports write this for requirements with no stated level.
            ("UNSPECIFIED", _) => Self::Unspecified,
            _ => return None,
        })
    }

    /// The first RFC 2119 keyword in requirement text. Keywords count only in capitals, as the RFC
    /// writes them: "you must" in running prose is not a requirement level.
    pub fn detect(text: &str) -> Self {
        let words: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty())
            .collect();
        for (i, word) in words.iter().enumerate() {
            let next_not = words.get(i + 1).is_some_and(|w| *w == "NOT");
            let level = match *word {
                "MUST" | "SHALL" if next_not => Self::MustNot,
                "MUST" | "SHALL" | "REQUIRED" => Self::Must,
                "SHOULD" if next_not => Self::ShouldNot,
                "SHOULD" | "RECOMMENDED" => Self::Should,
                "NOT" if words.get(i + 1).is_some_and(|w| *w == "RECOMMENDED") => Self::ShouldNot,
                "MAY" | "OPTIONAL" => Self::May,
                _ => continue,
            };
            return level;
        }
        Self::Unspecified
    }
}

/// What kind of answer a row takes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "options")]
pub enum AnswerKind {
    /// Yes, No or N/A.
    Declaration,
    FreeText,
    Date,
    Choice(Vec<String>),
    OdsCode,
    Attachment,
}

impl AnswerKind {
    /// Whether typing a value answers a question of this kind. An attachment question is answered
    /// only by linking evidence files to it in scal (its answer is then the files' names), so
    /// "attached" always means a real file: a typed or imported value never counts. The one rule
    /// saving an answer, answer import and `scal check` (through `manifest::reconcile`) follow.
    pub fn answered_by_typing(&self) -> bool {
        !matches!(self, Self::Attachment)
    }

    /// For people: what kind of answer the question takes.
    pub fn plain(&self) -> &'static str {
        match self {
            Self::Declaration => "Yes, No or N/A",
            Self::FreeText => "Text",
            Self::Date => "A date",
            Self::Choice(_) => "One of a list",
            Self::OdsCode => "An ODS code",
            Self::Attachment => "A file",
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Declaration => "declaration",
            Self::FreeText => "free_text",
            Self::Date => "date",
            Self::Choice(_) => "choice",
            Self::OdsCode => "ods_code",
            Self::Attachment => "attachment",
        }
    }

    /// The DSPT assessment outcomes, in the order the toolkit publishes them.
    pub fn dspt_status() -> Self {
        Self::Choice(
            [
                "Standards Exceeded",
                "Standards Met",
                "Approaching Standards",
                "Standards Not Met",
                "Not Published",
            ]
            .map(String::from)
            .to_vec(),
        )
    }

    /// An information-sheet question's kind, from its wording, when the file does not say (no
    /// answer-type column, no drop-down list on its answer cell).
    ///
    /// A question that offers alternatives ("Are you the data controller, the data processor, or
    /// both?") is a choice between them. One whose "or" cannot be read as a list of answers ("Do
    /// you store or process patient data?", "Is it cloud hosted or on premise?") is free text, not
    /// a declaration: free text accepts whatever a person writes, where a wrong guess at Yes/No or
    /// at the options would refuse a good answer.
    pub fn infer_from_question(question: &str) -> Self {
        let q = question.to_lowercase();
        let has = |needle: &str| q.contains(needle);
        let says_yes_no = has("(yes/no") || has("(y/n") || has("yes or no") || has("yes/no");
        if has("ods code") || has("ods-code") || has("organisation code") {
            Self::OdsCode
        } else if has("dspt") && (has("status") || has("level") || has("outcome")) {
            Self::dspt_status()
        } else if has("date") || has("when was") || has("when did") {
            Self::Date
        } else if has("attach") || has("upload") || has("embed") || has("copy of") {
            Self::Attachment
        } else if says_yes_no {
            Self::Declaration
        } else if let Some(options) = offered_alternatives(question) {
            Self::Choice(options)
        } else if q.split_whitespace().any(|w| w == "or") {
            Self::FreeText
        } else if q.starts_with("do ")
            || q.starts_with("does ")
            || q.starts_with("is ")
            || q.starts_with("are ")
            || q.starts_with("has ")
            || q.starts_with("have ")
            || q.starts_with("will ")
            || q.starts_with("can ")
        {
            Self::Declaration
        } else {
            Self::FreeText
        }
    }
}

/// Words that start a phrase parallel to another in a list of alternatives.
const PHRASE_STARTS: [&str; 15] = [
    "the", "a", "an", "in", "on", "at", "by", "via", "through", "with", "within", "from", "to", "for", "as",
];

/// Last alternatives that make any "X or Y" a choice.
const CLOSING_ALTERNATIVES: [&str; 6] = [
    "both",
    "neither",
    "other",
    "all of these",
    "none of these",
    "something else",
];

/// The answers a question offers in its wording, as options (`Data controller`, `Data
/// processor`, `Both`), when they can be read without doubt:
/// - a list of three or more, "A, B, or C?";
/// - two ending in "or both", "or neither", "or other";
/// - two parallel phrases, "the controller or the processor", "in the UK or in the EEA".
///
/// Anything else is `None`. The first alternative is cut from the question's opening words at
/// the word that starts the second (`Are you | the data controller`), or else by the second's
/// length in words.
pub fn offered_alternatives(question: &str) -> Option<Vec<String>> {
    let text = question.split('?').next().unwrap_or(question);
    let text = text.trim().trim_end_matches(['.', ':', ';']);
    let lower = text.to_lowercase();
    let at = lower.rfind(" or ")?;
    let last = text.get(at + 4..)?.trim().trim_end_matches([',', '.']);
    let before = text.get(..at)?.trim_end().trim_end_matches(',');
    let mut chunks: Vec<&str> = before.split(',').map(str::trim).collect();
    let opening = chunks.remove(0);
    let mut later: Vec<&str> = chunks;
    later.push(last);
    let words = |s: &str| s.split_whitespace().count();
    if later.iter().any(|a| a.is_empty() || words(a) > 6) {
        return None;
    }
    let second = later[0];
    let second_starts = second.split_whitespace().next()?.to_lowercase();
    let opening_words: Vec<&str> = opening.split_whitespace().collect();
    let parallel_at = PHRASE_STARTS
        .contains(&second_starts.as_str())
        .then(|| {
            opening_words
                .iter()
                .rposition(|w| w.eq_ignore_ascii_case(&second_starts))
        })
        .flatten()
        // Any preposition matches any other: "in the cloud or on premise".
        .or_else(|| {
            PHRASE_STARTS[3..]
                .contains(&second_starts.as_str())
                .then(|| {
                    opening_words
                        .iter()
                        .rposition(|w| PHRASE_STARTS[3..].contains(&w.to_lowercase().as_str()))
                })
                .flatten()
        });
    let list = later.len() >= 2;
    let closing = CLOSING_ALTERNATIVES.contains(&last.to_lowercase().as_str());
    if !(list || closing || parallel_at.is_some()) {
        return None;
    }
    let first_from = match parallel_at {
        Some(i) if i > 0 => i,
        _ => opening_words.len().checked_sub(words(second))?,
    };
    // The opening's first word is the question's verb: never part of an answer.
    if first_from == 0 {
        return None;
    }
    let first = opening_words[first_from..].join(" ");
    let options: Vec<String> = std::iter::once(first.as_str()).chain(later).map(as_option).collect();
    (options.len() <= 10 && options.iter().all(|o| !o.is_empty())).then_some(options)
}

/// An alternative as an option's label: no leading article, first letter in capitals.
fn as_option(alternative: &str) -> String {
    let words: Vec<&str> = alternative.split_whitespace().collect();
    let start = usize::from(words.len() > 1 && matches!(words[0].to_lowercase().as_str(), "the" | "a" | "an"));
    let label = words[start..].join(" ");
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
}

/// Whether a typed answer is this option: any case, spacing and punctuation, with or without a
/// leading article ("the data processor" is `Data processor`).
pub fn is_option(option: &str, typed: &str) -> bool {
    fn key(s: &str) -> String {
        let words: Vec<String> = s
            .to_lowercase()
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '/' { c } else { ' ' })
            .collect::<String>()
            .split_whitespace()
            .map(String::from)
            .collect();
        let start = usize::from(words.len() > 1 && matches!(words[0].as_str(), "the" | "a" | "an"));
        words[start..].join(" ")
    }
    let typed = key(typed);
    !typed.is_empty() && key(option) == typed
}

/// A declaration answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Declaration {
    Yes,
    No,
    #[serde(rename = "N/A")]
    NotApplicable,
}

impl Declaration {
    pub fn label(self) -> &'static str {
        match self {
            Self::Yes => "Yes",
            Self::No => "No",
            Self::NotApplicable => "N/A",
        }
    }

    pub const ALL: [Declaration; 3] = [Self::Yes, Self::No, Self::NotApplicable];

    /// Every spelling [`Self::parse`] accepts for this answer, in lower case (any case is
    /// accepted, surrounding whitespace ignored). The one list: `parse` reads it, and the
    /// export's colour formulas are generated from it, so Excel colours exactly what import reads.
    pub fn spellings(self) -> &'static [&'static str] {
        match self {
            Self::Yes => &["yes", "y", "true", "compliant"],
            Self::No => &["no", "n", "false", "non-compliant", "not compliant"],
            Self::NotApplicable => &["n/a", "na", "n.a.", "not applicable"],
        }
    }

    /// `Yes`, `No` or `N/A`, in any case, with common spellings (`Y`, `N`, `NA`, `Not applicable`:
    /// [`Self::spellings`]). Empty input is "not answered" (`Ok(None)`).
    pub fn parse(raw: &str) -> Result<Option<Self>, FieldError> {
        let value = trim(raw).to_ascii_lowercase();
        if value.is_empty() {
            return Ok(None);
        }
        Self::ALL
            .into_iter()
            .find(|answer| answer.spellings().contains(&value.as_str()))
            .map(Some)
            .ok_or_else(|| {
                FieldError::new(
                    "answer",
                    format!("{:?} is not an answer: use Yes, No or N/A", trim(raw)),
                )
            })
    }
}

/// Red, amber, green, or nothing yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    Red,
    Amber,
    Green,
    None,
}

impl Rag {
    pub const ALL: [Rag; 4] = [Self::Red, Self::Amber, Self::Green, Self::None];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Amber => "amber",
            Self::Green => "green",
            Self::None => "none",
        }
    }
}

/// **The** rule for a requirement's colour. Export (as Excel conditional formatting), `scal check`,
/// the UI and the API all derive from this function; nothing else decides red.
///
/// - unanswered: none;
/// - Yes, or N/A: green (N/A still needs a justification, which `check` asks for);
/// - No to MUST or MUST NOT: red: the supplier must explain and mitigate, NHS England decides;
/// - No to SHOULD or SHOULD NOT, or to a requirement with no stated level: amber, explain why;
/// - No to MAY: green, it was optional.
pub fn rag(level: Level, answer: Option<Declaration>) -> Rag {
    match (answer, level) {
        (None, _) => Rag::None,
        (Some(Declaration::Yes | Declaration::NotApplicable), _) => Rag::Green,
        (Some(Declaration::No), Level::Must | Level::MustNot) => Rag::Red,
        (Some(Declaration::No), Level::Should | Level::ShouldNot | Level::Unspecified) => Rag::Amber,
        (Some(Declaration::No), Level::May) => Rag::Green,
    }
}

/// A requirement's colour given the answer text as stored or typed: the rule above for
/// declarations (an unreadable declaration has no colour); any other kind is green once answered.
pub fn requirement_rag(requirement: &Requirement, response: Option<&str>) -> Rag {
    let response = response.map(trim).filter(|r| !r.is_empty());
    match (&requirement.answer_kind, response) {
        (_, None) => Rag::None,
        (AnswerKind::Declaration, Some(text)) => {
            Declaration::parse(text).map_or(Rag::None, |answer| rag(requirement.level, answer))
        }
        (_, Some(_)) => Rag::Green,
    }
}

/// A requirement as a template defines it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Requirement {
    /// The stable ID as in the source (`GPCM-SD-028`).
    pub id: String,
    /// The section heading above it, or its item/grouping column.
    pub section: Option<String>,
    pub text: String,
    pub level: Level,
    pub answer_kind: AnswerKind,
    pub use_case: Option<String>,
    pub requirement_type: Option<String>,
    pub link: Option<String>,
    pub test_cases: Option<String>,
    pub test_environment: Option<String>,
    pub evidence_required: Option<String>,
    pub guidance: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    /// The supplier and product information sheet, filled once per product.
    Information,
    /// One sheet per service.
    Service,
}

impl SheetKind {
    pub const ALL: [SheetKind; 2] = [Self::Information, Self::Service];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Information => "information",
            Self::Service => "service",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_capitalised_keyword_sets_the_level() {
        for (text, level) in [
            ("MESH MUST be used as the transport", Level::Must),
            ("The sender MUST NOT retry more than 3 times", Level::MustNot),
            ("Consumers SHOULD cache, and MUST log", Level::Should),
            ("It SHOULD NOT block", Level::ShouldNot),
            ("Systems MAY display the banner", Level::May),
            ("It is NOT RECOMMENDED to poll", Level::ShouldNot),
            ("The server SHALL respond", Level::Must),
            ("Suppliers must ensure prose is ignored", Level::Unspecified),
            ("Record the MUSTARD colour", Level::Unspecified),
            ("", Level::Unspecified),
        ] {
            assert_eq!(Level::detect(text), level, "{text}");
        }
    }

    #[test]
    fn level_columns_accept_keywords_and_moscow() {
        assert_eq!(Level::from_column(" must not "), Some(Level::MustNot));
        assert_eq!(Level::from_column("Must have"), Some(Level::Must));
        assert_eq!(Level::from_column("Could have"), Some(Level::May));
        assert_eq!(Level::from_column("Should"), Some(Level::Should));
        assert_eq!(Level::from_column("1"), None);
    }

    #[test]
    fn no_to_a_must_is_red_to_a_should_amber_and_yes_green() {
        use Declaration::*;
        assert_eq!(rag(Level::Must, Some(No)), Rag::Red);
        assert_eq!(rag(Level::MustNot, Some(No)), Rag::Red);
        assert_eq!(rag(Level::Should, Some(No)), Rag::Amber);
        assert_eq!(rag(Level::ShouldNot, Some(No)), Rag::Amber);
        assert_eq!(rag(Level::Unspecified, Some(No)), Rag::Amber);
        assert_eq!(rag(Level::May, Some(No)), Rag::Green);
        for level in Level::ALL {
            assert_eq!(rag(level, Some(Yes)), Rag::Green);
            assert_eq!(rag(level, Some(NotApplicable)), Rag::Green);
            assert_eq!(rag(level, None), Rag::None);
        }
    }

    #[test]
    fn declarations_accept_common_spellings_and_refuse_others() {
        assert_eq!(Declaration::parse(" yes "), Ok(Some(Declaration::Yes)));
        assert_eq!(Declaration::parse("NA"), Ok(Some(Declaration::NotApplicable)));
        assert_eq!(Declaration::parse(""), Ok(None));
        let err = Declaration::parse("Maybe").expect_err("not a declaration");
        assert!(err.message.contains("\"Maybe\" is not an answer"), "{}", err.message);
    }

    #[test]
    fn information_questions_get_their_kind_from_their_wording() {
        assert_eq!(
            AnswerKind::infer_from_question("Organisation ODS code"),
            AnswerKind::OdsCode
        );
        assert_eq!(
            AnswerKind::infer_from_question("What is your current DSPT status?"),
            AnswerKind::dspt_status()
        );
        assert_eq!(
            AnswerKind::infer_from_question("Date of last penetration test"),
            AnswerKind::Date
        );
        assert_eq!(
            AnswerKind::infer_from_question("Is the product a medical device?"),
            AnswerKind::Declaration
        );
        assert_eq!(AnswerKind::infer_from_question("Product name"), AnswerKind::FreeText);
    }

    #[test]
    fn questions_offering_alternatives_are_choices_and_unclear_ones_free_text() {
        let choice = |q: &str| match AnswerKind::infer_from_question(q) {
            AnswerKind::Choice(options) => options,
            other => panic!("{q}: {other:?}"),
        };
        assert_eq!(
            choice("Are you the data controller, the data processor, or both?"),
            ["Data controller", "Data processor", "Both"]
        );
        assert_eq!(
            choice("Are you the data controller or the data processor?"),
            ["Data controller", "Data processor"]
        );
        assert_eq!(
            choice("Is the product hosted in the UK or in the EEA?"),
            ["In the UK", "In the EEA"]
        );
        assert_eq!(
            choice("Is the service hosted on AWS, Azure, GCP or elsewhere?"),
            ["AWS", "Azure", "GCP", "Elsewhere"]
        );
        assert_eq!(
            choice("Is the system used by clinicians or both? (select one)"),
            ["Clinicians", "Both"]
        );
        for free in [
            "Do you store or process patient data?",
            "Is the system cloud hosted or on premise?",
            "Does the product use HL7 or FHIR?",
            "Or what?",
            "Describe the architecture, hosting and network or security controls in full detail please",
        ] {
            assert_eq!(AnswerKind::infer_from_question(free), AnswerKind::FreeText, "{free}");
        }
        for declaration in [
            "Is the product a medical device?",
            "Is the product CE or UKCA marked (Yes/No)?",
            "Yes or no: do you use subcontractors?",
        ] {
            assert_eq!(
                AnswerKind::infer_from_question(declaration),
                AnswerKind::Declaration,
                "{declaration}"
            );
        }
    }

    #[test]
    fn options_match_typed_answers_in_any_case_with_or_without_an_article() {
        assert!(is_option("Data processor", "the data processor"));
        assert!(is_option("Data processor", " DATA  PROCESSOR. "));
        assert!(is_option("N/A", "n/a"));
        assert!(!is_option("Data processor", "processor"));
        assert!(!is_option("Both", ""));
    }
}

/// A named template version's content, in order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TemplateSheet {
    pub name: String,
    pub kind: SheetKind,
    pub requirements: Vec<Requirement>,
}

/// What changed between two versions, by requirement ID.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TemplateDiff {
    pub added: Vec<DiffEntry>,
    pub removed: Vec<DiffEntry>,
    pub text_changed: Vec<Change>,
    pub level_changed: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiffEntry {
    pub sheet: String,
    pub requirement_id: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub sheet: String,
    pub requirement_id: String,
    pub before: String,
    pub after: String,
}

impl TemplateDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.text_changed.is_empty()
            && self.level_changed.is_empty()
    }
}

/// Compares two versions requirement by requirement ID (the first occurrence of an ID counts when
/// a version repeats it across sheets). Order follows the newer version, then the older.
pub fn diff(old: &[TemplateSheet], new: &[TemplateSheet]) -> TemplateDiff {
    type Entry<'a> = (&'a str, &'a str, &'a Requirement);
    fn index(sheets: &[TemplateSheet]) -> Vec<Entry<'_>> {
        let mut map: Vec<Entry<'_>> = Vec::new();
        for sheet in sheets {
            for requirement in &sheet.requirements {
                if !map.iter().any(|(_, id, _)| *id == requirement.id) {
                    map.push((&sheet.name, &requirement.id, requirement));
                }
            }
        }
        map
    }
    fn find<'a>(list: &[Entry<'a>], id: &str) -> Option<&'a Requirement> {
        list.iter().find(|(_, i, _)| *i == id).map(|(_, _, r)| *r)
    }
    let (old, new) = (index(old), index(new));
    let mut result = TemplateDiff::default();
    for (sheet, id, after) in &new {
        match find(&old, id) {
            None => result.added.push(DiffEntry {
                sheet: (*sheet).into(),
                requirement_id: (*id).into(),
                text: after.text.clone(),
            }),
            Some(before) => {
                if before.text != after.text {
                    result.text_changed.push(Change {
                        sheet: (*sheet).into(),
                        requirement_id: (*id).into(),
                        before: before.text.clone(),
                        after: after.text.clone(),
                    });
                }
                if before.level != after.level {
                    result.level_changed.push(Change {
                        sheet: (*sheet).into(),
                        requirement_id: (*id).into(),
                        before: before.level.label().into(),
                        after: after.level.label().into(),
                    });
                }
            }
        }
    }
    for (sheet, id, before) in &old {
        if find(&new, id).is_none() {
            result.removed.push(DiffEntry {
                sheet: (*sheet).into(),
                requirement_id: (*id).into(),
                text: before.text.clone(),
            });
        }
    }
    result
}

#[cfg(test)]
mod diff_tests {
    use super::*;

    fn sheet(rows: &[(&str, &str)]) -> Vec<TemplateSheet> {
        let requirements = rows
            .iter()
            .map(|(id, text)| Requirement {
                id: (*id).into(),
                section: None,
                text: (*text).into(),
                level: Level::detect(text),
                answer_kind: AnswerKind::Declaration,
                use_case: None,
                requirement_type: None,
                link: None,
                test_cases: None,
                test_environment: None,
                evidence_required: None,
                guidance: None,
            })
            .collect();
        vec![TemplateSheet {
            name: "S".into(),
            kind: SheetKind::Service,
            requirements,
        }]
    }

    #[test]
    fn finds_added_removed_text_and_level_changes_by_id() {
        let old = sheet(&[("A", "It MUST x"), ("B", "It SHOULD y"), ("C", "It MAY z")]);
        let new = sheet(&[("B", "It MUST y"), ("A", "It MUST x, always"), ("D", "New MUST")]);
        let d = diff(&old, &new);
        let ids = |v: &[DiffEntry]| v.iter().map(|e| e.requirement_id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&d.added), ["D"]);
        assert_eq!(ids(&d.removed), ["C"]);
        assert_eq!(
            d.text_changed
                .iter()
                .map(|c| c.requirement_id.as_str())
                .collect::<Vec<_>>(),
            ["B", "A"]
        );
        assert_eq!(d.level_changed.len(), 1);
        assert_eq!(
            (d.level_changed[0].before.as_str(), d.level_changed[0].after.as_str()),
            ("SHOULD", "MUST")
        );
        assert!(diff(&old, &old).is_empty());
    }
}

/// An existing template, as far as choosing where an imported file belongs needs it.
#[derive(Debug, Clone, Copy)]
pub struct ExistingTemplate<'a> {
    pub name: &'a str,
    pub service: Option<&'a str>,
}

/// Whether two template names are the same name: case and surrounding spaces do not make a
/// different template (two templates "Send Document" and "send document " would only confuse).
pub fn same_template_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// Which existing template an imported file most likely is a new version of (its index): the one
/// named like the file (the typed name, or the file's own name), else the latest template for the
/// chosen service. `templates` are in the order they were created. `None`: a new template.
pub fn likely_template(templates: &[ExistingTemplate<'_>], names: &[&str], service: Option<&str>) -> Option<usize> {
    let named = names
        .iter()
        .filter(|n| !n.trim().is_empty())
        .find_map(|n| templates.iter().position(|t| same_template_name(t.name, n)));
    named.or_else(|| {
        let service = service.map(str::trim).filter(|s| !s.is_empty())?;
        templates
            .iter()
            .rposition(|t| t.service.is_some_and(|s| s.eq_ignore_ascii_case(service)))
    })
}

#[cfg(test)]
mod likely_template_tests {
    use super::*;

    const TEMPLATES: [ExistingTemplate<'static>; 3] = [
        ExistingTemplate {
            name: "Send Document",
            service: Some("GPC-SEND-DOC"),
        },
        ExistingTemplate {
            name: "PDS",
            service: Some("PDS-FHIR"),
        },
        ExistingTemplate {
            name: "PDS 2025",
            service: Some("PDS-FHIR"),
        },
    ];

    #[test]
    fn a_matching_name_wins_over_the_service() {
        assert_eq!(
            likely_template(&TEMPLATES, &["", " send document"], Some("PDS-FHIR")),
            Some(0)
        );
        assert_eq!(likely_template(&TEMPLATES, &["PDS", "send document"], None), Some(1));
    }

    #[test]
    fn otherwise_the_latest_template_for_the_service() {
        assert_eq!(likely_template(&TEMPLATES, &["pds-v3"], Some("PDS-FHIR")), Some(2));
        assert_eq!(likely_template(&TEMPLATES, &["pds-v3"], Some("gpc-send-doc")), Some(0));
    }

    #[test]
    fn nothing_matching_is_a_new_template() {
        assert_eq!(likely_template(&TEMPLATES, &["new"], Some("OTHER")), None);
        assert_eq!(likely_template(&TEMPLATES, &["new"], Some("")), None);
        assert_eq!(likely_template(&[], &["Send Document"], None), None);
    }
}
