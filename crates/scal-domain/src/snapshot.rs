//! A submitted round's canonical form, and what changed between two rounds.
//!
//! [`Snapshot`] is what a round records: every issued sheet with its requirements, answers,
//! explanations and linked files (by name and SHA-256), the requirements scoped out, and each
//! service's case with its use case and the ten steps' states. Its JSON ([`Snapshot::to_json`]) is
//! hashed with SHA-256 when the round is submitted, and that hash is stored with it.
//!
//! **Invariant:** the JSON of a snapshot must stay byte-identical to what earlier versions of scal
//! wrote (field order, names and shapes: `scoped_out` a list of `[id, reason]`, `evidence` a list of
//! `[name, sha256]`, `steps` a list of `[number, state]`), or the hashes of rounds already submitted
//! could no longer be checked. Add nothing here without a default that serialises to nothing.
//!
//! [`diff`] compares two rounds item by item (sheet name and requirement ID): what a reviewer reads
//! first in round 2 onwards, and what says whether a verdict on an item still stands
//! ([`RoundDiff::unchanged`]).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::onboarding::StepState;
use crate::template::{Level, Rag, SheetKind};

/// A round as submitted. Field order is the struct's and lists are in the SCAL's order, so the
/// same content always serialises, and hashes, the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub scal_id: String,
    pub product_id: String,
    /// The product's name and version, as people read it.
    pub product: String,
    pub round: i64,
    pub sheets: Vec<SnapshotSheet>,
    pub cases: Vec<SnapshotCase>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotSheet {
    pub name: String,
    pub kind: SheetKind,
    /// The service the sheet was issued for (none for the information sheet).
    pub service: Option<String>,
    pub requirements: Vec<SnapshotRow>,
    /// Requirements NHS England took out of this SCAL: `(ID, reason)`.
    pub scoped_out: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRow {
    pub id: String,
    pub level: Level,
    pub text: String,
    pub answer: Option<String>,
    pub justification: Option<String>,
    pub mitigation: Option<String>,
    pub target_date: Option<String>,
    pub rag: Rag,
    /// Each file as `(name, SHA-256)`, so the round's hash covers the files themselves.
    pub evidence: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCase {
    /// The service code.
    pub service: String,
    pub use_case: Option<String>,
    /// Each of the ten steps as `(number, state)`.
    pub steps: Vec<(u8, StepState)>,
}

/// A stored snapshot that does not read as one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the round's snapshot cannot be read: {0}")]
pub struct UnreadableSnapshot(pub String);

impl Snapshot {
    /// The canonical JSON, the text a round's SHA-256 is computed over.
    pub fn to_json(&self) -> String {
        // Plain strings, numbers, options and lists of them: serialising cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored round's snapshot.
    pub fn from_json(json: &str) -> Result<Self, UnreadableSnapshot> {
        serde_json::from_str(json).map_err(|e| UnreadableSnapshot(e.to_string()))
    }
}

/// A requirement, as two rounds name it: its sheet's name and its ID.
pub type ItemKey = (String, String);

/// Whether an item is new in this round, gone from it, or in both and different.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Added,
    Removed,
    Changed,
}

impl Presence {
    pub const ALL: [Presence; 3] = [Self::Added, Self::Removed, Self::Changed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Removed => "removed",
            Self::Changed => "changed",
        }
    }
}

/// A part of an item that can change between rounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Level,
    Text,
    Answer,
    Justification,
    Mitigation,
    TargetDate,
}

impl Field {
    pub const ALL: [Field; 6] = [
        Self::Level,
        Self::Text,
        Self::Answer,
        Self::Justification,
        Self::Mitigation,
        Self::TargetDate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Level => "level",
            Self::Text => "text",
            Self::Answer => "answer",
            Self::Justification => "justification",
            Self::Mitigation => "mitigation",
            Self::TargetDate => "target_date",
        }
    }

    /// For people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Level => "Level",
            Self::Text => "Requirement",
            Self::Answer => "Answer",
            Self::Justification => "Justification",
            Self::Mitigation => "Mitigation",
            Self::TargetDate => "Target date",
        }
    }
}

/// One field's value in the previous round and in this one (`None`: empty, or the item was not
/// there). A level is its stored spelling (`must`, `should_not`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub field: Field,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// What happened to a linked file, by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceChange {
    Added {
        name: String,
        sha256: String,
    },
    Removed {
        name: String,
        sha256: String,
    },
    /// The same file name, with other content.
    Replaced {
        name: String,
        before: String,
        after: String,
    },
}

impl EvidenceChange {
    pub fn name(&self) -> &str {
        match self {
            Self::Added { name, .. } | Self::Removed { name, .. } | Self::Replaced { name, .. } => name,
        }
    }
}

/// One requirement that is new, gone or different.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemDiff {
    pub sheet: String,
    pub id: String,
    pub presence: Presence,
    /// The colour in each round (`None` where the item was not there).
    pub rag_before: Option<Rag>,
    pub rag_after: Option<Rag>,
    /// The fields that differ, in [`Field`] order. An added item lists every field it has, a
    /// removed one every field it had.
    pub fields: Vec<FieldChange>,
    pub evidence: Vec<EvidenceChange>,
}

/// Requirements scoped out of a sheet in one round and not the other (a reason that changed
/// shows as the old row removed and the new one added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeDiff {
    pub sheet: String,
    pub added: Vec<(String, String)>,
    pub removed: Vec<(String, String)>,
}

/// A step whose state differs (`None`: the case was not there).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDiff {
    pub number: u8,
    pub before: Option<StepState>,
    pub after: Option<StepState>,
}

/// A service's case that is new, gone, or has another use case or step states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDiff {
    pub service: String,
    pub presence: Presence,
    /// `(before, after)` when the use case differs.
    pub use_case: Option<(Option<String>, Option<String>)>,
    pub steps: Vec<StepDiff>,
}

/// What changed from one round to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundDiff {
    pub round: i64,
    pub previous_round: i64,
    /// Items in this round's order, then items only the previous round had, in its order.
    pub items: Vec<ItemDiff>,
    /// Per sheet, in this round's order then the previous round's.
    pub scoped_out: Vec<ScopeDiff>,
    /// Per case, in this round's order then the previous round's.
    pub cases: Vec<CaseDiff>,
    /// Items in both rounds and the same in every way [`RoundDiff::unchanged`] checks.
    same: BTreeSet<ItemKey>,
}

impl RoundDiff {
    /// Nothing changed at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.scoped_out.is_empty() && self.cases.is_empty()
    }

    /// Every item (sheet name, requirement ID) added, removed or changed in any way.
    pub fn changed_items(&self) -> BTreeSet<ItemKey> {
        self.items.iter().map(|i| (i.sheet.clone(), i.id.clone())).collect()
    }

    /// The item is in both rounds with the same answer, justification, mitigation, target date,
    /// level, text and evidence (the same file names with the same SHA-256). An item in neither
    /// round, or in only one, is not unchanged. This is what lets a verdict on it stand.
    pub fn unchanged(&self, sheet: &str, id: &str) -> bool {
        self.same.contains(&(sheet.to_string(), id.to_string()))
    }
}

/// Each item of a snapshot by key, the first occurrence winning (IDs are unique per sheet).
fn index(snapshot: &Snapshot) -> (Vec<ItemKey>, BTreeMap<ItemKey, &SnapshotRow>) {
    let mut order = Vec::new();
    let mut rows = BTreeMap::new();
    for sheet in &snapshot.sheets {
        for row in &sheet.requirements {
            let key = (sheet.name.clone(), row.id.clone());
            if let std::collections::btree_map::Entry::Vacant(entry) = rows.entry(key.clone()) {
                order.push(key);
                entry.insert(row);
            }
        }
    }
    (order, rows)
}

/// The fields of a row, in [`Field`] order.
fn fields(row: &SnapshotRow) -> [(Field, Option<String>); 6] {
    [
        (Field::Level, Some(row.level.as_str().to_string())),
        (Field::Text, Some(row.text.clone())),
        (Field::Answer, row.answer.clone()),
        (Field::Justification, row.justification.clone()),
        (Field::Mitigation, row.mitigation.clone()),
        (Field::TargetDate, row.target_date.clone()),
    ]
}

fn field_changes(before: Option<&SnapshotRow>, after: Option<&SnapshotRow>) -> Vec<FieldChange> {
    let before = before.map(fields);
    let after = after.map(fields);
    let mut out = Vec::new();
    for i in 0..6 {
        let b = before.as_ref().and_then(|f| f[i].1.clone());
        let a = after.as_ref().and_then(|f| f[i].1.clone());
        let field = before.as_ref().or(after.as_ref()).map(|f| f[i].0);
        if let Some(field) = field {
            if b != a {
                out.push(FieldChange {
                    field,
                    before: b,
                    after: a,
                });
            }
        }
    }
    out
}

/// Files compared by name: a name with one file in each round and other content is replaced;
/// otherwise each SHA-256 only one round has is added or removed. The order files are listed in
/// is not a change.
fn evidence_changes(before: &[(String, String)], after: &[(String, String)]) -> Vec<EvidenceChange> {
    let by_name = |files: &[(String, String)]| {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, sha) in files {
            map.entry(name.clone()).or_default().push(sha.clone());
        }
        for shas in map.values_mut() {
            shas.sort();
        }
        map
    };
    let (old, new) = (by_name(before), by_name(after));
    // Names in this round's order, then names only the previous round had.
    let mut names: Vec<&String> = Vec::new();
    for (name, _) in after.iter().chain(before) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let none = Vec::new();
    let mut out = Vec::new();
    for name in names {
        let (b, a) = (old.get(name).unwrap_or(&none), new.get(name).unwrap_or(&none));
        if b == a {
            continue;
        }
        if let ([before], [after]) = (b.as_slice(), a.as_slice()) {
            out.push(EvidenceChange::Replaced {
                name: name.clone(),
                before: before.clone(),
                after: after.clone(),
            });
            continue;
        }
        let mut left: Vec<&String> = b.iter().collect();
        for sha in a {
            match left.iter().position(|s| *s == sha) {
                Some(i) => {
                    left.remove(i);
                }
                None => out.push(EvidenceChange::Added {
                    name: name.clone(),
                    sha256: sha.clone(),
                }),
            }
        }
        let mut right: Vec<&String> = a.iter().collect();
        for sha in b {
            match right.iter().position(|s| *s == sha) {
                Some(i) => {
                    right.remove(i);
                }
                None => out.push(EvidenceChange::Removed {
                    name: name.clone(),
                    sha256: sha.clone(),
                }),
            }
        }
    }
    out
}

fn scope_diff(previous: &Snapshot, current: &Snapshot) -> Vec<ScopeDiff> {
    let mut names: Vec<&String> = Vec::new();
    for sheet in current.sheets.iter().chain(&previous.sheets) {
        if !names.contains(&&sheet.name) {
            names.push(&sheet.name);
        }
    }
    let rows = |snapshot: &Snapshot, name: &str| -> Vec<(String, String)> {
        snapshot
            .sheets
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.scoped_out.clone())
            .unwrap_or_default()
    };
    names
        .into_iter()
        .filter_map(|name| {
            let (before, after) = (rows(previous, name), rows(current, name));
            let added: Vec<_> = after.iter().filter(|r| !before.contains(r)).cloned().collect();
            let removed: Vec<_> = before.iter().filter(|r| !after.contains(r)).cloned().collect();
            (!added.is_empty() || !removed.is_empty()).then(|| ScopeDiff {
                sheet: name.clone(),
                added,
                removed,
            })
        })
        .collect()
}

fn case_diff(previous: &Snapshot, current: &Snapshot) -> Vec<CaseDiff> {
    let find = |snapshot: &'_ Snapshot, service: &str| snapshot.cases.iter().find(|c| c.service == service).cloned();
    let mut services: Vec<&String> = Vec::new();
    for case in current.cases.iter().chain(&previous.cases) {
        if !services.contains(&&case.service) {
            services.push(&case.service);
        }
    }
    let mut out = Vec::new();
    for service in services {
        let (before, after) = (find(previous, service), find(current, service));
        let presence = match (&before, &after) {
            (None, _) => Presence::Added,
            (_, None) => Presence::Removed,
            _ => Presence::Changed,
        };
        let use_case_before = before.as_ref().and_then(|c| c.use_case.clone());
        let use_case_after = after.as_ref().and_then(|c| c.use_case.clone());
        let use_case = (use_case_before != use_case_after).then_some((use_case_before, use_case_after));
        let state = |case: &Option<SnapshotCase>, number: u8| {
            case.as_ref()
                .and_then(|c| c.steps.iter().find(|(n, _)| *n == number).map(|(_, s)| *s))
        };
        let mut numbers: Vec<u8> = Vec::new();
        for (number, _) in after.iter().chain(before.iter()).flat_map(|c| &c.steps) {
            if !numbers.contains(number) {
                numbers.push(*number);
            }
        }
        numbers.sort_unstable();
        let steps: Vec<StepDiff> = numbers
            .into_iter()
            .map(|number| StepDiff {
                number,
                before: state(&before, number),
                after: state(&after, number),
            })
            .filter(|s| s.before != s.after)
            .collect();
        if presence != Presence::Changed || use_case.is_some() || !steps.is_empty() {
            out.push(CaseDiff {
                service: service.clone(),
                presence,
                use_case,
                steps,
            });
        }
    }
    out
}

/// What changed from `previous` to `current`: items by sheet name and requirement ID, the
/// requirements scoped out per sheet, and per service its use case and steps.
pub fn diff(previous: &Snapshot, current: &Snapshot) -> RoundDiff {
    let (old_order, old) = index(previous);
    let (new_order, new) = index(current);
    let mut items = Vec::new();
    let mut same = BTreeSet::new();
    let keys = new_order
        .iter()
        .chain(old_order.iter().filter(|k| !new.contains_key(*k)));
    for key in keys {
        let (before, after) = (old.get(key).copied(), new.get(key).copied());
        let presence = match (before, after) {
            (None, _) => Presence::Added,
            (_, None) => Presence::Removed,
            _ => Presence::Changed,
        };
        let fields = field_changes(before, after);
        let evidence = evidence_changes(
            before.map_or(&[][..], |r| &r.evidence),
            after.map_or(&[][..], |r| &r.evidence),
        );
        if presence == Presence::Changed && fields.is_empty() && evidence.is_empty() {
            same.insert(key.clone());
            continue;
        }
        items.push(ItemDiff {
            sheet: key.0.clone(),
            id: key.1.clone(),
            presence,
            rag_before: before.map(|r| r.rag),
            rag_after: after.map(|r| r.rag),
            fields,
            evidence,
        });
    }
    RoundDiff {
        round: current.round,
        previous_round: previous.round,
        items,
        scoped_out: scope_diff(previous, current),
        cases: case_diff(previous, current),
        same,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, answer: Option<&str>) -> SnapshotRow {
        SnapshotRow {
            id: id.into(),
            level: Level::Must,
            text: format!("{id} MUST be done"),
            answer: answer.map(Into::into),
            justification: None,
            mitigation: None,
            target_date: None,
            rag: if answer == Some("No") { Rag::Red } else { Rag::Green },
            evidence: Vec::new(),
        }
    }

    fn sheet(name: &str, rows: Vec<SnapshotRow>) -> SnapshotSheet {
        SnapshotSheet {
            name: name.into(),
            kind: SheetKind::Service,
            service: Some("MESH".into()),
            requirements: rows,
            scoped_out: Vec::new(),
        }
    }

    fn steps(states: [StepState; 10]) -> Vec<(u8, StepState)> {
        states.iter().enumerate().map(|(i, s)| (i as u8 + 1, *s)).collect()
    }

    fn snapshot(round: i64, sheets: Vec<SnapshotSheet>) -> Snapshot {
        Snapshot {
            scal_id: "scal-1".into(),
            product_id: "product-1".into(),
            product: "Acme PAS 2.1".into(),
            round,
            sheets,
            cases: vec![SnapshotCase {
                service: "MESH".into(),
                use_case: Some("Referrals".into()),
                steps: steps([StepState::Done; 10]),
            }],
        }
    }

    fn key(sheet: &str, id: &str) -> ItemKey {
        (sheet.into(), id.into())
    }

    /// The struct submissions serialised before the snapshot moved into the domain, verbatim:
    /// what the JSON of every round already submitted was made from.
    mod before {
        #[derive(serde::Serialize)]
        pub struct Snapshot<'a> {
            pub scal_id: &'a str,
            pub product_id: &'a str,
            pub product: String,
            pub round: i64,
            pub sheets: Vec<SnapshotSheet<'a>>,
            pub cases: Vec<SnapshotCase<'a>>,
        }
        #[derive(serde::Serialize)]
        pub struct SnapshotSheet<'a> {
            pub name: &'a str,
            pub kind: crate::template::SheetKind,
            pub service: Option<&'a str>,
            pub requirements: Vec<SnapshotRow<'a>>,
            pub scoped_out: &'a [(String, String)],
        }
        #[derive(serde::Serialize)]
        pub struct SnapshotRow<'a> {
            pub id: &'a str,
            pub level: &'a str,
            pub text: &'a str,
            pub answer: Option<&'a str>,
            pub justification: Option<&'a str>,
            pub mitigation: Option<&'a str>,
            pub target_date: Option<&'a str>,
            pub rag: &'a str,
            pub evidence: Vec<(&'a str, &'a str)>,
        }
        #[derive(serde::Serialize)]
        pub struct SnapshotCase<'a> {
            pub service: &'a str,
            pub use_case: Option<&'a str>,
            pub steps: Vec<(u8, &'a str)>,
        }
    }

    fn full() -> Snapshot {
        let mut red = row("GPCM-C-2", Some("No"));
        red.level = Level::MustNot;
        red.justification = Some("Not yet \"built\"\nline two".into());
        red.mitigation = Some("Manual workaround".into());
        red.target_date = Some("2026-12-01".into());
        red.evidence = vec![("plan.pdf".into(), "ab".repeat(32)), ("é.txt".into(), "cd".repeat(32))];
        let mut information = sheet("Supplier information", vec![row("INFO-ODS", Some("8JK21"))]);
        information.kind = SheetKind::Information;
        information.service = None;
        let mut service = sheet("GP Connect", vec![row("GPCM-C-1", None), red]);
        service.scoped_out = vec![("GPCM-C-9".into(), "Not used".into())];
        let mut s = snapshot(2, vec![information, service]);
        s.cases[0].steps = steps([
            StepState::Done,
            StepState::Done,
            StepState::InProgress,
            StepState::NotApplicable,
            StepState::Done,
            StepState::Done,
            StepState::Done,
            StepState::Done,
            StepState::Done,
            StepState::NotStarted,
        ]);
        s.cases.push(SnapshotCase {
            service: "EPS".into(),
            use_case: None,
            steps: Vec::new(),
        });
        s
    }

    /// Existing rounds' hashes must stay verifiable: the domain type writes exactly what the old
    /// borrowed struct wrote.
    #[test]
    fn the_json_is_byte_identical_to_what_submitted_rounds_were_hashed_over() {
        let s = full();
        let old = before::Snapshot {
            scal_id: &s.scal_id,
            product_id: &s.product_id,
            product: s.product.clone(),
            round: s.round,
            sheets: s
                .sheets
                .iter()
                .map(|sh| before::SnapshotSheet {
                    name: &sh.name,
                    kind: sh.kind,
                    service: sh.service.as_deref(),
                    scoped_out: &sh.scoped_out,
                    requirements: sh
                        .requirements
                        .iter()
                        .map(|r| before::SnapshotRow {
                            id: &r.id,
                            level: r.level.as_str(),
                            text: &r.text,
                            answer: r.answer.as_deref(),
                            justification: r.justification.as_deref(),
                            mitigation: r.mitigation.as_deref(),
                            target_date: r.target_date.as_deref(),
                            rag: r.rag.as_str(),
                            evidence: r.evidence.iter().map(|(n, h)| (n.as_str(), h.as_str())).collect(),
                        })
                        .collect(),
                })
                .collect(),
            cases: s
                .cases
                .iter()
                .map(|c| before::SnapshotCase {
                    service: &c.service,
                    use_case: c.use_case.as_deref(),
                    steps: c.steps.iter().map(|(n, st)| (*n, st.as_str())).collect(),
                })
                .collect(),
        };
        let old_json = serde_json::to_string(&old).unwrap();
        assert_eq!(s.to_json(), old_json);
        // And a fixed text, so a change to the old struct's copy above cannot hide a change.
        let a = "ab".repeat(32);
        let c = "cd".repeat(32);
        let expected = format!(
            concat!(
                r#"{{"scal_id":"scal-1","product_id":"product-1","product":"Acme PAS 2.1","round":2,"sheets":["#,
                r#"{{"name":"Supplier information","kind":"information","service":null,"requirements":["#,
                r#"{{"id":"INFO-ODS","level":"must","text":"INFO-ODS MUST be done","answer":"8JK21","justification":null,"mitigation":null,"target_date":null,"rag":"green","evidence":[]}}],"scoped_out":[]}},"#,
                r#"{{"name":"GP Connect","kind":"service","service":"MESH","requirements":["#,
                r#"{{"id":"GPCM-C-1","level":"must","text":"GPCM-C-1 MUST be done","answer":null,"justification":null,"mitigation":null,"target_date":null,"rag":"green","evidence":[]}},"#,
                r#"{{"id":"GPCM-C-2","level":"must_not","text":"GPCM-C-2 MUST be done","answer":"No","justification":"Not yet \"built\"\nline two","mitigation":"Manual workaround","target_date":"2026-12-01","rag":"red","evidence":[["plan.pdf","{a}"],["é.txt","{c}"]]}}],"#,
                r#""scoped_out":[["GPCM-C-9","Not used"]]}}],"cases":["#,
                r#"{{"service":"MESH","use_case":"Referrals","steps":[[1,"done"],[2,"done"],[3,"in_progress"],[4,"not_applicable"],[5,"done"],[6,"done"],[7,"done"],[8,"done"],[9,"done"],[10,"not_started"]]}},"#,
                r#"{{"service":"EPS","use_case":null,"steps":[]}}]}}"#
            ),
            a = a,
            c = c
        );
        assert_eq!(s.to_json(), expected);
    }

    #[test]
    fn a_stored_snapshot_reads_back_and_writes_the_same_bytes() {
        let json = full().to_json();
        let read = Snapshot::from_json(&json).unwrap();
        assert_eq!(read, full());
        assert_eq!(read.to_json(), json);
        assert!(Snapshot::from_json("{\"scal_id\": 1}").is_err());
        assert!(Snapshot::from_json("").is_err());
    }

    #[test]
    fn the_same_round_twice_has_no_changes_and_every_item_is_unchanged() {
        let a = full();
        let mut b = full();
        b.round = 3;
        let d = diff(&a, &b);
        assert!(d.is_empty(), "{d:?}");
        assert!(d.changed_items().is_empty());
        assert_eq!((d.previous_round, d.round), (2, 3));
        for k in [
            ("Supplier information", "INFO-ODS"),
            ("GP Connect", "GPCM-C-1"),
            ("GP Connect", "GPCM-C-2"),
        ] {
            assert!(d.unchanged(k.0, k.1), "{k:?}");
        }
        // Not in either round: not "unchanged", so no verdict can be carried over to it.
        assert!(!d.unchanged("GP Connect", "GPCM-C-9"));
        assert!(!d.unchanged("Elsewhere", "GPCM-C-1"));
    }

    #[test]
    fn each_explanation_field_that_differs_is_listed_with_before_and_after() {
        let a = full();
        let mut b = full();
        {
            let r = &mut b.sheets[1].requirements[1];
            r.answer = Some("Yes".into());
            r.rag = Rag::Green;
            r.justification = None;
            r.mitigation = Some("Automated".into());
            r.target_date = Some("2027-01-31".into());
        }
        let d = diff(&a, &b);
        assert_eq!(d.items.len(), 1);
        let item = &d.items[0];
        assert_eq!((item.sheet.as_str(), item.id.as_str()), ("GP Connect", "GPCM-C-2"));
        assert_eq!(item.presence, Presence::Changed);
        assert_eq!((item.rag_before, item.rag_after), (Some(Rag::Red), Some(Rag::Green)));
        let got: Vec<(Field, Option<&str>, Option<&str>)> = item
            .fields
            .iter()
            .map(|f| (f.field, f.before.as_deref(), f.after.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Field::Answer, Some("No"), Some("Yes")),
                (Field::Justification, Some("Not yet \"built\"\nline two"), None),
                (Field::Mitigation, Some("Manual workaround"), Some("Automated")),
                (Field::TargetDate, Some("2026-12-01"), Some("2027-01-31")),
            ]
        );
        assert!(item.evidence.is_empty());
        assert_eq!(d.changed_items(), BTreeSet::from([key("GP Connect", "GPCM-C-2")]));
        assert!(!d.unchanged("GP Connect", "GPCM-C-2"));
        assert!(d.unchanged("GP Connect", "GPCM-C-1"));
        assert!(d.unchanged("Supplier information", "INFO-ODS"));
        assert!(d.cases.is_empty() && d.scoped_out.is_empty());
    }

    #[test]
    fn a_new_level_or_wording_of_the_requirement_changes_the_item() {
        let a = full();
        let mut b = full();
        b.sheets[1].requirements[0].level = Level::Should;
        b.sheets[0].requirements[0].text = "Your ODS code".into();
        let d = diff(&a, &b);
        let fields: Vec<(&str, Vec<Field>)> = d
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.fields.iter().map(|f| f.field).collect()))
            .collect();
        assert_eq!(
            fields,
            vec![("INFO-ODS", vec![Field::Text]), ("GPCM-C-1", vec![Field::Level])]
        );
        assert_eq!(d.items[1].fields[0].before.as_deref(), Some("must"));
        assert_eq!(d.items[1].fields[0].after.as_deref(), Some("should"));
        assert!(!d.unchanged("GP Connect", "GPCM-C-1"));
        assert!(!d.unchanged("Supplier information", "INFO-ODS"));
        assert!(d.unchanged("GP Connect", "GPCM-C-2"));
    }

    #[test]
    fn a_colour_alone_is_not_a_change_of_the_item() {
        // The colour follows from the level and the answer; a rule applied differently is not
        // something the supplier changed.
        let a = full();
        let mut b = full();
        b.sheets[1].requirements[1].rag = Rag::Amber;
        let d = diff(&a, &b);
        assert!(d.items.is_empty());
        assert!(d.unchanged("GP Connect", "GPCM-C-2"));
    }

    #[test]
    fn evidence_added_removed_and_replaced_by_a_file_of_the_same_name() {
        let a = full();
        let mut b = full();
        b.sheets[1].requirements[1].evidence =
            vec![("é.txt".into(), "ef".repeat(32)), ("new.pdf".into(), "01".repeat(32))];
        let d = diff(&a, &b);
        assert_eq!(d.items.len(), 1);
        assert!(d.items[0].fields.is_empty(), "{:?}", d.items[0].fields);
        assert_eq!(
            d.items[0].evidence,
            vec![
                EvidenceChange::Replaced {
                    name: "é.txt".into(),
                    before: "cd".repeat(32),
                    after: "ef".repeat(32)
                },
                EvidenceChange::Added {
                    name: "new.pdf".into(),
                    sha256: "01".repeat(32)
                },
                EvidenceChange::Removed {
                    name: "plan.pdf".into(),
                    sha256: "ab".repeat(32)
                },
            ]
        );
        assert!(!d.unchanged("GP Connect", "GPCM-C-2"));
    }

    #[test]
    fn the_order_files_are_listed_in_is_not_a_change_but_a_second_copy_is() {
        let a = full();
        let mut b = full();
        b.sheets[1].requirements[1].evidence.reverse();
        let d = diff(&a, &b);
        assert!(d.is_empty(), "{d:?}");
        assert!(d.unchanged("GP Connect", "GPCM-C-2"));

        // Two files of one name: each content only one round has is added or removed.
        let mut c = full();
        c.sheets[1].requirements[1]
            .evidence
            .push(("plan.pdf".into(), "99".repeat(32)));
        let d = diff(&a, &c);
        assert_eq!(
            d.items[0].evidence,
            vec![EvidenceChange::Added {
                name: "plan.pdf".into(),
                sha256: "99".repeat(32)
            }]
        );
        let d = diff(&c, &a);
        assert_eq!(
            d.items[0].evidence,
            vec![EvidenceChange::Removed {
                name: "plan.pdf".into(),
                sha256: "99".repeat(32)
            }]
        );
    }

    #[test]
    fn a_sheet_added_lists_its_items_as_added_with_their_values_and_one_removed_as_removed() {
        let a = full();
        let mut b = full();
        let mut eps = sheet("EPS", vec![row("EPS-1", Some("Yes")), row("EPS-2", None)]);
        eps.requirements[0].evidence = vec![("eps.pdf".into(), "aa".repeat(32))];
        eps.scoped_out = vec![("EPS-3".into(), "Dispensing only".into())];
        b.sheets.insert(1, eps);
        b.sheets.remove(0);
        let d = diff(&a, &b);
        let got: Vec<(&str, &str, Presence)> = d
            .items
            .iter()
            .map(|i| (i.sheet.as_str(), i.id.as_str(), i.presence))
            .collect();
        // This round's order first, then what only the previous round had.
        assert_eq!(
            got,
            vec![
                ("EPS", "EPS-1", Presence::Added),
                ("EPS", "EPS-2", Presence::Added),
                ("Supplier information", "INFO-ODS", Presence::Removed),
            ]
        );
        let added = &d.items[0];
        assert_eq!((added.rag_before, added.rag_after), (None, Some(Rag::Green)));
        assert_eq!(
            added
                .fields
                .iter()
                .map(|f| (f.field, f.before.is_none(), f.after.clone()))
                .collect::<Vec<_>>(),
            vec![
                (Field::Level, true, Some("must".to_string())),
                (Field::Text, true, Some("EPS-1 MUST be done".to_string())),
                (Field::Answer, true, Some("Yes".to_string())),
            ]
        );
        assert_eq!(
            added.evidence,
            vec![EvidenceChange::Added {
                name: "eps.pdf".into(),
                sha256: "aa".repeat(32)
            }]
        );
        let removed = &d.items[2];
        assert_eq!((removed.rag_before, removed.rag_after), (Some(Rag::Green), None));
        assert!(removed.fields.iter().all(|f| f.after.is_none()));
        assert_eq!(
            d.scoped_out,
            vec![ScopeDiff {
                sheet: "EPS".into(),
                added: vec![("EPS-3".into(), "Dispensing only".into())],
                removed: Vec::new(),
            }]
        );
        for (sheet, id) in [("EPS", "EPS-1"), ("EPS", "EPS-2"), ("Supplier information", "INFO-ODS")] {
            assert!(!d.unchanged(sheet, id), "{sheet} {id}");
            assert!(d.changed_items().contains(&key(sheet, id)));
        }
        assert!(d.unchanged("GP Connect", "GPCM-C-1"));
    }

    #[test]
    fn an_item_moved_to_another_sheet_is_removed_from_one_and_added_to_the_other() {
        let a = full();
        let mut b = full();
        let moved = b.sheets[1].requirements.remove(0);
        b.sheets[0].requirements.push(moved);
        let d = diff(&a, &b);
        let got: Vec<(&str, Presence)> = d.items.iter().map(|i| (i.sheet.as_str(), i.presence)).collect();
        assert_eq!(
            got,
            vec![
                ("Supplier information", Presence::Added),
                ("GP Connect", Presence::Removed)
            ]
        );
        assert!(!d.unchanged("GP Connect", "GPCM-C-1"));
        assert!(!d.unchanged("Supplier information", "GPCM-C-1"));
    }

    #[test]
    fn scoped_out_rows_added_removed_or_with_another_reason() {
        let a = full();
        let mut b = full();
        b.sheets[1].scoped_out = vec![
            ("GPCM-C-9".into(), "Not used by this product".into()),
            ("GPCM-C-8".into(), "Read only".into()),
        ];
        let d = diff(&a, &b);
        assert_eq!(
            d.scoped_out,
            vec![ScopeDiff {
                sheet: "GP Connect".into(),
                added: vec![
                    ("GPCM-C-9".into(), "Not used by this product".into()),
                    ("GPCM-C-8".into(), "Read only".into())
                ],
                removed: vec![("GPCM-C-9".into(), "Not used".into())],
            }]
        );
        assert!(d.items.is_empty());
    }

    #[test]
    fn steps_whose_state_changed_and_use_cases_per_case() {
        let a = full();
        let mut b = full();
        b.cases[0].steps[2].1 = StepState::Done;
        b.cases[0].steps[9].1 = StepState::Done;
        b.cases[0].use_case = Some("Referrals and discharge".into());
        b.cases.remove(1);
        b.cases.push(SnapshotCase {
            service: "GPC".into(),
            use_case: Some("Appointments".into()),
            steps: vec![(1, StepState::Done)],
        });
        let d = diff(&a, &b);
        assert_eq!(
            d.cases,
            vec![
                CaseDiff {
                    service: "MESH".into(),
                    presence: Presence::Changed,
                    use_case: Some((Some("Referrals".into()), Some("Referrals and discharge".into()))),
                    steps: vec![
                        StepDiff {
                            number: 3,
                            before: Some(StepState::InProgress),
                            after: Some(StepState::Done)
                        },
                        StepDiff {
                            number: 10,
                            before: Some(StepState::NotStarted),
                            after: Some(StepState::Done)
                        },
                    ],
                },
                CaseDiff {
                    service: "GPC".into(),
                    presence: Presence::Added,
                    use_case: Some((None, Some("Appointments".into()))),
                    steps: vec![StepDiff {
                        number: 1,
                        before: None,
                        after: Some(StepState::Done)
                    }],
                },
                CaseDiff {
                    service: "EPS".into(),
                    presence: Presence::Removed,
                    use_case: None,
                    steps: Vec::new(),
                },
            ]
        );
        // Cases are not items: every item is still unchanged.
        assert!(d.items.is_empty());
        assert!(d.unchanged("GP Connect", "GPCM-C-2"));
    }
}
