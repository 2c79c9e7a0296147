//! SCAL workbooks in and out. `read` turns a file's bytes (xlsx, or NHS pipe-separated text) into
//! [`Grid`]s of trimmed strings, refusing hostile or unsupported files with a clear reason; `import`
//! finds each sheet's requirement table and turns it into template sheets with a report; `export`
//! writes a SCAL to complete offline and `review` a round to review offline.
//!
//! **Invariant:** nothing here panics on any input bytes (the importer is fuzzed), and nothing
//! here does I/O beyond the bytes it is given.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod columns;
pub mod export;
pub mod import;
pub mod read;
pub mod review;
pub mod validations;

pub use import::{
    import, import_exported, parse_map, Ambiguity, Column, ExportedImport, Field, IgnoredHeader, ImportError,
    ImportOptions, ImportReport, ImportedRow, ImportedSheet, Problem, Recognition, SheetReport,
};

pub use export::{
    certificate_sheet_name, export, export_with_certificate, has_export_layout, manifest, Answers, Export, ExportError,
    ExportedAnswer, METADATA_SHEET,
};
pub use read::{read, read_with_formulas, Grid, Limits, ReadError};
pub use review::{export_review, read_review, ReviewCells, ReviewExport, ReviewReadError, ReviewRow, ReviewUpload};
