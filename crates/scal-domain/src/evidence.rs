//! Evidence files: which kinds are accepted, decided from the bytes (never from the name or the
//! browser's say-so), and file names made safe to store and show.

use crate::FieldError;

/// The kinds of evidence accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    Pdf,
    Png,
    Jpeg,
    Docx,
    Xlsx,
    Zip,
    Text,
    Csv,
}

impl EvidenceKind {
    pub const ALL: [Self; 8] = [
        Self::Pdf,
        Self::Png,
        Self::Jpeg,
        Self::Docx,
        Self::Xlsx,
        Self::Zip,
        Self::Text,
        Self::Csv,
    ];

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Zip => "application/zip",
            Self::Text => "text/plain",
            Self::Csv => "text/csv",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pdf => "PDF",
            Self::Png => "PNG image",
            Self::Jpeg => "JPEG image",
            Self::Docx => "Word document",
            Self::Xlsx => "Excel workbook",
            Self::Zip => "ZIP archive",
            Self::Text => "Text",
            Self::Csv => "CSV",
        }
    }

    pub fn from_content_type(raw: &str) -> Option<Self> {
        [
            Self::Pdf,
            Self::Png,
            Self::Jpeg,
            Self::Docx,
            Self::Xlsx,
            Self::Zip,
            Self::Text,
            Self::Csv,
        ]
        .into_iter()
        .find(|k| k.content_type() == raw)
    }
}

pub const ALLOWED: &str = "PDF, PNG, JPEG, DOCX, XLSX, TXT, CSV or ZIP";

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The kind of file these bytes are, by their signature. Office documents are ZIP archives told
/// apart by the part names their directory lists; text is UTF-8 with no control characters other
/// than tab and line breaks (CSV when the name says so).
pub fn sniff(bytes: &[u8], file_name: &str) -> Result<EvidenceKind, FieldError> {
    let refuse = |why: &str| FieldError::new("file", format!("{file_name:?} {why}: upload a {ALLOWED} file"));
    if bytes.is_empty() {
        return Err(FieldError::new("file", "The file is empty"));
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(EvidenceKind::Pdf);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(EvidenceKind::Png);
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(EvidenceKind::Jpeg);
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Ok(if contains(bytes, b"word/document.xml") {
            EvidenceKind::Docx
        } else if contains(bytes, b"xl/workbook.xml") {
            EvidenceKind::Xlsx
        } else {
            EvidenceKind::Zip
        });
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| refuse("is not a file type scal accepts"))?;
    if text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err(refuse("is not a file type scal accepts"));
    }
    Ok(if file_name.to_ascii_lowercase().ends_with(".csv") {
        EvidenceKind::Csv
    } else {
        EvidenceKind::Text
    })
}

/// A file name safe to store, show and offer for download: the last path component, without
/// control characters, quotes or path separators, at most 120 characters; `evidence` when
/// nothing is left.
pub fn sanitise_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '"' | '\'' | '<' | '>' | ':' | '|' | '?' | '*' | ';' => '_',
            other => other,
        })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    let mut name: String = trimmed.chars().take(120).collect();
    if name.is_empty() {
        name = "evidence".into();
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_the_bytes_not_the_name() {
        assert_eq!(sniff(b"%PDF-1.7 ...", "report.txt"), Ok(EvidenceKind::Pdf));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....", "a.pdf"), Ok(EvidenceKind::Png));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0], "a"), Ok(EvidenceKind::Jpeg));
        assert_eq!(
            sniff(b"PK\x03\x04....word/document.xml", "a.zip"),
            Ok(EvidenceKind::Docx)
        );
        assert_eq!(sniff(b"PK\x03\x04....xl/workbook.xml", "a"), Ok(EvidenceKind::Xlsx));
        assert_eq!(sniff(b"PK\x03\x04....", "a.docx"), Ok(EvidenceKind::Zip));
        assert_eq!(sniff("a,b\n1,2\n".as_bytes(), "x.CSV"), Ok(EvidenceKind::Csv));
        assert_eq!(sniff("notes\tok\r\n".as_bytes(), "x.txt"), Ok(EvidenceKind::Text));
        assert!(sniff(b"MZ\x90\x00\x03", "setup.pdf").is_err());
        assert!(sniff(b"GIF89a\x01\x00\x01\x00\x80\x00", "a.gif").is_err());
        assert!(sniff(b"", "a.txt").is_err());
    }

    #[test]
    fn file_names_lose_paths_and_dangerous_characters() {
        assert_eq!(sanitise_file_name("C:\\Users\\me\\pen test.pdf"), "pen test.pdf");
        assert_eq!(sanitise_file_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitise_file_name("a\"b<c>\u{0}.pdf"), "a_b_c_.pdf");
        assert_eq!(sanitise_file_name("..."), "evidence");
        assert_eq!(sanitise_file_name(&"x".repeat(300)).len(), 120);
    }
}
