//! A corpus of SCAL-like workbooks in layouts scal has never seen, written by a generator with a
//! fixed seed, each with its expected import and check result, compared in one data-driven test.
//!
//! What a case *means* (its sheets, requirements, answers, drop-downs, what was deleted or edited)
//! is declared below with its expected result; what it *looks like* (header wording, title rows,
//! column order, requirement wording, ID prefixes) is drawn from the seeded generator, so the
//! expectations hold for any presentation and the corpus tests recognition, not the fixtures.
//!
//! Every workbook is checked as written and again after LibreOffice has opened and saved it
//! (`soffice --headless --convert-to xlsx`), when LibreOffice is installed (`.ci/run` installs it
//! and sets `SCAL_LIBREOFFICE=required`). `SCAL_WRITE_CORPUS=DIR` keeps the files for a look;
//! `SCAL_CORPUS_SEED=N` draws other layouts for the same cases.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rust_xlsxwriter::{DataValidation, ExcelDateTime, Format, FormatAlign, Formula, Workbook};
use scal_domain::template::{AnswerKind, Level, Requirement, SheetKind, TemplateSheet};
use scal_workbook::{export, Answers, Export, ExportedAnswer, ImportOptions, Limits};
use serde_json::Value;

/// The corpus's one seed: change it and every layout changes, never what a case means.
const SEED: u64 = 0x5CA1_2026;

/// SplitMix64: a small, well-known generator, so the corpus is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self) -> bool {
        self.next() & 1 == 1
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// A column of a requirement table, by what it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    Text,
    Level,
    Response,
    Justification,
    Mitigation,
    Target,
    Guidance,
    /// Internal notes nobody asked for: hidden, and must be ignored.
    Internal,
}

impl Col {
    /// Header wordings seen in NHS England's and suppliers' workbooks.
    fn headers(self) -> &'static [&'static str] {
        match self {
            Col::Id => &[
                "ID",
                "Requirement ID",
                "Req ID",
                "Ref",
                "Reference",
                "Req Ref",
                "SCAL Ref",
                "Requirement No.",
            ],
            Col::Text => &[
                "Requirement",
                "Requirement text",
                "Requirement description",
                "Description",
                "Requirement Detail",
                "Requirement statement",
                "SCAL requirement",
            ],
            Col::Level => &[
                "Level",
                "Priority",
                "MoSCoW",
                "Requirement level",
                "Level (MUST/SHOULD/MAY)",
            ],
            Col::Response => &[
                "Response",
                "Compliant (Yes/No/N/A)",
                "Supplier response",
                "Answer",
                "Compliance",
                "Compliant Y/N",
                "Supplier compliance (Y/N)",
                "Met? (Yes/No)",
                "Supplier Response (Yes / No / N/A)",
            ],
            Col::Justification => &[
                "Justification",
                "Supplier comments / justification",
                "Comments",
                "Explanation",
                "Supplier comments",
                "Supplier explanation",
                "Comments / justification for non-compliance",
            ],
            Col::Mitigation => &[
                "Mitigation",
                "Mitigating actions",
                "Mitigation plan",
                "Mitigation / remediation plan",
                "Proposed mitigation",
            ],
            Col::Target => &[
                "Target date",
                "Target date for compliance",
                "Date to be compliant by",
                "Target completion date",
            ],
            Col::Guidance => &["Guidance", "Guidance notes"],
            Col::Internal => &["Internal notes (NHSE use)", "Reviewer scratch"],
        }
    }

    /// The field import should report for it (`None`: ignored).
    fn field(self) -> Option<&'static str> {
        Some(match self {
            Col::Id => "id",
            Col::Text => "text",
            Col::Level => "level",
            Col::Response => "response",
            Col::Justification => "justification",
            Col::Mitigation => "mitigation",
            Col::Target => "target_date",
            Col::Guidance => "guidance",
            Col::Internal => return None,
        })
    }
}

/// A target date as people give one.
#[derive(Debug, Clone, Copy)]
enum Target {
    None,
    /// Typed text, e.g. `30/06/2027`.
    Text(&'static str),
    /// A day number in a cell with the General format.
    Serial(f64),
    /// A real date cell formatted `dd/mm/yyyy`.
    DateCell(u16, u8, u8),
}

#[derive(Debug, Clone, Copy)]
struct Req {
    level: &'static str,
    answer: &'static str,
    justification: &'static str,
    mitigation: &'static str,
    target: Target,
}

const fn req(level: &'static str, answer: &'static str) -> Req {
    Req {
        level,
        answer,
        justification: "",
        mitigation: "",
        target: Target::None,
    }
}

const fn red(level: &'static str, justification: &'static str, mitigation: &'static str, target: Target) -> Req {
    Req {
        level,
        answer: "No",
        justification,
        mitigation,
        target,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sort {
    AsGiven,
    ByAnswer,
    Reversed,
}

/// How a service sheet looks, beyond what the generator draws.
#[derive(Debug, Clone, Copy)]
struct Layout {
    title_rows: bool,
    sections: bool,
    level_column: bool,
    hidden_internal: bool,
    guidance: bool,
    shuffle_columns: bool,
    /// A fixed answer header (`Column F`); else a drawn wording.
    answer_header: Option<&'static str>,
    yes_no_list: bool,
    sort: Sort,
}

const PLAIN: Layout = Layout {
    title_rows: false,
    sections: false,
    level_column: true,
    hidden_internal: false,
    guidance: false,
    shuffle_columns: false,
    answer_header: None,
    yes_no_list: false,
    sort: Sort::AsGiven,
};

struct ServiceSheet {
    name: &'static str,
    prefix: &'static str,
    rows: Vec<Req>,
    layout: Layout,
}

/// A drop-down on an information answer cell.
#[derive(Debug, Clone, Copy)]
enum List {
    Inline(&'static [&'static str]),
    /// Items on a hidden `Lists` sheet, referred to by range.
    Cells(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
enum Answer {
    Text(&'static str),
    Serial(f64),
}

struct InfoQ {
    question: &'static str,
    answer: Answer,
    list: Option<List>,
}

const fn q(question: &'static str, answer: &'static str) -> InfoQ {
    InfoQ {
        question,
        answer: Answer::Text(answer),
        list: None,
    }
}

/// What a person did to a scal export before checking it.
#[derive(Debug, Clone, Copy)]
enum Edit {
    None,
    DeleteRow(&'static str),
    DeleteSheet(&'static str),
    SetLevel(&'static str, &'static str),
    RenameAndSort(&'static str, &'static str),
    DropMetadata,
}

enum Source {
    /// A foreign layout: an optional information sheet, service sheets, an optional cover sheet.
    Foreign {
        cover: bool,
        info: Vec<InfoQ>,
        services: Vec<ServiceSheet>,
    },
    /// A scal export with these answers (`(sheet, id) -> (response, justification, mitigation,
    /// target date)`), then edited.
    Export {
        answers: &'static [(&'static str, &'static str, [&'static str; 4])],
        edit: Edit,
    },
}

struct Expect {
    /// `scal check`'s exit code: 0 ready, 1 not ready, 2 refused.
    exit: i32,
    /// Per sheet checked: name, requirements, answered.
    sheets: Vec<(&'static str, usize, usize)>,
    /// Every finding: sheet, requirement ID, severity, message.
    findings: Vec<(&'static str, &'static str, &'static str, &'static str)>,
    /// Information questions' answer kinds, by ID.
    kinds: Vec<(&'static str, &'static str)>,
}

struct Case {
    name: &'static str,
    source: Source,
    expect: Expect,
}

fn yes(n: usize) -> Vec<Req> {
    let levels = ["MUST", "SHOULD", "MAY", "MUST NOT"];
    (0..n).map(|i| req(levels[i % levels.len()], "Yes")).collect()
}

fn service(name: &'static str, prefix: &'static str, rows: Vec<Req>, layout: Layout) -> Source {
    Source::Foreign {
        cover: false,
        info: Vec::new(),
        services: vec![ServiceSheet {
            name,
            prefix,
            rows,
            layout,
        }],
    }
}

fn cases() -> Vec<Case> {
    let mut rows_with_red = yes(6);
    rows_with_red[2] = red("MUST", "", "", Target::None);
    let mut mitigated = yes(8);
    mitigated[0] = red(
        "MUST",
        "Awaiting supplier upgrade",
        "Manual workaround in place",
        Target::Text("30/06/2027"),
    );
    mitigated[4] = red("MUST", "Hosting move", "Interim controls", Target::Serial(46_568.0));
    mitigated[5] = red(
        "MUST NOT",
        "Legacy interface",
        "Access restricted",
        Target::DateCell(2027, 3, 31),
    );
    let mut spellings = yes(8);
    for (row, answer) in spellings
        .iter_mut()
        .zip(["y", " YES ", "NA", "n/a", "Yes", "y", "no", "N"])
    {
        row.answer = answer;
    }
    spellings[6].level = "MAY";
    spellings[7].level = "MAY";
    spellings[2].justification = "Not used by this product";
    spellings[3].justification = "Not used by this product";
    let mut amber = yes(6);
    amber[1] = req("SHOULD", "No");
    amber[5] = Req {
        justification: "Planned for next release",
        ..req("SHOULD", "No")
    };
    let mut unanswered = yes(7);
    unanswered[3].answer = "";
    unanswered[6].answer = "";
    unanswered[6].level = "MAY";
    let mut bad_target = yes(4);
    bad_target[1] = red("MUST", "Why", "How", Target::Text("31/02/2027"));

    vec![
        Case {
            name: "01-plain-own-headers",
            source: service("Send Document", "SD", yes(6), PLAIN),
            expect: Expect {
                exit: 0,
                sheets: vec![("Send Document", 6, 6)],
                findings: vec![],
                kinds: vec![],
            },
        },
        Case {
            name: "02-title-rows-and-merged-sections",
            source: service(
                "GP Connect",
                "GPC",
                yes(9),
                Layout {
                    title_rows: true,
                    sections: true,
                    ..PLAIN
                },
            ),
            expect: Expect {
                exit: 0,
                sheets: vec![("GP Connect", 9, 9)],
                findings: vec![],
                kinds: vec![],
            },
        },
        Case {
            name: "03-shuffled-columns-hidden-notes-guidance",
            source: service(
                "e-RS",
                "ERS",
                yes(7),
                Layout {
                    hidden_internal: true,
                    guidance: true,
                    shuffle_columns: true,
                    ..PLAIN
                },
            ),
            expect: Expect {
                exit: 0,
                sheets: vec![("e-RS", 7, 7)],
                findings: vec![],
                kinds: vec![],
            },
        },
        Case {
            name: "04-no-level-column-keyword-in-text",
            source: service(
                "PDS FHIR",
                "PDS",
                rows_with_red.clone(),
                Layout {
                    level_column: false,
                    title_rows: true,
                    ..PLAIN
                },
            ),
            expect: Expect {
                exit: 1,
                sheets: vec![("PDS FHIR", 6, 6)],
                findings: vec![(
                    "PDS FHIR",
                    "PDS-03",
                    "red",
                    "MUST answered No: give a justification, a mitigation and a target date",
                )],
                kinds: vec![],
            },
        },
        Case {
            name: "05-answer-column-known-only-by-its-yes-no-list",
            source: service(
                "MESH",
                "MESH",
                yes(5),
                Layout {
                    answer_header: Some("Column F"),
                    yes_no_list: true,
                    ..PLAIN
                },
            ),
            expect: Expect {
                exit: 0,
                sheets: vec![("MESH", 5, 5)],
                findings: vec![],
                kinds: vec![],
            },
        },
        Case {
            name: "06-reds-mitigated-with-text-serial-and-date-cell-targets",
            source: service(
                "Booking and Referral",
                "BaRS",
                mitigated,
                Layout {
                    yes_no_list: true,
                    sections: true,
                    ..PLAIN
                },
            ),
            expect: Expect {
                exit: 0,
                sheets: vec![("Booking and Referral", 8, 8)],
                findings: vec![
                    (
                        "Booking and Referral",
                        "BaRS-01",
                        "red",
                        "MUST answered No, with a justification, a mitigation and a target date: NHS England will decide",
                    ),
                    (
                        "Booking and Referral",
                        "BaRS-05",
                        "warning",
                        "Target date: read 46568 as 30 June 2027 (a spreadsheet date number: format the cell as a date to see it)",
                    ),
                    (
                        "Booking and Referral",
                        "BaRS-05",
                        "red",
                        "MUST answered No, with a justification, a mitigation and a target date: NHS England will decide",
                    ),
                    (
                        "Booking and Referral",
                        "BaRS-06",
                        "red",
                        "MUST NOT answered No, with a justification, a mitigation and a target date: NHS England will decide",
                    ),
                ],
                kinds: vec![],
            },
        },
        Case {
            name: "07-typed-spellings-and-optional-nos",
            source: service(
                "NRL",
                "NRL",
                spellings,
                Layout {
                    sort: Sort::ByAnswer,
                    ..PLAIN
                },
            ),
            expect: Expect {
                exit: 0,
                sheets: vec![("NRL", 8, 8)],
                findings: vec![],
                kinds: vec![],
            },
        },
        Case {
            name: "08-amber-with-and-without-justification-rows-reversed",
            source: service(
                "Summary Care Record",
                "SCR",
                amber,
                Layout {
                    sort: Sort::Reversed,
                    shuffle_columns: true,
                    ..PLAIN
                },
            ),
            expect: Expect {
                exit: 1,
                sheets: vec![("Summary Care Record", 6, 6)],
                findings: vec![(
                    "Summary Care Record",
                    "SCR-02",
                    "amber",
                    "SHOULD answered No: give a justification",
                )],
                kinds: vec![],
            },
        },
        Case {
            name: "09-unanswered-rows",
            source: service("EPS", "EPS", unanswered, Layout { title_rows: true, ..PLAIN }),
            expect: Expect {
                exit: 1,
                sheets: vec![("EPS", 7, 5)],
                findings: vec![
                    ("EPS", "EPS-04", "error", "Not answered"),
                    ("EPS", "EPS-07", "warning", "Not answered (optional)"),
                ],
                kinds: vec![],
            },
        },
        Case {
            name: "10-impossible-target-date",
            source: service("Care Identity", "CIS", bad_target, PLAIN),
            expect: Expect {
                exit: 1,
                sheets: vec![("Care Identity", 4, 4)],
                findings: vec![(
                    "Care Identity",
                    "CIS-02",
                    "error",
                    "MUST answered No: the target date \"31/02/2027\" is not a real date; use a date like 2026-06-30",
                )],
                kinds: vec![],
            },
        },
        Case {
            name: "11-information-questions-of-every-kind",
            source: Source::Foreign {
                cover: true,
                info: vec![
                    q("Supplier name", "Acme Health Ltd"),
                    q("Organisation ODS code", "8km90"),
                    q("Are you the data controller, the data processor, or both?", "the data processor"),
                    InfoQ {
                        question: "Which hosting model do you use?",
                        answer: Answer::Text("Hybrid"),
                        list: Some(List::Cells(&["Cloud", "On premise", "Hybrid"])),
                    },
                    InfoQ {
                        question: "Is the product hosted in the UK?",
                        answer: Answer::Text("partly"),
                        list: Some(List::Inline(&["Please select…", "Yes", "Partly", "No"])),
                    },
                    q("Describe your support arrangements", "No out-of-hours support"),
                    q("Do you store or process patient data?", "Store only"),
                    q("Date of last penetration test", "15/03/2026"),
                    InfoQ {
                        question: "Date the HSCN connection was confirmed",
                        answer: Answer::Serial(46_100.0),
                        list: None,
                    },
                    InfoQ {
                        question: "Is the product a medical device?",
                        answer: Answer::Text("N"),
                        list: Some(List::Inline(&["Yes", "No"])),
                    },
                ],
                services: vec![ServiceSheet {
                    name: "Send Document",
                    prefix: "SD",
                    rows: yes(4),
                    layout: PLAIN,
                }],
            },
            expect: Expect {
                exit: 1,
                sheets: vec![("Supplier information", 10, 10), ("Send Document", 4, 4)],
                findings: vec![
                    (
                        "Supplier information",
                        "INFO-009",
                        "warning",
                        "read 46100 as 19 March 2026 (a spreadsheet date number: format the cell as a date to see it)",
                    ),
                    (
                        "Supplier information",
                        "INFO-010",
                        "amber",
                        "Answered No: give a justification",
                    ),
                ],
                kinds: vec![
                    ("INFO-001", "free_text"),
                    ("INFO-002", "ods_code"),
                    ("INFO-003", "choice"),
                    ("INFO-004", "choice"),
                    ("INFO-005", "choice"),
                    ("INFO-006", "free_text"),
                    ("INFO-007", "free_text"),
                    ("INFO-008", "date"),
                    ("INFO-009", "date"),
                    ("INFO-010", "declaration"),
                ],
            },
        },
        Case {
            name: "12-information-answers-that-are-not-options",
            source: Source::Foreign {
                cover: false,
                info: vec![
                    InfoQ {
                        question: "Which hosting model do you use?",
                        answer: Answer::Text("Mainframe"),
                        list: Some(List::Cells(&["Cloud", "On premise", "Hybrid"])),
                    },
                    q("Are you the data controller or the data processor?", "Both"),
                    q("Organisation ODS code", "8KM-90!"),
                ],
                services: vec![],
            },
            expect: Expect {
                exit: 1,
                sheets: vec![("Supplier information", 3, 3)],
                findings: vec![
                    (
                        "Supplier information",
                        "INFO-001",
                        "error",
                        "\"Mainframe\" is not one of: Cloud, On premise, Hybrid",
                    ),
                    (
                        "Supplier information",
                        "INFO-002",
                        "error",
                        "\"Both\" is not one of: Data controller, Data processor",
                    ),
                    (
                        "Supplier information",
                        "INFO-003",
                        "error",
                        "ODS code must be 1 to 9 letters and digits, like X26 or 8KM90",
                    ),
                ],
                kinds: vec![
                    ("INFO-001", "choice"),
                    ("INFO-002", "choice"),
                    ("INFO-003", "ods_code"),
                ],
            },
        },
        Case {
            name: "13-cover-sheet-and-two-services-in-different-layouts",
            source: Source::Foreign {
                cover: true,
                info: Vec::new(),
                services: vec![
                    ServiceSheet {
                        name: "Send Document",
                        prefix: "SD",
                        rows: yes(5),
                        layout: Layout {
                            title_rows: true,
                            sections: true,
                            yes_no_list: true,
                            ..PLAIN
                        },
                    },
                    ServiceSheet {
                        name: "GP Connect",
                        prefix: "GPC",
                        rows: yes(6),
                        layout: Layout {
                            shuffle_columns: true,
                            hidden_internal: true,
                            level_column: false,
                            sort: Sort::ByAnswer,
                            ..PLAIN
                        },
                    },
                ],
            },
            expect: Expect {
                exit: 0,
                sheets: vec![("Send Document", 5, 5), ("GP Connect", 6, 6)],
                findings: vec![],
                kinds: vec![],
            },
        },
        Case {
            name: "14-export-answered-untouched",
            source: Source::Export {
                answers: EXPORT_ANSWERS,
                edit: Edit::None,
            },
            expect: Expect {
                exit: 0,
                sheets: vec![("Supplier information", 2, 2), ("Send Document", 4, 4)],
                findings: EXPORT_RED.to_vec(),
                kinds: vec![("INFO-1", "free_text"), ("INFO-2", "choice")],
            },
        },
        Case {
            name: "15-export-with-a-row-deleted",
            source: Source::Export {
                answers: EXPORT_ANSWERS,
                edit: Edit::DeleteRow("SD-02"),
            },
            expect: Expect {
                exit: 1,
                sheets: vec![("Supplier information", 2, 2), ("Send Document", 3, 3)],
                findings: [
                    EXPORT_RED.as_slice(),
                    &[(
                        "Send Document",
                        "SD-02",
                        "error",
                        "The requirement was deleted from the workbook (it was row 3 when exported)",
                    )],
                ]
                .concat(),
                kinds: vec![],
            },
        },
        Case {
            name: "16-export-with-a-sheet-deleted",
            source: Source::Export {
                answers: EXPORT_ANSWERS,
                edit: Edit::DeleteSheet("Supplier information"),
            },
            expect: Expect {
                exit: 1,
                sheets: vec![("Send Document", 4, 4)],
                findings: [
                    EXPORT_RED.as_slice(),
                    &[(
                        "Supplier information",
                        "",
                        "error",
                        "The sheet is missing from the workbook (deleted, emptied, or its header row removed): its 2 requirement(s) INFO-1, INFO-2 are missing",
                    )],
                ]
                .concat(),
                kinds: vec![],
            },
        },
        Case {
            name: "17-export-with-a-level-edited-must-to-may",
            source: Source::Export {
                answers: EXPORT_ANSWERS,
                edit: Edit::SetLevel("SD-03", "MAY"),
            },
            expect: Expect {
                exit: 0,
                sheets: vec![("Supplier information", 2, 2), ("Send Document", 4, 4)],
                findings: [
                    EXPORT_RED.as_slice(),
                    &[(
                        "Send Document",
                        "SD-03",
                        "warning",
                        "Level edited to MAY in the workbook (column D); the template's MUST applies",
                    )],
                ]
                .concat(),
                kinds: vec![],
            },
        },
        Case {
            name: "18-export-renamed-and-sorted",
            source: Source::Export {
                answers: EXPORT_ANSWERS,
                edit: Edit::RenameAndSort("Send Document", "SD answers (final)"),
            },
            expect: Expect {
                exit: 0,
                sheets: vec![("Supplier information", 2, 2), ("Send Document", 4, 4)],
                findings: [
                    EXPORT_RED.as_slice(),
                    &[(
                        "Send Document",
                        "",
                        "warning",
                        "The sheet was renamed \"SD answers (final)\" in the workbook; matched by its requirement IDs",
                    )],
                ]
                .concat(),
                kinds: vec![],
            },
        },
        Case {
            name: "19-export-renamed-without-its-metadata",
            source: Source::Export {
                answers: EXPORT_ANSWERS,
                edit: Edit::DropMetadata,
            },
            expect: Expect {
                exit: 1,
                sheets: vec![("Supplier information (copy)", 2, 2), ("Send Document (copy)", 4, 4)],
                findings: vec![
                    (
                        "Send Document (copy)",
                        "SD-03",
                        "red",
                        "MUST answered No, with a justification, a mitigation and a target date: NHS England will decide",
                    ),
                    (
                        "_scal",
                        "",
                        "error",
                        "The workbook is a scal export without its hidden _scal sheet, so deleted or renamed sheets and rows cannot be detected: download the workbook again and copy the answers in",
                    ),
                ],
                kinds: vec![],
            },
        },
    ]
}

/// The export cases' answers: one red with everything NHS England needs.
const EXPORT_ANSWERS: &[(&str, &str, [&str; 4])] = &[
    ("Supplier information", "INFO-1", ["Acme Health Ltd", "", "", ""]),
    ("Supplier information", "INFO-2", ["Both", "", "", ""]),
    ("Send Document", "SD-01", ["Yes", "", "", ""]),
    ("Send Document", "SD-02", ["Yes", "", "", ""]),
    (
        "Send Document",
        "SD-03",
        ["No", "Supplier upgrade due", "Manual check daily", "2027-06-30"],
    ),
    ("Send Document", "SD-04", ["N/A", "Not used", "", ""]),
];

const EXPORT_RED: [(&str, &str, &str, &str); 1] = [(
    "Send Document",
    "SD-03",
    "red",
    "MUST answered No, with a justification, a mitigation and a target date: NHS England will decide",
)];

// ---------------------------------------------------------------------------------------------
// The generator.

const SUBJECTS: &[&str] = &[
    "The system",
    "The product",
    "The supplier",
    "The solution",
    "The client application",
];
const ACTIONS: &[&str] = &[
    "record every message sent in an audit trail",
    "validate NHS numbers using the modulus 11 check",
    "display the patient's name, date of birth and NHS number together",
    "retry a failed delivery no more than three times",
    "use TLS 1.2 or later for every connection",
    "store documents only within the UK",
    "report incidents to the service desk within 24 hours",
    "show the sender's ODS code on every document",
    "allow a user to cancel a referral before it is accepted",
    "log users out after 15 minutes without activity",
];
const SECTIONS: &[&str] = &[
    "Messaging",
    "Security",
    "Clinical safety",
    "Information governance",
    "Service management",
];
const TITLES: &[&str] = &[
    "Supplier Conformance Assessment List (SCAL)",
    "SCAL: technical conformance requirements",
    "Connecting to the service: requirements for suppliers",
];

fn level_label(rng: &mut Rng, level: &str) -> String {
    match (level, rng.chance()) {
        ("MUST", true) => "Must have".into(),
        ("SHOULD", true) => "Should have".into(),
        ("MAY", true) => "Could have".into(),
        _ => level.to_string(),
    }
}

/// Where the generator put a sheet's columns, for comparing with what import found.
type Placed = Vec<(Col, usize, String)>;

/// Writes one foreign service sheet; returns its columns' places and headers.
fn write_service(rng: &mut Rng, workbook: &mut Workbook, sheet: &ServiceSheet) -> Placed {
    let layout = sheet.layout;
    let mut cols = vec![Col::Id, Col::Text];
    if layout.level_column {
        cols.push(Col::Level);
    }
    cols.extend([Col::Response, Col::Justification, Col::Mitigation, Col::Target]);
    if layout.guidance {
        cols.push(Col::Guidance);
    }
    if layout.hidden_internal {
        let at = 3 + rng.below(cols.len() - 3);
        cols.insert(at, Col::Internal);
    }
    if layout.shuffle_columns {
        rng.shuffle(&mut cols);
    }
    let headers: Vec<String> = cols
        .iter()
        .map(|c| match (c, layout.answer_header) {
            (Col::Response, Some(fixed)) => fixed.to_string(),
            _ => rng.pick(c.headers()).to_string(),
        })
        .collect();

    let ws = workbook.add_worksheet();
    ws.set_name(sheet.name).unwrap();
    let wrap = Format::new().set_text_wrap();
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let last_col = (cols.len() - 1) as u16;
    let mut r: u32 = 0;
    if layout.title_rows {
        for _ in 0..=rng.below(3) {
            let title = format!("{}: {}", rng.pick(TITLES), sheet.name);
            ws.merge_range(r, 0, r, last_col, &title, &bold).unwrap();
            r += 1;
        }
        r += 1; // a blank row before the table
    }
    for (c, header) in headers.iter().enumerate() {
        ws.write_string(r, c as u16, header).unwrap();
    }
    let header_row = r;
    r += 1;
    let mut order: Vec<usize> = (0..sheet.rows.len()).collect();
    match layout.sort {
        Sort::AsGiven => {}
        Sort::ByAnswer => order.sort_by_key(|i| sheet.rows[*i].answer.trim().to_ascii_lowercase()),
        Sort::Reversed => order.reverse(),
    }
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let first_data = r;
    for (n, i) in order.iter().enumerate() {
        if layout.sections && n % 3 == 0 {
            let section = format!("{}. {}", n / 3 + 1, rng.pick(SECTIONS));
            ws.merge_range(r, 0, r, last_col, &section, &bold).unwrap();
            r += 1;
        }
        let row = sheet.rows[*i];
        let text = format!("{} {} {}.", rng.pick(SUBJECTS), row.level, rng.pick(ACTIONS));
        for (c, col) in cols.iter().enumerate() {
            let c = c as u16;
            match col {
                Col::Id => {
                    ws.write_string(r, c, format!("{}-{:02}", sheet.prefix, i + 1)).unwrap();
                }
                Col::Text => {
                    ws.write_string_with_format(r, c, &text, &wrap).unwrap();
                }
                Col::Level => {
                    ws.write_string(r, c, level_label(rng, row.level)).unwrap();
                }
                Col::Response if !row.answer.is_empty() => {
                    ws.write_string(r, c, row.answer).unwrap();
                }
                Col::Justification if !row.justification.is_empty() => {
                    ws.write_string(r, c, row.justification).unwrap();
                }
                Col::Mitigation if !row.mitigation.is_empty() => {
                    ws.write_string(r, c, row.mitigation).unwrap();
                }
                Col::Target => match row.target {
                    Target::None => {}
                    Target::Text(t) => {
                        ws.write_string(r, c, t).unwrap();
                    }
                    Target::Serial(n) => {
                        ws.write_number(r, c, n).unwrap();
                    }
                    Target::DateCell(y, m, d) => {
                        let when = ExcelDateTime::from_ymd(y, m, d).unwrap();
                        ws.write_datetime_with_format(r, c, &when, &date).unwrap();
                    }
                },
                Col::Guidance => {
                    ws.write_string(r, c, "See the specification, section 4").unwrap();
                }
                Col::Internal => {
                    ws.write_string(r, c, "checked by JB").unwrap();
                }
                _ => {}
            }
        }
        r += 1;
    }
    for (c, col) in cols.iter().enumerate() {
        let c = c as u16;
        ws.set_column_width(c, if *col == Col::Text { 60 } else { 18 }).unwrap();
        if *col == Col::Internal {
            ws.set_column_hidden(c).unwrap();
        }
        if *col == Col::Response && layout.yes_no_list {
            let list = DataValidation::new().allow_list_strings(&["Yes", "No", "N/A"]).unwrap();
            ws.add_data_validation(first_data, c, r.max(first_data + 1) + 50, c, &list)
                .unwrap();
        }
    }
    let _ = header_row;
    cols.iter()
        .zip(headers)
        .enumerate()
        .map(|(c, (col, header))| (*col, c, header))
        .collect()
}

fn write_info(workbook: &mut Workbook, questions: &[InfoQ]) -> Placed {
    let cells: Vec<&'static [&'static str]> = questions
        .iter()
        .filter_map(|q| match q.list {
            Some(List::Cells(items)) => Some(items),
            _ => None,
        })
        .collect();
    let ws = workbook.add_worksheet();
    ws.set_name("Supplier information").unwrap();
    ws.write_string(0, 0, "Supplier and product information").unwrap();
    ws.write_string(2, 0, "Question").unwrap();
    ws.write_string(2, 1, "Answer").unwrap();
    let mut list_row = 0u32;
    for (i, question) in questions.iter().enumerate() {
        let r = 3 + i as u32;
        ws.write_string(r, 0, question.question).unwrap();
        match question.answer {
            Answer::Text(text) => ws.write_string(r, 1, text).map(|_| ()).unwrap(),
            Answer::Serial(n) => ws.write_number(r, 1, n).map(|_| ()).unwrap(),
        }
        let list = match question.list {
            None => None,
            Some(List::Inline(items)) => Some(DataValidation::new().allow_list_strings(items).unwrap()),
            Some(List::Cells(items)) => {
                let first = list_row + 1;
                list_row += items.len() as u32;
                Some(DataValidation::new().allow_list_formula(Formula::new(format!("Lists!$A${first}:$A${list_row}"))))
            }
        };
        if let Some(list) = list {
            ws.add_data_validation(r, 1, r, 1, &list).unwrap();
        }
    }
    ws.set_column_width(0, 60).unwrap();
    ws.set_column_width(1, 30).unwrap();
    if !cells.is_empty() {
        let lists = workbook.add_worksheet();
        lists.set_name("Lists").unwrap();
        for (r, item) in cells.iter().flat_map(|items| items.iter()).enumerate() {
            lists.write_string(r as u32, 0, *item).unwrap();
        }
        lists.set_hidden(true);
    }
    vec![(Col::Text, 0, "Question".into()), (Col::Response, 1, "Answer".into())]
}

/// A workbook for a foreign case, and where each sheet's columns went.
fn foreign(
    rng: &mut Rng,
    cover: bool,
    info: &[InfoQ],
    services: &[ServiceSheet],
) -> (Vec<u8>, BTreeMap<String, Placed>) {
    let mut workbook = Workbook::new();
    let mut placed = BTreeMap::new();
    if cover {
        let ws = workbook.add_worksheet();
        ws.set_name("Instructions").unwrap();
        for (r, line) in [
            "How to complete this SCAL",
            "Answer every requirement Yes, No or N/A.",
            "Explain every No in the comments column and give a mitigation for each MUST.",
            "Return the completed workbook to your NHS England assurance contact.",
        ]
        .iter()
        .enumerate()
        {
            ws.write_string(r as u32, 0, *line).unwrap();
        }
    }
    if !info.is_empty() {
        placed.insert("Supplier information".to_string(), write_info(&mut workbook, info));
    }
    for sheet in services {
        placed.insert(sheet.name.to_string(), write_service(rng, &mut workbook, sheet));
    }
    (workbook.save_to_buffer().unwrap(), placed)
}

/// The template the export cases were exported from.
fn export_template() -> Vec<TemplateSheet> {
    let requirement = |id: &str, text: &str, level: Level, answer_kind: AnswerKind| Requirement {
        id: id.into(),
        section: None,
        text: text.into(),
        level,
        answer_kind,
        use_case: None,
        requirement_type: None,
        link: None,
        test_cases: None,
        test_environment: None,
        evidence_required: None,
        guidance: None,
    };
    vec![
        TemplateSheet {
            name: "Supplier information".into(),
            kind: SheetKind::Information,
            requirements: vec![
                requirement("INFO-1", "Supplier name", Level::Unspecified, AnswerKind::FreeText),
                requirement(
                    "INFO-2",
                    "Are you the data controller, the data processor, or both?",
                    Level::Unspecified,
                    AnswerKind::Choice(vec!["Data controller".into(), "Data processor".into(), "Both".into()]),
                ),
            ],
        },
        TemplateSheet {
            name: "Send Document".into(),
            kind: SheetKind::Service,
            requirements: vec![
                requirement(
                    "SD-01",
                    "The system MUST send documents as PDF.",
                    Level::Must,
                    AnswerKind::Declaration,
                ),
                requirement(
                    "SD-02",
                    "The system SHOULD retry failed sends.",
                    Level::Should,
                    AnswerKind::Declaration,
                ),
                requirement(
                    "SD-03",
                    "The system MUST use MESH.",
                    Level::Must,
                    AnswerKind::Declaration,
                ),
                requirement(
                    "SD-04",
                    "The system MAY batch documents.",
                    Level::May,
                    AnswerKind::Declaration,
                ),
            ],
        },
    ]
}

/// A scal export, then a person's edit of it, written back as values (as a spreadsheet program
/// saves what is left).
fn edited_export(answers: &[(&str, &str, [&str; 4])], edit: Edit) -> Vec<u8> {
    let sheets = export_template();
    let mut given = Answers::new();
    for (sheet, id, [response, justification, mitigation, target]) in answers {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        given.insert(
            (sheet.to_string(), id.to_string()),
            ExportedAnswer {
                response: some(response),
                justification: some(justification),
                mitigation: some(mitigation),
                target_date: some(target),
            },
        );
    }
    let bytes = export(&Export {
        template_id: "tpl-corpus",
        template_name: "Corpus SCAL",
        version: 1,
        product_id: None,
        stamp: "2026-11-24T09:00:00Z",
        sheets: &sheets,
        answers: &given,
    })
    .unwrap();
    if matches!(edit, Edit::None) {
        return bytes;
    }
    let mut grids = scal_workbook::read(&bytes, "export.xlsx", Limits::default()).unwrap();
    let id_row =
        |grid: &scal_workbook::Grid, id: &str| grid.rows.iter().position(|r| r.first().is_some_and(|c| c == id));
    match edit {
        Edit::None => {}
        Edit::DeleteRow(id) => {
            for grid in &mut grids {
                if let Some(at) = id_row(grid, id).filter(|_| grid.name != "_scal") {
                    grid.rows.remove(at);
                }
            }
        }
        Edit::DeleteSheet(name) => grids.retain(|g| g.name != name),
        Edit::SetLevel(id, level) => {
            for grid in &mut grids {
                let level_col = grid.rows[0].iter().position(|h| h == "Level");
                if let (Some(at), Some(col)) = (id_row(grid, id), level_col) {
                    grid.rows[at][col] = level.to_string();
                }
            }
        }
        Edit::RenameAndSort(from, to) => {
            for grid in &mut grids {
                if grid.name == from {
                    grid.name = to.to_string();
                    grid.rows[1..].reverse();
                }
            }
        }
        Edit::DropMetadata => {
            grids.retain(|g| g.name != "_scal");
            for grid in &mut grids {
                grid.name = format!("{} (copy)", grid.name);
            }
        }
    }
    let mut workbook = Workbook::new();
    for grid in &grids {
        let ws = workbook.add_worksheet();
        ws.set_name(&grid.name).unwrap();
        for (r, row) in grid.rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate().filter(|(_, v)| !v.is_empty()) {
                let (r, c) = ((grid.first_row - 1 + r) as u32, (grid.first_col + c) as u16);
                ws.write_string(r, c, value).unwrap();
            }
        }
        if grid.name == "_scal" {
            ws.set_hidden(true);
        }
    }
    workbook.save_to_buffer().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Checking.

fn check(file: &Path) -> (i32, Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .args(["check", "--json", "--as-of", "2026-11-24"])
        .arg(file)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// What differs between a file's result and its case's expectation, as readable lines.
fn compare(case: &Case, label: &str, file: &Path, placed: &BTreeMap<String, Placed>) -> Vec<String> {
    let mut wrong = Vec::new();
    let expect = &case.expect;
    let (code, report, stderr) = check(file);
    let mut differ = |what: &str, got: String, want: String| {
        if got != want {
            wrong.push(format!("{label}: {what}:\n    got  {got}\n    want {want}"));
        }
    };
    differ("exit code", code.to_string(), expect.exit.to_string());
    if code == 2 {
        differ("refusal", stderr.trim().to_string(), String::new());
        return wrong;
    }
    let sheets: Vec<(String, u64, u64)> = report["sheets"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("").to_string(),
                s["requirements"].as_u64().unwrap_or(0),
                s["answered"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let want: Vec<(String, u64, u64)> = expect
        .sheets
        .iter()
        .map(|(n, r, a)| (n.to_string(), *r as u64, *a as u64))
        .collect();
    differ(
        "sheets (name, requirements, answered)",
        format!("{sheets:?}"),
        format!("{want:?}"),
    );
    let mut findings: Vec<String> = report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|f| {
            format!(
                "{} | {} | {} | {}",
                f["sheet"].as_str().unwrap_or(""),
                f["requirement_id"].as_str().unwrap_or(""),
                f["severity"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap_or("")
            )
        })
        .collect();
    findings.sort();
    let mut want: Vec<String> = expect
        .findings
        .iter()
        .map(|(s, id, sev, m)| format!("{s} | {id} | {sev} | {m}"))
        .collect();
    want.sort();
    differ("findings", format!("{findings:#?}"), format!("{want:#?}"));

    // The columns import found are where the generator put them: every field recognised, the
    // hidden internal notes ignored.
    for sheet in report["import"].as_array().cloned().unwrap_or_default() {
        let name = sheet["name"].as_str().unwrap_or("");
        let Some(placed) = placed.get(name) else {
            continue;
        };
        let found: BTreeMap<String, String> = sheet["columns"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|c| {
                (
                    c["field"].as_str().unwrap_or("").to_string(),
                    c["column"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect();
        let want: BTreeMap<String, String> = placed
            .iter()
            .filter_map(|(col, at, _)| Some((col.field()?.to_string(), scal_workbook::Grid::column_letter(*at))))
            .collect();
        let headers: Vec<&String> = placed.iter().map(|(_, _, h)| h).collect();
        differ(
            &format!("sheet {name:?} columns (headers {headers:?})"),
            format!("{found:?}"),
            format!("{want:?}"),
        );
    }

    // Information questions' kinds, as a template import reads them.
    if !expect.kinds.is_empty() {
        let bytes = std::fs::read(file).unwrap();
        let grids = scal_workbook::read(&bytes, "corpus.xlsx", Limits::default()).unwrap();
        let kinds: Vec<(String, String)> = match scal_workbook::import_exported(&grids, &ImportOptions::default()) {
            Ok(imported) => imported
                .sheets
                .iter()
                .filter(|s| s.kind == SheetKind::Information)
                .flat_map(|s| s.rows.iter())
                .map(|r| (r.requirement.id.clone(), r.requirement.answer_kind.as_str().to_string()))
                .collect(),
            Err(e) => vec![("import failed".into(), e.to_string())],
        };
        let want: Vec<(String, String)> = expect
            .kinds
            .iter()
            .map(|(id, k)| (id.to_string(), k.to_string()))
            .collect();
        differ("information kinds", format!("{kinds:?}"), format!("{want:?}"));
    }
    wrong
}

/// LibreOffice's `soffice`, if installed; required when `SCAL_LIBREOFFICE=required`.
fn soffice() -> Option<PathBuf> {
    let found = ["soffice", "libreoffice"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
    });
    if found.is_none() && std::env::var("SCAL_LIBREOFFICE").as_deref() == Ok("required") {
        panic!("SCAL_LIBREOFFICE=required but soffice is not on PATH");
    }
    found
}

/// Opens every file in LibreOffice and saves it again as xlsx, into `out`, in one run.
fn through_libreoffice(soffice: &Path, files: &[PathBuf], out: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new(soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
        ])
        .arg(out)
        .args(files)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "soffice failed: {status}");
}

#[test]
fn every_workbook_in_the_corpus_imports_and_checks_as_expected() {
    let dir = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("SCAL_WRITE_CORPUS").map(PathBuf::from);
    // `SCAL_CORPUS_SEED` draws other layouts for the same cases, to explore beyond the fixed one.
    let seed = std::env::var("SCAL_CORPUS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let mut rng = Rng(seed);
    let cases = cases();
    assert!(cases.len() >= 15, "the corpus has {} workbooks", cases.len());
    let mut written = Vec::new();
    for case in &cases {
        let (bytes, placed) = match &case.source {
            Source::Foreign { cover, info, services } => foreign(&mut rng, *cover, info, services),
            Source::Export { answers, edit } => (edited_export(answers, *edit), BTreeMap::new()),
        };
        let file = dir.path().join(format!("{}.xlsx", case.name));
        std::fs::write(&file, &bytes).unwrap();
        if let Some(keep) = &keep {
            std::fs::create_dir_all(keep).unwrap();
            std::fs::write(keep.join(file.file_name().unwrap()), &bytes).unwrap();
        }
        written.push((case, file, placed));
    }

    let mut wrong = Vec::new();
    for (case, file, placed) in &written {
        wrong.extend(compare(case, case.name, file, placed));
    }
    if let Some(soffice) = soffice() {
        let out = dir.path().join("libreoffice");
        std::fs::create_dir_all(&out).unwrap();
        let files: Vec<PathBuf> = written.iter().map(|(_, f, _)| f.clone()).collect();
        through_libreoffice(&soffice, &files, &out);
        for (case, file, placed) in &written {
            let saved = out.join(file.file_name().unwrap());
            if !saved.exists() {
                wrong.push(format!("{}: LibreOffice wrote no file", case.name));
                continue;
            }
            if let Some(keep) = &keep {
                std::fs::copy(&saved, keep.join(format!("{}.libreoffice.xlsx", case.name))).unwrap();
            }
            wrong.extend(compare(
                case,
                &format!("{} (saved by LibreOffice)", case.name),
                &saved,
                placed,
            ));
        }
    }
    assert!(wrong.is_empty(), "{} differences:\n{}", wrong.len(), wrong.join("\n"));
}

/// What a page of a PDF says, by poppler's `pdftotext` (in reading order, one text run per cell).
fn pdf_text(pdf: &Path, page: Option<u32>) -> String {
    let mut command = Command::new("pdftotext");
    command.arg("-raw");
    if let Some(page) = page {
        command.args(["-f", &page.to_string(), "-l", &page.to_string()]);
    }
    let output = command
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (Debian's poppler-utils)");
    assert!(output.status.success(), "pdftotext failed");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// An export printed by LibreOffice (point 6 of the workbook issue): landscape, every column on
/// one page's width, the header row again on every page, and rows tall enough that no wrapped
/// text is cut off (a row too short shows only its first lines, so words go missing).
#[test]
fn an_export_prints_readably_in_libreoffice() {
    let Some(soffice) = soffice() else {
        return;
    };
    let requirement = |n: usize| Requirement {
        id: format!("LONG-REQUIREMENT-{n:03}"),
        section: None,
        text: format!(
            "Requirement {n} begins here. The system MUST {}. Requirement {n} ends here.",
            ACTIONS
                .iter()
                .cycle()
                .skip(n)
                .take(2 + n % 5)
                .copied()
                .collect::<Vec<_>>()
                .join(", and it must ")
        ),
        level: Level::Must,
        answer_kind: AnswerKind::Declaration,
        use_case: None,
        requirement_type: None,
        link: None,
        test_cases: Some(format!("TC-{n:03}")),
        test_environment: None,
        evidence_required: Some("Screenshots of the audit trail".into()),
        guidance: None,
    };
    let sheets = vec![TemplateSheet {
        name: "Send Document".into(),
        kind: SheetKind::Service,
        requirements: (1..=40).map(requirement).collect(),
    }];
    let mut answers = Answers::new();
    for n in (1..=40).step_by(3) {
        answers.insert(
            ("Send Document".into(), format!("LONG-REQUIREMENT-{n:03}")),
            ExportedAnswer {
                response: Some("No".into()),
                justification: Some(format!(
                    "Justification {n} begins. {} Justification {n} ends.",
                    "We are upgrading the platform in stages across every site. ".repeat(n % 4 + 1)
                )),
                mitigation: Some(format!("Mitigation {n}: manual checks every day.")),
                target_date: Some("2027-06-30".into()),
            },
        );
    }
    let bytes = export(&Export {
        template_id: "tpl",
        template_name: "Print test",
        version: 1,
        product_id: None,
        stamp: "2026-11-24T09:00:00Z",
        sheets: &sheets,
        answers: &answers,
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let xlsx = dir.path().join("print.xlsx");
    std::fs::write(&xlsx, bytes).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new(&soffice)
        .arg(format!("-env:UserInstallation=file://{}", profile.path().display()))
        .args(["--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&xlsx)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let pdf = dir.path().join("print.pdf");

    let info = Command::new("pdfinfo")
        .arg(&pdf)
        .output()
        .expect("pdfinfo (poppler-utils)");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|p| p.trim().parse().ok())
        .unwrap();
    let size: Vec<f64> = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .map(|s| s.split_whitespace().filter_map(|w| w.parse().ok()).collect())
        .unwrap();
    assert!(size[0] > size[1], "landscape: {info}");

    let all = pdf_text(&pdf, None);
    for n in 1..=40 {
        for end in [
            format!("Requirement {n} begins here."),
            format!("Requirement {n} ends here."),
        ] {
            assert!(
                all.contains(&end),
                "{end:?} is cut off or missing in LibreOffice's printout"
            );
        }
        if (n - 1) % 3 == 0 {
            assert!(
                all.contains(&format!("Justification {n} ends.")),
                "justification {n} is cut off"
            );
        }
    }
    assert!(pages >= 2, "40 long rows take more than one page: {info}");
    // Every column on one page's width: page 1 has the first and the last columns' headers; and
    // each page starts with the header row again.
    for page in 1..=pages {
        let text = pdf_text(&pdf, Some(page));
        for header in ["ID", "Requirement", "Target date"] {
            assert!(text.contains(header), "page {page} lacks the header {header:?}: {text}");
        }
    }
}
