//! A certificate's documents besides its signed JWS: the PDF people print and file, and the rows
//! of the certificate sheet in the SCAL workbook. Both state the same facts, in the same words
//! ([`fact_rows`]), with the status on the day of the download and the public verify address,
//! which the PDF also carries as a QR code.
//!
//! The rendering is pure (facts in, bytes out), so it is tested without a server. The PDF uses
//! the standard Helvetica and Courier fonts, which every reader has (nothing is embedded), with
//! WinAnsi encoding, so `pdftotext` and screen readers get the text back; the QR code is drawn as
//! filled squares, needing no image.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::{Color, EcLevel, QrCode};
use scal_domain::certificate::CertificateStatus;
use scal_domain::policy::Actor;

use crate::certificates::CertificateView;
use crate::{App, AppError, Result};

/// A downloaded certificate document.
#[derive(Debug, Clone)]
pub struct CertificateDocument {
    /// `SCAL-C-000001.pdf`.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The public page anyone can use to check a certificate, in full, at this installation's
/// `public_url`.
pub fn verify_url(public_url: &str, certificate_id: &str) -> String {
    format!("{}/verify/{certificate_id}", public_url.trim_end_matches('/'))
}

/// The status in words: its label and why.
pub fn status_text(status: &CertificateStatus) -> String {
    match status {
        CertificateStatus::Valid => "Valid".into(),
        CertificateStatus::Suspended { overdue } => {
            format!("Suspended: these conditions are overdue: {}", overdue.join("; "))
        }
        CertificateStatus::Expired { on } => format!("Expired on {on}"),
        CertificateStatus::Revoked { reason } => format!("Revoked: {reason}"),
        CertificateStatus::Unverifiable { reason } => {
            format!("Cannot be verified: {reason}. Do not rely on the facts below")
        }
    }
}

/// What a certificate states, as (label, value) rows in the order people read them; a value of
/// several lines (templates, conditions) has them separated by `\n`. `today` is the day the
/// status is for.
pub fn fact_rows(view: &CertificateView, today: time::Date, verify_url: &str) -> Vec<(&'static str, String)> {
    let f = &view.facts;
    let conditions = if f.conditions.is_empty() {
        "None".to_string()
    } else {
        f.conditions
            .iter()
            .map(|c| format!("{}: {} (due {})", c.requirement_id, c.text, c.due))
            .collect::<Vec<_>>()
            .join("\n")
    };
    vec![
        ("Certificate number", f.number.clone()),
        ("Status", status_text(&view.status)),
        ("Status on", today.to_string()),
        ("Supplier", f.supplier.clone()),
        ("Supplier ODS code", f.supplier_ods_code.clone()),
        ("Product", f.product.clone()),
        ("Product version", f.product_version.clone()),
        ("Services", f.services.join(", ")),
        ("SCAL templates", f.templates.join("\n")),
        ("Accepted round", f.accepted_round.to_string()),
        ("Snapshot SHA-256", f.snapshot_sha256.clone()),
        ("Conditions", conditions),
        ("Issued on", f.issued_on.to_string()),
        (
            "Expires on",
            f.expires_on
                .map_or_else(|| "Does not expire".to_string(), |d| d.to_string()),
        ),
        ("Issued by", f.issuer.clone()),
        ("Check it at", verify_url.to_string()),
    ]
}

/// The certificate as a PDF, for a signed-in user who may see it (NHS England or its supplier).
pub async fn pdf(app: &App, actor: &Actor, id: &str, now: time::OffsetDateTime) -> Result<CertificateDocument> {
    let view = crate::certificates::get(app, actor, id, now.date()).await?;
    document(app, &view, now.date())
}

/// The certificate as a PDF, for anyone with its ID: the same facts the public verify page shows.
pub async fn public_pdf(app: &App, id: &str, now: time::OffsetDateTime) -> Result<CertificateDocument> {
    let view = crate::certificates::public(app, id, now.date()).await?;
    document(app, &view, now.date())
}

fn document(app: &App, view: &CertificateView, today: time::Date) -> Result<CertificateDocument> {
    let url = verify_url(&app.settings.public_url, &view.record.id);
    Ok(CertificateDocument {
        file_name: format!("{}.pdf", view.facts.number),
        bytes: render_pdf(view, today, &url)?,
    })
}

/// The QR code of `text` as rows of modules (`true` is dark), without the quiet zone.
pub fn qr_modules(text: &str) -> Result<Vec<Vec<bool>>> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?;
    let width = code.width();
    let colors = code.to_colors();
    Ok(colors
        .chunks(width.max(1))
        .map(|row| row.iter().map(|c| *c == Color::Dark).collect())
        .collect())
}

// A4 in points, and the margins.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const LEFT: f32 = 56.0;
const RIGHT: f32 = PAGE_WIDTH - 56.0;
const TOP: f32 = PAGE_HEIGHT - 60.0;
const BOTTOM: f32 = 60.0;
/// Where values start, right of their labels.
const VALUE_X: f32 = 190.0;
/// The QR code's side, quiet zone included (about 45 mm).
const QR_SIDE: f32 = 128.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
    Mono,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Self::Regular => Name(b"F1"),
            Self::Bold => Name(b"F2"),
            Self::Mono => Name(b"F3"),
        }
    }

    /// The width of one WinAnsi byte, in thousandths of the font size (Adobe's metrics).
    fn advance(self, byte: u8) -> f32 {
        let table = match self {
            Self::Mono => return 600.0,
            Self::Regular => &HELVETICA,
            Self::Bold => &HELVETICA_BOLD,
        };
        match byte {
            32..=126 => f32::from(table[usize::from(byte - 32)]),
            // Accented letters and the rest: as wide as the widest common letters, so a line
            // never runs off the page.
            _ => 722.0,
        }
    }

    fn width(self, text: &[u8], size: f32) -> f32 {
        text.iter().map(|b| self.advance(*b)).sum::<f32>() * size / 1000.0
    }
}

/// Helvetica's widths for the bytes 32 to 126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584,
];

/// Helvetica-Bold's widths for the bytes 32 to 126.
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611,
    556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
    280, 389, 584,
];

/// Text as WinAnsi bytes: Latin-1 as it is, typographic quotes and dashes where WinAnsi has
/// them, anything else as `?`; control characters (a stray tab) as spaces.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{20ac}' => 0x80,
            '\u{2026}' => 0x85,
            c if c.is_control() => b' ',
            _ => b'?',
        })
        .collect()
}

/// `text` broken into lines no wider than `width`: at spaces, and inside a word only when the
/// word alone is wider than a line. Its own line breaks are kept.
fn wrap(text: &str, font: Font, size: f32, width: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line: Vec<u8> = Vec::new();
        for word in paragraph.split_whitespace() {
            let word = win_ansi(word);
            let mut candidate = line.clone();
            if !candidate.is_empty() {
                candidate.push(b' ');
            }
            candidate.extend_from_slice(&word);
            if font.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line (an address, a hash): broken where it must be.
            for byte in word {
                if !line.is_empty() && font.width(&line, size) + font.width(&[byte], size) > width {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(byte);
            }
        }
        lines.push(line);
    }
    lines
}

/// The largest size up to `max` (and down to 6 points) at which `text` fits on one line `width`
/// wide.
fn fitting_size(text: &str, font: Font, max: f32, width: f32) -> f32 {
    let bytes = win_ansi(text);
    let mut size = max;
    while size > 6.0 && font.width(&bytes, size) > width {
        size -= 0.5;
    }
    size
}

/// Pages being written, top to bottom.
struct Pages {
    done: Vec<Content>,
    current: Content,
    y: f32,
}

impl Pages {
    fn new() -> Self {
        Self {
            done: Vec::new(),
            current: Content::new(),
            y: TOP,
        }
    }

    /// Starts a new page unless `height` more fits on this one.
    fn room(&mut self, height: f32) {
        if self.y - height < BOTTOM {
            let full = std::mem::replace(&mut self.current, Content::new());
            self.done.push(full);
            self.y = TOP;
        }
    }

    fn text_at(&mut self, x: f32, y: f32, font: Font, size: f32, text: &[u8]) {
        self.current
            .begin_text()
            .set_font(font.name(), size)
            .next_line(x, y)
            .show(Str(text))
            .end_text();
    }

    /// A paragraph from the left margin, wrapped to `width`.
    fn paragraph(&mut self, text: &str, font: Font, size: f32, width: f32) {
        let leading = size * 1.35;
        for line in wrap(text, font, size, width) {
            self.room(leading);
            self.y -= leading;
            self.text_at(LEFT, self.y, font, size, &line);
        }
    }

    /// A label and its value beside it, the value wrapped; a hash or address in a fixed font,
    /// small enough to stay on one line where it can (a broken address cannot be copied).
    fn row(&mut self, label: &str, value: &str, mono: bool) {
        let (font, size) = if mono {
            (Font::Mono, fitting_size(value, Font::Mono, 9.0, RIGHT - VALUE_X))
        } else {
            (Font::Regular, 10.5)
        };
        let leading = 14.0;
        let lines = wrap(value, font, size, RIGHT - VALUE_X);
        let labels = wrap(label, Font::Bold, 10.5, VALUE_X - LEFT - 8.0);
        // A row is kept together on one page when it fits on one.
        let height = leading * lines.len().max(labels.len()) as f32 + 6.0;
        if height < TOP - BOTTOM {
            self.room(height);
        }
        let (top, page) = (self.y, self.done.len());
        for (i, label) in labels.iter().enumerate() {
            self.text_at(LEFT, top - leading * (i as f32 + 1.0), Font::Bold, 10.5, label);
        }
        for line in &lines {
            self.room(leading);
            self.y -= leading;
            self.text_at(VALUE_X, self.y, font, size, line);
        }
        if self.done.len() == page {
            self.y = self.y.min(top - leading * labels.len() as f32);
        }
        self.y -= 6.0;
        self.current
            .set_stroke_rgb(0.85, 0.87, 0.88)
            .set_line_width(0.5)
            .move_to(LEFT, self.y + 2.0)
            .line_to(RIGHT, self.y + 2.0)
            .stroke();
    }

    /// The QR code of `modules`, its top left corner at (`x`, `y`), `side` points wide with a
    /// quiet zone of four modules; runs of dark modules are drawn as one rectangle each.
    fn qr(&mut self, modules: &[Vec<bool>], x: f32, y: f32, side: f32) {
        let count = modules.len() as f32 + 8.0;
        let module = side / count;
        let content = &mut self.current;
        content
            .set_fill_rgb(1.0, 1.0, 1.0)
            .rect(x, y - side, side, side)
            .fill_nonzero();
        content.set_fill_rgb(0.0, 0.0, 0.0);
        for (r, row) in modules.iter().enumerate() {
            let mut c = 0;
            while c < row.len() {
                if !row[c] {
                    c += 1;
                    continue;
                }
                let start = c;
                while c < row.len() && row[c] {
                    c += 1;
                }
                let left = x + (start as f32 + 4.0) * module;
                let top = y - (r as f32 + 4.0) * module;
                content.rect(left, top - module, (c - start) as f32 * module, module);
            }
        }
        content.fill_nonzero();
    }
}

/// The certificate on A4: the title, the product and status, every fact, and where to check it
/// (the address printed in full and as a QR code).
pub fn render_pdf(view: &CertificateView, today: time::Date, verify_url: &str) -> Result<Vec<u8>> {
    let modules = qr_modules(verify_url)?;
    let f = &view.facts;
    let mut pages = Pages::new();
    pages.paragraph("NHS England", Font::Bold, 12.0, RIGHT - LEFT);
    pages.y -= 8.0;
    pages.paragraph("Certificate of technical conformance", Font::Bold, 22.0, RIGHT - LEFT);
    pages.y -= 4.0;
    pages.paragraph(
        &format!("{} {} from {}", f.product, f.product_version, f.supplier),
        Font::Regular,
        14.0,
        RIGHT - LEFT,
    );
    pages.y -= 6.0;
    pages.paragraph(
        &format!("Status on {today}: {}", status_text(&view.status)),
        Font::Bold,
        12.0,
        RIGHT - LEFT,
    );
    pages.y -= 14.0;
    for (label, value) in fact_rows(view, today, verify_url) {
        if label == "Status" || label == "Status on" {
            continue;
        }
        let mono = matches!(label, "Snapshot SHA-256" | "Check it at");
        pages.row(label, &value, mono);
    }

    // Where to check it: the address in full and as a QR code, kept together.
    pages.y -= 16.0;
    pages.room(QR_SIDE + 20.0);
    let top = pages.y;
    let text_width = RIGHT - LEFT - QR_SIDE - 16.0;
    pages.paragraph("Check this certificate", Font::Bold, 13.0, text_width);
    pages.paragraph(
        "Its status can change after this document was printed. Scan the code, or open this \
         address, to see its status today:",
        Font::Regular,
        10.5,
        text_width,
    );
    pages.y -= 4.0;
    pages.paragraph(
        verify_url,
        Font::Mono,
        fitting_size(verify_url, Font::Mono, 9.0, text_width),
        text_width,
    );
    pages.y -= 4.0;
    pages.paragraph(
        "The signed certificate (a JWS file) can be downloaded there and checked against NHS \
         England's public keys.",
        Font::Regular,
        10.5,
        text_width,
    );
    pages.qr(&modules, RIGHT - QR_SIDE, top, QR_SIDE);
    let link = Rect::new(RIGHT - QR_SIDE, top - QR_SIDE, RIGHT, top);
    let Pages { mut done, current, .. } = pages;
    done.push(current);

    Ok(assemble(done, &format!("Certificate {}", f.number), verify_url, link))
}

/// The PDF's objects: catalog, pages, the three fonts, a link to the verify page over the QR code
/// (`link`, on the last page).
fn assemble(pages: Vec<Content>, title: &str, verify_url: &str, link_rect: Rect) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let fonts = [Ref::new(3), Ref::new(4), Ref::new(5)];
    let info = Ref::new(6);
    let link = Ref::new(7);
    let first_page = 8;
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(first_page + 2 * i as i32)).collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    pdf.document_info(info).title(TextStr(title)).producer(TextStr("scal"));
    for (font, base) in fonts
        .iter()
        .zip([Name(b"Helvetica"), Name(b"Helvetica-Bold"), Name(b"Courier")])
    {
        pdf.type1_font(*font)
            .base_font(base)
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let last = pages.len().saturating_sub(1);
    for (i, content) in pages.into_iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
            .parent(tree)
            .contents(content_id);
        if i == last {
            page.annotations([link]);
        }
        let mut resources = page.resources();
        let mut names = resources.fonts();
        for (font, name) in fonts.iter().zip([Font::Regular, Font::Bold, Font::Mono]) {
            names.pair(name.name(), *font);
        }
        names.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &content.finish());
    }
    let mut annotation = pdf.annotation(link);
    annotation
        .subtype(pdf_writer::types::AnnotationType::Link)
        .rect(link_rect)
        .border(0.0, 0.0, 0.0, None)
        .contents(TextStr(verify_url));
    annotation
        .action()
        .action_type(pdf_writer::types::ActionType::Uri)
        .uri(Str(verify_url.as_bytes()));
    annotation.finish();
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_at_spaces_and_breaks_only_words_wider_than_a_line() {
        let lines = wrap("Confirm the MESH mailbox is live", Font::Regular, 10.0, 100.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| Font::Regular.width(l, 10.0) <= 100.0));
        let joined: Vec<String> = lines.iter().map(|l| String::from_utf8_lossy(l).into_owned()).collect();
        assert_eq!(joined.join(" "), "Confirm the MESH mailbox is live");
        let hash = "ab".repeat(32);
        let size = fitting_size(&hash, Font::Mono, 9.0, RIGHT - VALUE_X);
        assert!(size >= 8.0, "{size}");
        let lines = wrap(&hash, Font::Mono, size, RIGHT - VALUE_X);
        assert_eq!(lines.len(), 1, "a SHA-256 fits a value column on one line");
        let lines = wrap(&hash, Font::Mono, 9.0, 100.0);
        assert_eq!(lines.concat(), hash.as_bytes());
    }

    fn view(conditions: usize) -> CertificateView {
        use scal_domain::certificate::{CertificateCondition, CertificateFacts};
        let facts = CertificateFacts {
            certificate_id: "c".into(),
            number: "SCAL-C-000042".into(),
            supplier: "Brightwater Clinical".into(),
            supplier_ods_code: "8QW47".into(),
            product: "Brightwater Connect".into(),
            product_version: "1.4".into(),
            services: vec!["GPC-SEND-DOC".into()],
            templates: vec!["GP Connect: Send Document version 1".into()],
            accepted_round: 1,
            snapshot_sha256: "ab".repeat(32),
            conditions: (0..conditions)
                .map(|i| CertificateCondition {
                    requirement_id: format!("GPCM-C-{i}"),
                    text: "Confirm the MESH mailbox is live and the first documents were received".into(),
                    due: time::macros::date!(2027 - 03 - 31),
                })
                .collect(),
            issued_on: time::macros::date!(2026 - 12 - 01),
            expires_on: None,
            issuer: "reviewer@nhse.example".into(),
        };
        CertificateView {
            record: scal_store::records::certificates::CertificateRecord {
                id: "c".into(),
                sequence: 42,
                scal_id: "s".into(),
                submission_id: "r".into(),
                facts: String::new(),
                jws: String::new(),
                issued_by: facts.issuer.clone(),
                issued_at: 0,
                revoked_by: None,
                revoked_at: None,
                revoke_reason: None,
            },
            facts,
            conditions: Vec::new(),
            status: CertificateStatus::Valid,
        }
    }

    #[test]
    fn a_long_list_of_conditions_runs_onto_more_pages() {
        let url = "https://scal.example.nhs.uk/verify/0b5f3a8e-8d0e-4c39-9d39-5c6f4b1f9e11";
        let today = time::macros::date!(2026 - 12 - 01);
        let one = render_pdf(&view(1), today, url).unwrap_or_default();
        assert!(one.starts_with(b"%PDF-"));
        let many = render_pdf(&view(80), today, url).unwrap_or_default();
        let pages = |pdf: &[u8]| {
            String::from_utf8_lossy(pdf)
                .split("/Type /Page")
                .skip(1)
                .filter(|rest| !rest.starts_with('s'))
                .count()
        };
        assert_eq!(pages(&one), 1);
        assert!(pages(&many) >= 3, "{}", pages(&many));
    }

    #[test]
    fn text_is_win_ansi() {
        assert_eq!(win_ansi("Café – “ok”\t€"), b"Caf\xe9 \x96 \x93ok\x94 \x80");
        assert_eq!(win_ansi("日本"), b"??");
    }

    #[test]
    fn the_qr_code_is_the_address_and_square() {
        let url = "http://127.0.0.1:8080/verify/0b5f3a8e-8d0e-4c39-9d39-5c6f4b1f9e11";
        let modules = qr_modules(url).unwrap_or_default();
        let side = modules.len();
        assert!(
            side >= 21 && (side - 17).is_multiple_of(4),
            "a QR version's side: {side}"
        );
        assert!(modules.iter().all(|r| r.len() == side));
        // The finder pattern's dark corner modules.
        assert!(modules[0][0] && modules[0][side - 1] && modules[side - 1][0]);
        assert_ne!(qr_modules("http://other.example/verify/x").unwrap_or_default(), modules);
    }
}
