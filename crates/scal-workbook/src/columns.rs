//! What a column holds, judged from its header's words (and, for answers, from the list the
//! workbook offers in it). Pure functions: [`score`] rates one header against every field,
//! [`assign`] picks one column per field for a whole header row.
//!
//! Why words and not exact text: NHS England's layouts change from one workbook to the next
//! (`Compliant (Yes/No/N/A)`, `Supplier comments / justification`), and a header that is not
//! recognised makes a fully answered sheet read as unanswered. Exact synonyms still score highest,
//! so the layouts recognised before keep their columns.

use crate::import::Field;

/// A header that is one of the field's synonyms.
pub const EXACT: u8 = 100;
/// A header that is a synonym once qualifiers are dropped (`Supplier response (Y/N)`).
const CORE: u8 = 90;
/// The last field word before any `for …`/`of …` tail: the head of the phrase (`Requirement ID`).
const HEAD: u8 = 70;
/// Another field word before the tail.
const WORD: u8 = 60;
/// A field word only after `for`, `of`, … (`Target date for mitigation`: mitigation).
const TAIL: u8 = 40;
/// Nothing in the words, but the brackets say Yes/No (`Column F (Y/N)`).
const BRACKET_HINT: u8 = 45;
/// Nothing in the words, but the column offers a Yes/No/N/A list.
pub const VALIDATION_ONLY: u8 = 50;
/// A Yes/No/N/A list on a column whose header also says "answer" breaks a tie in its favour.
pub const VALIDATION_BONUS: u8 = 5;

/// Headers longer than this are sentences (a requirement's text), not headers.
const MAX_HEADER_CHARS: usize = 120;
const MAX_CORE_WORDS: usize = 6;

/// Lower case, single spaces, no punctuation.
pub fn normalise(header: &str) -> String {
    header
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Words that qualify a header without changing what it holds.
const QUALIFIERS: &[&str] = &[
    "supplier",
    "suppliers",
    "supplier's",
    "s",
    "please",
    "your",
    "our",
    "the",
    "a",
    "an",
    "provide",
    "enter",
    "select",
    "state",
    "give",
    "any",
    "here",
    "if",
    "applicable",
    "and",
    "or",
    "e",
    "g",
    "eg",
    "ie",
    "optional",
    "column",
    "col",
    "field",
    "box",
    "scal",
];

/// Words naming someone other than the supplier: their comments or responses are not answers.
const THEIRS: &[&str] = &[
    "nhs",
    "nhse",
    "nhsd",
    "england",
    "assessor",
    "assessors",
    "reviewer",
    "reviewers",
    "assurance",
    "internal",
];

/// The supplier's answer fields.
const ANSWERS: [Field; 4] = [
    Field::Response,
    Field::Justification,
    Field::Mitigation,
    Field::TargetDate,
];

/// Words after which the rest of a header qualifies its head (`Target date for mitigation`).
const PREPOSITIONS: &[&str] = &[
    "for", "of", "to", "against", "on", "in", "with", "per", "by", "from", "about",
];

/// Field words and phrases; longer phrases are matched first, so `answer type` is one phrase.
const KEYWORDS: &[(&str, Field)] = &[
    ("yes no n a", Field::Response),
    ("req no", Field::Id),
    ("req number", Field::Id),
    ("requirement no", Field::Id),
    ("requirement number", Field::Id),
    ("item no", Field::Id),
    ("ref no", Field::Id),
    ("answer type", Field::AnswerKind),
    ("response type", Field::AnswerKind),
    ("answer kind", Field::AnswerKind),
    ("answer format", Field::AnswerKind),
    ("response format", Field::AnswerKind),
    ("target date", Field::TargetDate),
    ("due date", Field::TargetDate),
    ("by when", Field::TargetDate),
    ("completion date", Field::TargetDate),
    ("compliant by", Field::TargetDate),
    ("compliance by", Field::TargetDate),
    ("compliance date", Field::TargetDate),
    ("test case", Field::TestCases),
    ("test cases", Field::TestCases),
    ("use case", Field::UseCase),
    ("use cases", Field::UseCase),
    ("test env", Field::TestEnvironment),
    ("rfc 2119", Field::Level),
    ("yes no", Field::Response),
    ("y n", Field::Response),
    ("id", Field::Id),
    ("ids", Field::Id),
    ("identifier", Field::Id),
    ("ref", Field::Id),
    ("reference", Field::Id),
    ("requirement", Field::Text),
    ("requirements", Field::Text),
    ("req", Field::Text),
    ("description", Field::Text),
    ("text", Field::Text),
    ("statement", Field::Text),
    ("question", Field::Text),
    ("detail", Field::Text),
    ("details", Field::Text),
    ("wording", Field::Text),
    ("criteria", Field::Text),
    ("criterion", Field::Text),
    ("level", Field::Level),
    ("obligation", Field::Level),
    ("moscow", Field::Level),
    ("priority", Field::Level),
    ("compliant", Field::Response),
    ("compliance", Field::Response),
    ("comply", Field::Response),
    ("complies", Field::Response),
    ("conformant", Field::Response),
    ("response", Field::Response),
    ("responses", Field::Response),
    ("answer", Field::Response),
    ("comments", Field::Justification),
    ("comment", Field::Justification),
    ("justification", Field::Justification),
    ("justify", Field::Justification),
    ("explanation", Field::Justification),
    ("rationale", Field::Justification),
    ("reason", Field::Justification),
    ("reasons", Field::Justification),
    ("remarks", Field::Justification),
    ("mitigation", Field::Mitigation),
    ("mitigations", Field::Mitigation),
    ("mitigating", Field::Mitigation),
    ("mitigate", Field::Mitigation),
    ("remediation", Field::Mitigation),
    ("remedial", Field::Mitigation),
    ("workaround", Field::Mitigation),
    ("deadline", Field::TargetDate),
    // A date in a requirement table's answer columns is when a No will be put right: the
    // requirement itself has no date of its own (`Date to be compliant by`).
    ("date", Field::TargetDate),
    ("evidence", Field::EvidenceRequired),
    ("tests", Field::TestCases),
    ("type", Field::Type),
    ("link", Field::Link),
    ("links", Field::Link),
    ("url", Field::Link),
    ("hyperlink", Field::Link),
    ("environment", Field::TestEnvironment),
    ("guidance", Field::Guidance),
    ("help", Field::Guidance),
    ("instructions", Field::Guidance),
    ("section", Field::Item),
    ("category", Field::Item),
    ("area", Field::Item),
];

/// The fields a header's words alone may name. The others (use case, link, guidance, evidence,
/// test cases, type) describe a requirement without deciding anything, so they keep their exact
/// synonyms: guessing them would change what an imported template says, while missing one only
/// lists its header as ignored. Their phrases are still matched, so `Use case` or `Test case`
/// words are never read as another field.
const BY_WORDS: [Field; 9] = [
    Field::Id,
    Field::Text,
    Field::Level,
    Field::Response,
    Field::Justification,
    Field::Mitigation,
    Field::TargetDate,
    Field::Item,
    Field::AnswerKind,
];

/// The fields `header` may mean, best first, each with how well it fits (0 to 100). Exact
/// synonyms score [`EXACT`]; an empty, sentence-long or unrelated header scores nothing.
pub fn score(header: &str) -> Vec<(Field, u8)> {
    if header.chars().count() > MAX_HEADER_CHARS {
        return Vec::new();
    }
    let normal = normalise(header);
    if normal.is_empty() {
        return Vec::new();
    }
    if let Some(field) = Field::ALL.into_iter().find(|f| f.synonyms().contains(&normal.as_str())) {
        return vec![(field, EXACT)];
    }
    // Bracketed text qualifies the header (`Compliant (Yes/No/N/A)`): kept only as a hint.
    let (mut main, mut brackets) = (String::new(), String::new());
    let mut depth = 0usize;
    for c in header.chars() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ if depth > 0 => brackets.push(c),
            _ => main.push(c),
        }
        if depth > 0 && matches!(c, '(' | '[' | '{') {
            brackets.push(' ');
        }
    }
    let core: Vec<String> = normalise(&main)
        .split(' ')
        .filter(|w| !w.is_empty() && !QUALIFIERS.contains(w))
        .map(String::from)
        .collect();
    if core.len() > MAX_CORE_WORDS {
        return Vec::new();
    }
    let mut scores: Vec<(Field, u8)> = Vec::new();
    fn raise(scores: &mut Vec<(Field, u8)>, field: Field, value: u8) {
        match scores.iter_mut().find(|(f, _)| *f == field) {
            Some((_, s)) => *s = (*s).max(value),
            None => scores.push((field, value)),
        }
    }
    let joined = core.join(" ");
    if let Some(field) = Field::ALL.into_iter().find(|f| f.synonyms().contains(&joined.as_str())) {
        raise(&mut scores, field, CORE);
    }
    // Field words, longest phrase first; then the head is the last one before a preposition.
    let mut matches: Vec<(Field, usize)> = Vec::new();
    let mut cut = core.len();
    let mut i = 0;
    while i < core.len() {
        let found = (1..=4).rev().find_map(|len| {
            let phrase = core.get(i..i + len)?.join(" ");
            KEYWORDS.iter().find(|(k, _)| *k == phrase).map(|(_, f)| (*f, len))
        });
        match found {
            Some((field, len)) => {
                matches.push((field, i));
                i += len;
            }
            None => {
                if cut == core.len() && PREPOSITIONS.contains(&core[i].as_str()) {
                    cut = i;
                }
                i += 1;
            }
        }
    }
    let head = matches.iter().rposition(|(_, at)| *at < cut);
    // A descriptive head (`Compliance evidence`) makes the other words its modifiers.
    let descriptive_head = head
        .and_then(|h| matches.get(h))
        .is_some_and(|(f, _)| !BY_WORDS.contains(f));
    // Another party's column (`NHS England comments`, `Assessor response`) is no supplier answer.
    let theirs = core.iter().any(|w| THEIRS.contains(&w.as_str()));
    for (n, (field, at)) in matches.iter().enumerate() {
        if !BY_WORDS.contains(field) || (theirs && ANSWERS.contains(field)) {
            continue;
        }
        let value = if Some(n) == head {
            HEAD
        } else if *at < cut && !descriptive_head {
            WORD
        } else {
            TAIL
        };
        raise(&mut scores, *field, value);
    }
    let hint = normalise(&brackets);
    if scores.is_empty() && (hint.contains("yes no") || hint == "y n" || hint.starts_with("y n ")) {
        raise(&mut scores, Field::Response, BRACKET_HINT);
    }
    scores.sort_by_key(|(_, s)| std::cmp::Reverse(*s));
    scores
}

/// Which header became which field, and where the header row left it open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignment {
    /// `(column position in the input, field, score)`.
    pub chosen: Vec<(usize, Field, u8)>,
    /// A field two or more columns fit equally well: not guessed, their positions listed.
    pub ambiguous: Vec<(Field, Vec<usize>)>,
}

/// The best unambiguous assignment of fields to columns, `candidates[i]` being column `i`'s
/// scores: each field to at most one column and each column to at most one field, the strongest
/// fits first. When two free columns fit a field equally well, the field is reported as ambiguous
/// and left out, rather than given to the leftmost.
pub fn assign(candidates: &[Vec<(Field, u8)>]) -> Assignment {
    let mut all: Vec<(u8, usize, Field)> = candidates
        .iter()
        .enumerate()
        .flat_map(|(column, scores)| scores.iter().map(move |(field, s)| (*s, column, *field)))
        .filter(|(s, _, _)| *s > 0)
        .collect();
    // Strongest first; among equals, the field order of `Field::ALL` (ID and text first).
    let rank = |f: Field| Field::ALL.iter().position(|g| *g == f).unwrap_or(usize::MAX);
    all.sort_by(|a, b| b.0.cmp(&a.0).then(rank(a.2).cmp(&rank(b.2))).then(a.1.cmp(&b.1)));
    let mut out = Assignment::default();
    let mut used_columns = vec![false; candidates.len()];
    let mut settled: Vec<Field> = Vec::new();
    for &(s, column, field) in &all {
        if settled.contains(&field) || used_columns.get(column).copied().unwrap_or(true) {
            continue;
        }
        let rivals: Vec<usize> = all
            .iter()
            .filter(|(t, c, f)| *t == s && *f == field && !used_columns.get(*c).copied().unwrap_or(true))
            .map(|(_, c, _)| *c)
            .collect();
        settled.push(field);
        if rivals.len() > 1 {
            out.ambiguous.push((field, rivals));
        } else if let Some(flag) = used_columns.get_mut(column) {
            *flag = true;
            out.chosen.push((column, field, s));
        }
    }
    out.chosen.sort_by_key(|(column, _, _)| *column);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn best(header: &str) -> Option<Field> {
        score(header).first().map(|(f, _)| *f)
    }

    #[test]
    fn header_variants_map_to_their_fields() {
        let cases: &[(&str, Field)] = &[
            ("Compliant (Yes/No/N/A)", Field::Response),
            ("Compliance", Field::Response),
            ("Supplier response", Field::Response),
            ("Please provide your response", Field::Response),
            ("Answer (Y/N)", Field::Response),
            ("Y/N", Field::Response),
            ("Compliant?", Field::Response),
            ("Supplier comments / justification", Field::Justification),
            ("Justification", Field::Justification),
            ("Explanation", Field::Justification),
            ("Rationale", Field::Justification),
            ("Mitigating actions", Field::Mitigation),
            ("Mitigation / remediation plan", Field::Mitigation),
            ("Remediation", Field::Mitigation),
            ("Target date", Field::TargetDate),
            ("Due date", Field::TargetDate),
            ("By when", Field::TargetDate),
            ("Target date for mitigation", Field::TargetDate),
            ("Requirement ID", Field::Id),
            ("Identifier", Field::Id),
            ("Reference", Field::Id),
            ("Ref", Field::Id),
            ("Req No.", Field::Id),
            ("SCAL Requirement Reference", Field::Id),
            ("Requirement", Field::Text),
            ("Requirement text", Field::Text),
            ("Description", Field::Text),
            ("Requirement wording", Field::Text),
            ("Level", Field::Level),
            ("Obligation", Field::Level),
            ("MoSCoW", Field::Level),
            ("Level of obligation", Field::Level),
            ("Section", Field::Item),
            ("Category", Field::Item),
            ("Functional area", Field::Item),
            ("Answer type", Field::AnswerKind),
        ];
        for (header, field) in cases {
            assert_eq!(best(header), Some(*field), "{header:?}: {:?}", score(header));
        }
    }

    #[test]
    fn exact_synonyms_score_highest() {
        assert_eq!(score("Response"), vec![(Field::Response, EXACT)]);
        assert_eq!(score("  Req ID "), vec![(Field::Id, EXACT)]);
        assert!(score("Compliant (Yes/No/N/A)")[0].1 < EXACT);
    }

    #[test]
    fn unrelated_headers_and_sentences_are_ignored() {
        for header in [
            "",
            "Owner",
            "Column F",
            "Test Scenario",
            "Severity",
            "Likelihood",
            "The system MUST send a response to every request it receives within the agreed time",
            "NHS England comments",
            "Assessor response",
        ] {
            assert_eq!(score(header), vec![], "{header:?}");
        }
        // A descriptive column whose modifier is an answer word is a weak fit at most: weaker
        // than a column whose drop-down says it holds the answers.
        assert!(score("Compliance evidence").iter().all(|(_, s)| *s < VALIDATION_ONLY));
        assert_eq!(best("Column F (Y/N)"), Some(Field::Response), "the brackets hint");
    }

    #[test]
    fn each_field_goes_to_its_best_column_and_ties_are_ambiguous() {
        let headers = ["Requirement ID", "Requirement text", "Compliant (Yes/No/N/A)", "Owner"];
        let candidates: Vec<_> = headers.iter().map(|h| score(h)).collect();
        let assignment = assign(&candidates);
        let chosen: Vec<(usize, Field)> = assignment.chosen.iter().map(|(c, f, _)| (*c, *f)).collect();
        assert_eq!(chosen, [(0, Field::Id), (1, Field::Text), (2, Field::Response)]);
        assert!(assignment.ambiguous.is_empty());

        let headers = ["ID", "Description", "Response", "Answer"];
        let assignment = assign(&headers.iter().map(|h| score(h)).collect::<Vec<_>>());
        assert_eq!(assignment.ambiguous, [(Field::Response, vec![2, 3])]);
        assert!(assignment.chosen.iter().all(|(_, f, _)| *f != Field::Response));

        // A better fit is not a tie: the exact synonym wins over a word match.
        let headers = ["Test ID", "Requirement ID", "Detail"];
        let assignment = assign(&headers.iter().map(|h| score(h)).collect::<Vec<_>>());
        assert!(assignment.chosen.contains(&(1, Field::Id, EXACT)), "{assignment:?}");
        assert!(assignment.ambiguous.is_empty());
    }
}
