//! A real scal on a real, fresh database for each test: a SQLite file in a temporary directory,
//! or a new PostgreSQL database when `SCAL_TEST_DATABASE_URL` names a server (CI runs the suite
//! both ways). Requests go through the router in-process.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use scal_app::{Actor, App, AppSettings};
use scal_store::Store;
use scal_web::{AppState, ManualClock, WebSettings};
use serde_json::Value;
use time::OffsetDateTime;
use tower::ServiceExt;

pub const PASSWORD: &str = scal_app::demo::DEMO_PASSWORD;

/// A real NHS document from `tests/fixtures/real` (see its SOURCES.md).
pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/real")
        .join(name)
}

/// A fixed, known "now" so tests do not depend on the wall clock.
pub fn start_time() -> OffsetDateTime {
    time::macros::datetime!(2026-11-24 09:00 UTC)
}

/// A fresh, empty, unmigrated database: its URL and what keeps it alive.
pub struct TestDb {
    pub url: String,
    /// Where its files live when `SCAL_TEST_FILE_STORE_URL` names an S3-compatible bucket: a
    /// prefix of that bucket of its own, so one test's `files gc` never sees another's files.
    /// `None`: the data directory.
    pub file_store_url: Option<String>,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub async fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = match std::env::var("SCAL_TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            None => scal_store::sqlite_url_in(dir.path()),
            Some(admin_url) => {
                let name = format!("scal_test_{}", uuid_simple());
                let admin = Store::connect(&admin_url, 1)
                    .await
                    .expect("connect to the PostgreSQL test server");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(admin.pool())
                    .await
                    .expect("create test database");
                admin.close().await;
                with_database(&admin_url, &name)
            }
        };
        let file_store_url = std::env::var("SCAL_TEST_FILE_STORE_URL")
            .ok()
            .filter(|u| !u.is_empty())
            .map(|bucket| {
                let (base, query) = bucket.split_once('?').unwrap_or((&bucket, ""));
                format!("{}/test-{}?{query}", base.trim_end_matches('/'), uuid_simple())
            });
        Self {
            url,
            file_store_url,
            _dir: dir,
        }
    }

    /// Another fresh database and data directory, whose files are this one's bucket prefix (a
    /// restore puts the database back; a bucket is not part of a backup, it stays where it is).
    pub async fn fresh_sharing_files(&self) -> Self {
        let mut other = Self::fresh().await;
        other.file_store_url.clone_from(&self.file_store_url);
        other
    }

    /// The app's file store: the bucket prefix, or `<data_dir>/evidence`.
    pub fn files(&self) -> std::sync::Arc<dyn scal_store::files::FileStore> {
        scal_store::files::open(self.file_store_url.as_deref(), &self.data_dir().join("evidence"))
            .expect("the test file store")
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

fn uuid_simple() -> String {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).expect("randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Replaces the database name in a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base.rsplit_once('/').expect("database URL has a path");
    match query {
        Some(q) => format!("{server}/{name}?{q}"),
        None => format!("{server}/{name}"),
    }
}

#[allow(dead_code)]
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub clock: Arc<ManualClock>,
    /// Keeps the database (and its directory) alive for the test.
    pub db: TestDb,
}

impl TestApp {
    /// Migrated, empty.
    pub async fn empty() -> Self {
        Self::empty_with(WebSettings::default()).await
    }

    pub async fn empty_with(web: WebSettings) -> Self {
        Self::empty_with_settings(web, |_| {}).await
    }

    /// Empty, with application settings changed by `tweak`.
    pub async fn empty_with_settings(web: WebSettings, tweak: impl FnOnce(&mut AppSettings)) -> Self {
        Self::on_with_settings(TestDb::fresh().await, web, tweak).await
    }

    /// On an existing database (one the real binary has used, say).
    pub async fn on(db: TestDb, web: WebSettings) -> Self {
        Self::on_with_settings(db, web, |_| {}).await
    }

    async fn on_with_settings(db: TestDb, web: WebSettings, tweak: impl FnOnce(&mut AppSettings)) -> Self {
        let store = Store::open(&db.url, 5).await.expect("open test database");
        let clock = Arc::new(ManualClock::new(start_time()));
        let mut settings = AppSettings {
            data_dir: db.data_dir().to_path_buf(),
            ..AppSettings::default()
        };
        tweak(&mut settings);
        let mut app = App::new(store, settings);
        app.files = db.files();
        let state = AppState::new(app, clock.clone(), web);
        // Requests come from this socket address, as `serve` would tell the handlers.
        let router = scal_web::router(state.clone()).layer(axum::extract::connect_info::MockConnectInfo(
            std::net::SocketAddr::from(([127, 0, 0, 1], 40_000)),
        ));
        Self {
            state,
            router,
            clock,
            db,
        }
    }

    /// With the demo world seeded.
    pub async fn demo() -> Self {
        Self::demo_with(WebSettings::default()).await
    }

    pub async fn demo_with(web: WebSettings) -> Self {
        Self::demo_with_app(web, |_| {}).await
    }

    pub async fn demo_with_app(web: WebSettings, configure: impl FnOnce(&mut AppSettings)) -> Self {
        let test = Self::empty_with_settings(web, configure).await;
        assert!(scal_app::demo::seed_if_empty(test.app(), start_time())
            .await
            .expect("seed demo"));
        test
    }

    pub fn app(&self) -> &App {
        &self.state.app
    }

    pub fn now(&self) -> OffsetDateTime {
        use scal_web::Clock;
        self.clock.now()
    }

    /// An API token for a seeded user, created as the CLI would.
    pub async fn token_for(&self, email: &str) -> String {
        scal_app::tokens::create_for_email(self.app(), &Actor::System, email, "test", self.now())
            .await
            .expect("create token")
            .secret
    }

    pub async fn user_id(&self, email: &str) -> String {
        scal_store::records::users::get_by_email(self.app().store.pool(), email)
            .await
            .expect("query")
            .expect("user")
            .id
    }

    pub async fn org_id(&self, ods: &str) -> String {
        let ods = scal_domain::OdsCode::parse(ods).expect("ods");
        scal_store::records::organisations::get_by_ods(self.app().store.pool(), &ods)
            .await
            .expect("query")
            .expect("org")
            .id
    }

    pub async fn product_id(&self, name: &str) -> String {
        scal_store::records::products::list(self.app().store.pool(), None)
            .await
            .expect("query")
            .into_iter()
            .find(|p| p.details.name == name)
            .expect("product")
            .id
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
        (status, headers, body)
    }

    /// A JSON API call. Returns the status and the parsed body (`Value::Null` when empty).
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let request = match body {
            Some(body) => builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
            None => builder.body(Body::empty()).expect("request"),
        };
        let (status, _, bytes) = self.send(request).await;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or(Value::Null)
        };
        (status, value)
    }

    /// A browser's multipart form post to `path` (which carries `_csrf` in its query, as the
    /// upload forms' actions do): `fields`, then the `file` field when given.
    pub async fn multipart(
        &self,
        session: &Session,
        path: &str,
        file: Option<(&str, &[u8])>,
        fields: &[(&str, &str)],
    ) -> Page {
        let boundary = "scal-test-boundary";
        // The session's CSRF token first, as the upload forms send it.
        let mut body = Vec::new();
        if !fields.iter().any(|(name, _)| *name == "_csrf") {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n",
                    session.csrf
                )
                .as_bytes(),
            );
        }
        for (name, value) in fields {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some((file_name, bytes)) = file {
            body.extend(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::COOKIE, session.cookie.clone())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        let (status, headers, body) = self.send(request).await;
        Page {
            status,
            headers,
            html: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    /// A raw body posted to the API with a bearer token: status, headers and the parsed JSON.
    pub async fn api_upload(&self, path: &str, token: &str, bytes: Vec<u8>) -> (StatusCode, HeaderMap, Value) {
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes))
            .expect("request");
        let (status, headers, body) = self.send(request).await;
        (status, headers, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// Signs in through the login form like a browser does.
    pub async fn sign_in(&self, email: &str, password: &str) -> Result<Session, Page> {
        let login = self.page(None, Method::GET, "/login", &[]).await;
        let pre = login.set_cookie("scal_csrf").expect("login page sets a CSRF cookie");
        let csrf = login.csrf().expect("login form has a CSRF field");
        let anonymous = Session {
            cookie: format!("scal_csrf={pre}"),
            csrf,
        };
        let response = self
            .page(
                Some(&anonymous),
                Method::POST,
                "/login",
                &[("email", email), ("password", password)],
            )
            .await;
        match response.set_cookie("scal_session").filter(|v| !v.is_empty()) {
            Some(session) => {
                let mut session = Session {
                    cookie: format!("scal_session={session}"),
                    csrf: String::new(),
                };
                let home = self.page(Some(&session), Method::GET, "/", &[]).await;
                session.csrf = home.csrf().expect("signed-in pages carry the CSRF token");
                Ok(session)
            }
            None => Err(response),
        }
    }

    /// A browser-style request: cookies from `session`, forms url-encoded with its CSRF token.
    pub async fn page(&self, session: Option<&Session>, method: Method, path: &str, fields: &[(&str, &str)]) -> Page {
        let mut builder = Request::builder().method(method.clone()).uri(path);
        if let Some(session) = session {
            builder = builder.header(header::COOKIE, session.cookie.clone());
        }
        let request = if method == Method::GET {
            builder.body(Body::empty()).expect("request")
        } else {
            let mut form: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            if let Some(session) = session {
                if !fields.iter().any(|(k, _)| *k == "_csrf") {
                    form.push(("_csrf".into(), session.csrf.clone()));
                }
            }
            let body: Vec<String> = form
                .iter()
                .map(|(k, v)| format!("{}={}", urlencoding::encode(k), urlencoding::encode(v)))
                .collect();
            builder
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body.join("&")))
                .expect("request")
        };
        let (status, headers, body) = self.send(request).await;
        Page {
            status,
            headers,
            html: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

/// A page with its CSRF fields' values blanked: they are masked afresh on every response, so two
/// renderings of the same page differ only there.
pub fn without_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(marker) {
        let start = at + marker.len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('"').unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

impl TestApp {
    /// Issues a template (the demo's first, GP Connect Send Document, when `template` is `None`)
    /// to the named product, as the operator would; returns the SCAL's ID.
    pub async fn issue_scal(&self, product_name: &str, template: Option<&str>) -> String {
        let system = scal_app::Actor::System;
        let template = match template {
            Some(id) => id.to_string(),
            None => scal_app::templates::list(self.app(), &system).await.unwrap()[0]
                .0
                .id
                .clone(),
        };
        let product = self.product_id(product_name).await;
        scal_app::scals::issue(self.app(), &system, &product, &template, None, self.now())
            .await
            .unwrap();
        scal_app::scals::sheets(self.app(), &system, &product).await.unwrap()[0]
            .record
            .scal_id
            .clone()
    }

    /// Follows a redirect as a browser does: a GET of its `Location` with the session's cookies
    /// and the notice cookie the redirect set, if any.
    pub async fn follow(&self, session: &Session, redirect: &Page) -> Page {
        let to = redirect.location().expect("a redirect");
        let mut with_notice = session.clone();
        if let Some(notice) = redirect.set_cookie("scal_notice") {
            with_notice.cookie = format!("{}; scal_notice={notice}", session.cookie);
        }
        self.page(Some(&with_notice), Method::GET, to, &[]).await
    }
}

/// The value of a page's CSRF field.
pub fn csrf_field(html: &str) -> Option<String> {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

#[derive(Debug, Clone)]
pub struct Session {
    /// The `Cookie` header value.
    pub cookie: String,
    pub csrf: String,
}

#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    pub fn csrf(&self) -> Option<String> {
        csrf_field(&self.html)
    }

    pub fn location(&self) -> Option<&str> {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok())
    }
}

/// A minimal .xlsx with one sheet holding `cells` (`("A1", "text")`, in row order; `""` is a
/// format-only cell, and `"<v>1</v>"` a cell's own XML): a crafted file's shape in a kilobyte or two, written here so no large
/// binary is committed.
pub fn xlsx_with_cells(sheet: &str, cells: &[(&str, &str)]) -> Vec<u8> {
    xlsx_with_sheets(&[(sheet, cells)])
}

/// [`xlsx_with_cells`] with several sheets.
pub fn xlsx_with_sheets(sheets: &[(&str, &[(&str, &str)])]) -> Vec<u8> {
    xlsx_with_lists(sheets, &[])
}

/// [`xlsx_with_cells`] whose sheet offers drop-down lists: `(sqref, formula1)` such as
/// `("F2:F100", "\"Yes,No,N/A\"")`, written as Excel writes a list data validation.
pub fn xlsx_with_list_validations(sheet: &str, cells: &[(&str, &str)], lists: &[(&str, &str)]) -> Vec<u8> {
    xlsx_with_lists(&[(sheet, cells)], lists)
}

/// The sheets, the first one with `lists` as data validations.
pub fn xlsx_with_lists(sheets: &[(&str, &[(&str, &str)])], lists: &[(&str, &str)]) -> Vec<u8> {
    use std::io::Write;
    let escape = |v: &str| v.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    let validations = if lists.is_empty() {
        String::new()
    } else {
        let each: String = lists
            .iter()
            .map(|(sqref, formula)| {
                format!(
                    "<dataValidation type=\"list\" allowBlank=\"1\" sqref=\"{}\"><formula1>{}</formula1></dataValidation>",
                    escape(sqref),
                    escape(formula)
                )
            })
            .collect();
        format!("<dataValidations count=\"{}\">{each}</dataValidations>", lists.len())
    };
    let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let package = "http://schemas.openxmlformats.org/package/2006";
    let worksheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml";
    let mut overrides = String::new();
    let mut entries = String::new();
    let mut relationships = String::new();
    let mut parts = Vec::new();
    for (n, (sheet, cells)) in sheets.iter().enumerate() {
        let n = n + 1;
        overrides.push_str(&format!(
            "<Override PartName=\"/xl/worksheets/sheet{n}.xml\" ContentType=\"{worksheet_type}\"/>"
        ));
        entries.push_str(&format!("<sheet name=\"{sheet}\" sheetId=\"{n}\" r:id=\"rId{n}\"/>"));
        relationships.push_str(&format!(
            "<Relationship Id=\"rId{n}\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet{n}.xml\"/>"
        ));
        parts.push((
            format!("xl/worksheets/sheet{n}.xml"),
            format!(
                "<worksheet xmlns=\"{main}\"><sheetData>{}</sheetData>{}</worksheet>",
                sheet_rows(cells),
                if n == 1 { validations.as_str() } else { "" }
            ),
        ));
    }
    parts.extend([
        (
            "[Content_Types].xml".to_string(),
            format!(
                "<Types xmlns=\"{package}/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>{overrides}</Types>"
            ),
        ),
        (
            "_rels/.rels".to_string(),
            format!("<Relationships xmlns=\"{package}/relationships\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
        ),
        (
            "xl/workbook.xml".to_string(),
            format!("<workbook xmlns=\"{main}\" xmlns:r=\"{rel}\"><sheets>{entries}</sheets></workbook>"),
        ),
        (
            "xl/_rels/workbook.xml.rels".to_string(),
            format!("<Relationships xmlns=\"{package}/relationships\">{relationships}</Relationships>"),
        ),
    ]);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in parts {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n{text}").as_bytes())
            .expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

/// `<row>`s of inline-string cells, in the order given.
fn sheet_rows(cells: &[(&str, &str)]) -> String {
    let row_of = |reference: &str| -> String { reference.trim_start_matches(|c: char| c.is_ascii_uppercase()).into() };
    let mut rows = String::new();
    let mut current: Option<String> = None;
    for (reference, value) in cells {
        let row = row_of(reference);
        if current.as_deref() != Some(row.as_str()) {
            if current.is_some() {
                rows.push_str("</row>");
            }
            rows.push_str(&format!("<row r=\"{row}\">"));
            current = Some(row);
        }
        // An empty value is a cell with only a format, as Excel writes for a styled blank cell;
        // one starting with `<` is the cell's own XML (`<v>46115</v>`, a number formatted General;
        // `<f>TODAY()</f>`, a formula without a saved value, as openpyxl writes one).
        rows.push_str(&if value.is_empty() {
            format!("<c r=\"{reference}\" s=\"0\"/>")
        } else if value.starts_with('<') {
            format!("<c r=\"{reference}\">{value}</c>")
        } else {
            format!("<c r=\"{reference}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{value}</t></is></c>")
        });
    }
    if current.is_some() {
        rows.push_str("</row>");
    }
    rows
}

/// A sheet whose two cells span the whole grid, A1:XFD1048576: calamine alone would ask for
/// hundreds of GiB.
pub fn whole_sheet_xlsx() -> Vec<u8> {
    xlsx_with_cells("Requirements", &[("A1", "Identifier"), ("XFD1048576", "x")])
}

/// Two cells spanning A1:Z400000: fits in memory, but about 600 MB a request.
pub fn tall_sheet_xlsx() -> Vec<u8> {
    xlsx_with_cells("Requirements", &[("A1", "Identifier"), ("Z400000", "x")])
}

/// One sheet, and a shared-strings part whose `uniqueCount` claims a trillion texts: calamine
/// reserves room for the declared count before reading any, so alone it would ask for terabytes.
pub fn huge_shared_strings_xlsx() -> Vec<u8> {
    use std::io::Write;
    let bytes = xlsx_with_cells("Requirements", &[("A1", "Identifier")]);
    let mut zip = zip::ZipWriter::new_append(std::io::Cursor::new(bytes)).expect("zip");
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("xl/sharedStrings.xml", options).expect("zip entry");
    zip.write_all(
        b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"1\" uniqueCount=\"1000000000000\"><si><t>x</t></si></sst>",
    )
    .expect("zip write");
    zip.finish().expect("zip").into_inner()
}

/// Grids written back as an .xlsx holding their values only, as a supplier's spreadsheet program
/// would save them after edits: lets a test delete, rename or edit what an export wrote. A value
/// starting `<f>` is written as that formula with no saved value, as openpyxl writes one.
pub fn xlsx_from_grids(grids: &[scal_workbook::Grid]) -> Vec<u8> {
    let escape = |v: &str| {
        if v.starts_with("<f>") {
            return v.to_string();
        }
        v.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
    };
    let sheets: Vec<(String, Vec<(String, String)>)> = grids
        .iter()
        .map(|grid| {
            let mut cells = Vec::new();
            for (i, row) in grid.rows.iter().enumerate() {
                for (j, value) in row.iter().enumerate() {
                    if !value.is_empty() {
                        let reference = format!(
                            "{}{}",
                            scal_workbook::Grid::column_letter(grid.first_col + j),
                            grid.first_row + i
                        );
                        cells.push((reference, escape(value)));
                    }
                }
            }
            (escape(&grid.name), cells)
        })
        .collect();
    let borrowed: Vec<Vec<(&str, &str)>> = sheets
        .iter()
        .map(|(_, cells)| cells.iter().map(|(r, v)| (r.as_str(), v.as_str())).collect())
        .collect();
    let named: Vec<(&str, &[(&str, &str)])> = sheets
        .iter()
        .zip(&borrowed)
        .map(|((name, _), cells)| (name.as_str(), cells.as_slice()))
        .collect();
    xlsx_with_sheets(&named)
}

/// How many audit entries of one kind the chain holds.
pub async fn audit_count(app: &TestApp, kind: &str) -> usize {
    let filter = scal_store::records::AuditFilter {
        kind: Some(kind.into()),
        limit: 100_000,
        ..Default::default()
    };
    scal_store::records::audit::list(app.app().store.pool(), &filter)
        .await
        .unwrap()
        .len()
}
