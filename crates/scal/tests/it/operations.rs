//! Running scal as a service is run: the real binary, killed with SIGKILL in the middle of a load,
//! backed up under load and restored elsewhere. Each test runs on SQLite, or on PostgreSQL when
//! `SCAL_TEST_DATABASE_URL` names a server (CI runs both).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sha2::Digest as _;

use crate::binary::{run, scal, stderr, stdout};
use crate::support::{csrf_field, Page, Session, TestDb};

/// A `scal serve` or `scal demo` process and the address it printed.
pub struct Running {
    child: Child,
    pub base: String,
}

impl Running {
    pub fn start(db: &TestDb, args: &[&str]) -> Self {
        Self::start_with(db, args, &[])
    }

    /// With these environment variables set (settings).
    pub fn start_with(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = scal(db, args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scal");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let base = loop {
            let line = lines
                .next()
                .expect("scal printed its address before exiting")
                .expect("read scal's output");
            if let Some(address) = line.strip_prefix("scal is running at ") {
                break address.trim_end_matches('/').to_string();
            }
        };
        // Read the rest, so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGTERM; the server must exit cleanly.
    pub fn stop(mut self) {
        self.terminate();
        let exit = self.child.wait().expect("wait for scal");
        assert!(exit.success(), "SIGTERM shuts down cleanly: {exit:?}");
    }

    /// Sends SIGTERM and returns at once.
    pub fn terminate(&self) {
        let terminated = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(terminated.success());
    }

    /// SIGKILL: no shutdown, no flushing, as when the machine's supervisor kills the process.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait for scal");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // A failed assertion must not leave a server behind.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(60)))
            .build(),
    )
}

/// A response: its status and body (JSON, or the SHA-256 of bytes that are not JSON).
pub fn read(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<(u16, Value), ureq::Error> {
    let mut response = response?;
    let status = response.status().as_u16();
    let bytes = response.body_mut().with_config().limit(64 << 20).read_to_vec()?;
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({ "sha256": hex(&bytes) }));
    Ok((status, body))
}

pub fn get(agent: &ureq::Agent, url: &str, token: &str) -> Result<(u16, Value), ureq::Error> {
    read(
        agent
            .get(url)
            .header("Authorization", &format!("Bearer {token}"))
            .call(),
    )
}

fn hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// An API token for a demo user, made by the operator's command while the server runs.
pub fn token(db: &TestDb, email: &str) -> String {
    let made = run(db, &["token", "create", "--email", email]);
    assert!(made.status.success(), "{}", stderr(&made));
    stdout(&made).lines().last().expect("token printed").trim().to_string()
}

const NHSE: &str = "admin@nhse.example";
const SUPPLIER: &str = "admin@acme.example";
/// Acme Referrals' service requirements that the load keeps saving (unanswered in the demo).
const LOADED: [&str; 3] = ["GPCM-SD-042", "GPCM-SD-043", "GPCM-SD-044"];

/// The demo's SCAL in progress (Acme Referrals): its ID and its service sheet's ID.
fn referrals(agent: &ureq::Agent, server: &Running, supplier: &str) -> (String, String, String) {
    let (_, products) = get(agent, &server.url("/api/v1/products"), supplier).unwrap();
    let product = products
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Acme Referrals")
        .expect("Acme Referrals in the demo")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, enquiries) = get(agent, &server.url("/api/v1/enquiries"), supplier).unwrap();
    let scal = enquiries
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["product_id"] == product.as_str() && e["scal_id"].is_string())
        .expect("an issued enquiry")["scal_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, view) = get(
        agent,
        &server.url(&format!("/api/v1/products/{product}/scal")),
        supplier,
    )
    .unwrap();
    let sheet = view["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "service")
        .expect("a service sheet")["id"]
        .as_str()
        .unwrap()
        .to_string();
    (product, scal, sheet)
}

/// What one writer sent and what the server acknowledged, in order.
#[derive(Default)]
struct Written {
    /// (the number saved, when it was sent, when a 200 came back)
    saves: Vec<(u64, Instant, Option<Instant>)>,
    /// (evidence ID, the bytes, when a 201 came back)
    uploads: Vec<(String, Vec<u8>, Instant)>,
}

impl Written {
    /// The last number acknowledged before `moment` (0: none).
    fn acknowledged_before(&self, moment: Instant) -> u64 {
        self.saves
            .iter()
            .filter(|(_, _, acked)| acked.is_some_and(|a| a < moment))
            .map(|(n, _, _)| *n)
            .max()
            .unwrap_or(0)
    }

    /// The last number sent before `moment`.
    fn sent_before(&self, moment: Instant) -> u64 {
        self.saves
            .iter()
            .filter(|(_, sent, _)| *sent < moment)
            .map(|(n, _, _)| *n)
            .max()
            .unwrap_or(0)
    }
}

/// Writers saving answers (one requirement each, an increasing number in the justification) and
/// one uploading evidence files, each going until `stop` is set or the server stops answering.
struct Load {
    stop: Arc<AtomicBool>,
    writers: Vec<(Option<&'static str>, JoinHandle<Written>)>,
}

impl Load {
    fn start(base: &str, token: &str, scal: &str, sheet: &str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for requirement in LOADED {
            let (stop, url, token, sheet) = (
                stop.clone(),
                format!("{base}/api/v1/scals/{scal}/answers"),
                token.to_string(),
                sheet.to_string(),
            );
            let handle = std::thread::spawn(move || {
                let agent = agent();
                let mut written = Written::default();
                for n in 1.. {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let body = json!({"sheet_id": sheet, "requirement_id": requirement, "answer": "Yes",
                        "justification": format!("save {n}")});
                    let sent = Instant::now();
                    let response = agent
                        .put(&url)
                        .header("Authorization", &format!("Bearer {token}"))
                        .send_json(&body);
                    match read(response) {
                        Ok((200, saved)) => {
                            assert_eq!(saved["justification"], format!("save {n}"), "{saved}");
                            written.saves.push((n, sent, Some(Instant::now())));
                        }
                        Ok((status, body)) => panic!("save {n} of {requirement}: {status} {body}"),
                        // The server was killed: this save may or may not have been applied.
                        Err(_) => {
                            written.saves.push((n, sent, None));
                            break;
                        }
                    }
                }
                written
            });
            writers.push((Some(requirement), handle));
        }
        let (stop_uploads, url, token) = (
            stop.clone(),
            format!("{base}/api/v1/scals/{scal}/evidence"),
            token.to_string(),
        );
        let uploads = std::thread::spawn(move || {
            let agent = agent();
            let mut written = Written::default();
            for n in 1.. {
                if stop_uploads.load(Ordering::SeqCst) {
                    break;
                }
                // 256 KiB, different for every upload, so each is a new file.
                let bytes: Vec<u8> = format!("upload {n} ").bytes().cycle().take(256 << 10).collect();
                let response = agent
                    .post(&format!("{url}?file_name=load-{n}.txt"))
                    .header("Authorization", &format!("Bearer {token}"))
                    .header("Content-Type", "application/octet-stream")
                    .send(&bytes[..]);
                match read(response) {
                    Ok((201, stored)) => {
                        assert_eq!(stored["sha256"], hex(&bytes), "{stored}");
                        let id = stored["id"].as_str().expect("evidence ID").to_string();
                        written.uploads.push((id, bytes, Instant::now()));
                    }
                    Ok((status, body)) => panic!("upload {n}: {status} {body}"),
                    Err(_) => break,
                }
            }
            written
        });
        writers.push((None, uploads));
        Self { stop, writers }
    }

    /// Waits for every writer: (requirement, what it wrote) for the savers, then the uploader's.
    fn finish(self) -> (Vec<(&'static str, Written)>, Written) {
        self.stop.store(true, Ordering::SeqCst);
        let mut saves = Vec::new();
        let mut uploads = Written::default();
        for (requirement, handle) in self.writers {
            let written = handle.join().expect("writer panicked");
            match requirement {
                Some(requirement) => saves.push((requirement, written)),
                None => uploads = written,
            }
        }
        (saves, uploads)
    }
}

/// The number in a loaded requirement's justification ("save 7": 7; unanswered: 0).
fn saved_number(view: &Value, requirement: &str) -> u64 {
    let row = view["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["requirements"].as_array().unwrap())
        .find(|r| r["requirement_id"] == requirement)
        .unwrap_or_else(|| panic!("{requirement} in {view}"));
    row["justification"]
        .as_str()
        .and_then(|j| j.strip_prefix("save "))
        .map_or(0, |n| n.parse().expect("a number"))
}

/// Every evidence file listed on the SCAL downloads whole: its bytes hash to its listed SHA-256.
fn every_listed_file_is_whole(agent: &ureq::Agent, server: &Running, token: &str, scal: &str) -> Vec<Value> {
    let (status, listed) = get(agent, &server.url(&format!("/api/v1/scals/{scal}/evidence")), token).unwrap();
    assert_eq!(status, 200, "{listed}");
    let listed = listed.as_array().unwrap().clone();
    for file in &listed {
        let (status, body) = get(
            agent,
            &server.url(&format!("/api/v1/evidence/{}", file["id"].as_str().unwrap())),
            token,
        )
        .unwrap();
        assert_eq!(status, 200, "{file}");
        assert_eq!(body["sha256"], file["sha256"], "{file} downloads as it was uploaded");
    }
    listed
}

fn audit_verifies(db: &TestDb) {
    let verified = run(db, &["audit", "verify"]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}{}",
        stdout(&verified),
        stderr(&verified)
    );
    assert!(
        stdout(&verified).contains("audit chain intact"),
        "{}",
        stdout(&verified)
    );
}

/// Saves and uploads run from four clients; the process is killed with SIGKILL in the middle.
/// After a restart every acknowledged save and upload is there, every listed file is whole, and
/// the audit chain verifies.
#[tokio::test]
async fn nothing_acknowledged_is_lost_when_the_process_is_killed_mid_load() {
    let db = TestDb::fresh().await;
    let server = Running::start(&db, &["demo", "--bind", "127.0.0.1:0"]);
    let supplier = token(&db, SUPPLIER);
    let agent = agent();
    let (product, scal, sheet) = referrals(&agent, &server, &supplier);

    let load = Load::start(&server.base, &supplier, &scal, &sheet);
    // Long enough for every writer to have several writes acknowledged.
    std::thread::sleep(Duration::from_millis(1500));
    let killed_at = Instant::now();
    server.kill();
    let (saves, uploads) = load.finish();
    for (requirement, written) in &saves {
        assert!(
            written.acknowledged_before(killed_at) >= 2,
            "{requirement}: too few saves to mean anything"
        );
    }
    assert!(
        !uploads.uploads.is_empty(),
        "no upload was acknowledged before the kill"
    );

    let server = Running::start(&db, &["serve", "--bind", "127.0.0.1:0"]);
    let (status, view) = get(
        &agent,
        &server.url(&format!("/api/v1/products/{product}/scal")),
        &supplier,
    )
    .unwrap();
    assert_eq!(status, 200, "{view}");
    for (requirement, written) in &saves {
        let found = saved_number(&view, requirement);
        let acknowledged = written.acknowledged_before(killed_at);
        let sent = written.sent_before(killed_at);
        // The last acknowledged save, or one sent after it whose answer the kill cut off.
        assert!(
            (acknowledged..=sent).contains(&found),
            "{requirement}: found save {found}, acknowledged up to {acknowledged}, sent up to {sent}"
        );
    }
    let listed = every_listed_file_is_whole(&agent, &server, &supplier, &scal);
    for (id, bytes, _) in &uploads.uploads {
        assert!(
            listed
                .iter()
                .any(|f| f["id"] == id.as_str() && f["sha256"] == hex(bytes)),
            "acknowledged upload {id} is listed"
        );
    }
    server.stop();
    audit_verifies(&db);
    // Nothing the kill left is taken for a file in use: a collection keeps every listed file.
    let collected = run(&db, &["files", "gc", "--grace-hours", "1", "--dry-run"]);
    assert!(collected.status.success(), "{}", stderr(&collected));
    assert!(
        stdout(&collected).starts_with("would remove 0 file(s)"),
        "{}",
        stdout(&collected)
    );
}

/// `scal files gc` on a database that is not scal's (here: a new, empty one, as a mistyped URL
/// would give) refuses, creating nothing, rather than taking every file for an orphan.
#[tokio::test]
async fn files_gc_refuses_a_database_that_is_not_scals() {
    let db = TestDb::fresh().await;
    let refused = run(&db, &["files", "gc"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("holds no scal tables"),
        "{}",
        stderr(&refused)
    );
    let store = scal_store::Store::connect(&db.url, 1).await.unwrap();
    assert!(store.is_empty().await.unwrap(), "nothing created or migrated");
    store.close().await;
}

/// A backup and a collection of files never overlap (a backup could otherwise miss a file its
/// snapshot refers to): while one holds the maintenance lock, the other refuses and changes
/// nothing; once it is released, both run.
#[tokio::test]
async fn backup_and_files_gc_refuse_to_run_while_the_other_runs() {
    let db = TestDb::fresh().await;
    let seeded = run(&db, &["migrate"]);
    assert!(seeded.status.success(), "{}", stderr(&seeded));
    let place = tempfile::tempdir().unwrap();
    let archive = place.path().join("scal-backup.tar.gz");
    let backup = || run(&db, &["backup", "--out", archive.to_str().unwrap()]);
    let store = scal_store::Store::connect(&db.url, 1).await.unwrap();
    let held = store
        .try_maintenance_lock(scal_store::FILES_MAINTENANCE)
        .await
        .unwrap()
        .expect("the lock is free");
    assert!(
        store
            .try_maintenance_lock(scal_store::FILES_MAINTENANCE)
            .await
            .unwrap()
            .is_none(),
        "held once at a time"
    );
    for refused in [run(&db, &["files", "gc"]), backup()] {
        assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
        assert!(
            stderr(&refused).contains("already running on this database"),
            "{}",
            stderr(&refused)
        );
    }
    assert!(!archive.exists(), "no archive while the lock is held");
    held.release().await;
    let collected = run(&db, &["files", "gc"]);
    assert!(collected.status.success(), "{}", stderr(&collected));
    let made = backup();
    assert!(made.status.success(), "{}", stderr(&made));
    let listed = Command::new("tar").arg("-tzf").arg(&archive).output().expect("tar");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("manifest"), "{listed}");
    assert!(
        !listed.contains(".lock"),
        "the maintenance lock's file stays out of the archive: {listed}"
    );
    store.close().await;
}

/// Every read-only listing a user can reach from the API's lists, by path: (status, body).
fn crawl(agent: &ureq::Agent, server: &Running, token: &str) -> BTreeMap<String, (u16, Value)> {
    let mut seen = BTreeMap::new();
    let mut fetch = |path: String| -> Value {
        let (status, body) = get(agent, &server.url(&path), token).unwrap();
        seen.insert(path, (status, body.clone()));
        body
    };
    let ids = |list: &Value, field: &str| -> Vec<String> {
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i[field].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    // (Not /api/v1/tokens: its last-used times move with every request, the crawl's own too.)
    for path in [
        "/api/v1/me",
        "/api/v1/notifications",
        "/api/v1/upcoming",
        "/api/v1/agreement-versions",
        "/api/v1/services",
    ] {
        fetch(path.into());
    }
    let organisations = fetch("/api/v1/organisations".into());
    for id in ids(&organisations, "id") {
        fetch(format!("/api/v1/organisations/{id}"));
        fetch(format!("/api/v1/organisations/{id}/users"));
    }
    let products = fetch("/api/v1/products".into());
    for id in ids(&products, "id") {
        for tail in ["", "/scal", "/shares", "/use-policy"] {
            fetch(format!("/api/v1/products/{id}{tail}"));
        }
    }
    let enquiries = fetch("/api/v1/enquiries".into());
    for id in ids(&enquiries, "id") {
        fetch(format!("/api/v1/enquiries/{id}"));
    }
    for scal in ids(&enquiries, "scal_id") {
        for tail in [
            "",
            "/agreements",
            "/cases",
            "/certificates",
            "/evidence",
            "/go-live",
            "/notes",
            "/reopenings",
            "/testing",
            "/threads",
        ] {
            fetch(format!("/api/v1/scals/{scal}{tail}"));
        }
    }
    let submissions = fetch("/api/v1/submissions".into());
    for id in ids(&submissions, "id") {
        for tail in ["", "/changes", "/review"] {
            fetch(format!("/api/v1/submissions/{id}{tail}"));
        }
    }
    let shares = fetch("/api/v1/shares".into());
    for id in ids(&shares, "id") {
        for tail in ["", "/scal", "/local-assurance", "/use-policy"] {
            fetch(format!("/api/v1/shares/{id}{tail}"));
        }
    }
    let templates = fetch("/api/v1/templates".into());
    for id in ids(&templates, "id") {
        fetch(format!("/api/v1/templates/{id}"));
    }
    // The audit log, every page of it.
    let mut before = String::new();
    loop {
        let page = fetch(format!("/api/v1/audit?limit=500{before}"));
        let entries = page.as_array().cloned().unwrap_or_default();
        match entries.last().and_then(|e| e["seq"].as_i64()) {
            Some(seq) if entries.len() == 500 => before = format!("&before_seq={seq}"),
            _ => break,
        }
    }
    seen
}

/// Replaces each loaded requirement's justification with a marker, after `check` has seen its
/// number: the only part of a SCAL the load changes.
fn set_aside_loaded(value: &mut Value, check: &mut impl FnMut(&str, u64)) {
    match value {
        Value::Object(fields) => {
            let loaded = fields
                .get("requirement_id")
                .and_then(Value::as_str)
                .and_then(|id| LOADED.iter().find(|l| **l == id));
            if let (Some(requirement), Some(justification)) = (loaded, fields.get_mut("justification")) {
                let number = justification
                    .as_str()
                    .and_then(|j| j.strip_prefix("save "))
                    .map_or(0, |n| n.parse().expect("a number"));
                check(requirement, number);
                *justification = json!("(saved by the load)");
            }
            fields.values_mut().for_each(|v| set_aside_loaded(v, check));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| set_aside_loaded(v, check)),
        _ => {}
    }
}

/// The audit log's entries, newest first, out of every page of a crawl (and those pages removed).
fn take_audit(crawled: &mut BTreeMap<String, (u16, Value)>) -> Vec<Value> {
    let pages: Vec<String> = crawled
        .keys()
        .filter(|p| p.starts_with("/api/v1/audit"))
        .cloned()
        .collect();
    let mut entries: Vec<Value> = Vec::new();
    for page in pages {
        // (A supplier may not read it: 403, on both sides.)
        let (_, body) = crawled.remove(&page).unwrap();
        entries.extend(body.as_array().into_iter().flatten().cloned());
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e["seq"].as_i64().unwrap()));
    entries
}

/// The first place two JSON values differ, as a JSON pointer with both sides.
fn first_difference(path: &str, left: &Value, right: &Value) -> Option<String> {
    match (left, right) {
        (Value::Object(l), Value::Object(r)) => {
            for key in l.keys().chain(r.keys()) {
                let (a, b) = (l.get(key).unwrap_or(&Value::Null), r.get(key).unwrap_or(&Value::Null));
                if let Some(found) = first_difference(&format!("{path}/{key}"), a, b) {
                    return Some(found);
                }
            }
            None
        }
        (Value::Array(l), Value::Array(r)) if l.len() == r.len() => l
            .iter()
            .zip(r)
            .enumerate()
            .find_map(|(i, (a, b))| first_difference(&format!("{path}/{i}"), a, b)),
        _ if left == right => None,
        _ => Some(format!("{path}: {left} ≠ {right}")),
    }
}

/// A used instance (the demo world) is backed up with `scal backup` while four clients save and
/// upload; the archive is restored into an empty database and data directory elsewhere. Every API
/// listing an NHS England admin and a supplier can reach reads the same there, but for what the
/// load changed after the snapshot: each loaded answer is at least what had been acknowledged when
/// the backup started, every file acknowledged by then is there whole, and the audit log is the
/// original's up to some entry; `scal audit verify` passes.
#[tokio::test]
async fn a_backup_taken_under_load_restores_elsewhere_with_the_same_listings() {
    let db = TestDb::fresh().await;
    let server = Running::start(&db, &["demo", "--bind", "127.0.0.1:0"]);
    let supplier = token(&db, SUPPLIER);
    let nhse = token(&db, NHSE);
    let agent = agent();
    // First uses of the tokens (each audited) before the backup, so both sides have them.
    for token in [&supplier, &nhse] {
        assert_eq!(get(&agent, &server.url("/api/v1/me"), token).unwrap().0, 200);
    }
    let (product, scal, sheet) = referrals(&agent, &server, &supplier);

    let place = tempfile::tempdir().unwrap();
    let archive = place.path().join("scal-backup.tar.gz");
    let load = Load::start(&server.base, &supplier, &scal, &sheet);
    std::thread::sleep(Duration::from_millis(700));
    let started = Instant::now();
    let backup = run(&db, &["backup", "--out", archive.to_str().unwrap()]);
    let finished = Instant::now();
    assert!(backup.status.success(), "{}", stderr(&backup));
    std::thread::sleep(Duration::from_millis(300));
    let (saves, uploads) = load.finish();
    let during: usize = saves
        .iter()
        .map(|(_, w)| {
            w.saves
                .iter()
                .filter(|(_, _, a)| a.is_some_and(|a| a > started && a < finished))
                .count()
        })
        .sum();
    assert!(
        during > 0,
        "no save was acknowledged while the backup ran: not under load"
    );

    let mut original = crawl(&agent, &server, &nhse);
    let mut original_supplier = crawl(&agent, &server, &supplier);
    server.stop();

    let elsewhere = db.fresh_sharing_files().await;
    let restored = run(&elsewhere, &["restore", archive.to_str().unwrap()]);
    assert!(restored.status.success(), "{}{}", stdout(&restored), stderr(&restored));
    audit_verifies(&elsewhere);
    let server = Running::start(&elsewhere, &["serve", "--bind", "127.0.0.1:0"]);
    let mut copy = crawl(&agent, &server, &nhse);
    let mut copy_supplier = crawl(&agent, &server, &supplier);

    // Files: every one acknowledged before the backup started is there, whole; none that the
    // original does not list.
    let listed = every_listed_file_is_whole(&agent, &server, &supplier, &scal);
    for (id, bytes, acked) in &uploads.uploads {
        if *acked < started {
            assert!(
                listed
                    .iter()
                    .any(|f| f["id"] == id.as_str() && f["sha256"] == hex(bytes)),
                "upload {id}, acknowledged before the backup, is restored"
            );
        }
    }
    let evidence = format!("/api/v1/scals/{scal}/evidence");
    for crawled in [&mut original, &mut original_supplier] {
        let (_, all) = crawled.remove(&evidence).unwrap();
        for file in &listed {
            assert!(
                all.as_array().unwrap().contains(file),
                "{file} restored but never uploaded"
            );
        }
    }
    for crawled in [&mut copy, &mut copy_supplier] {
        crawled.remove(&evidence);
    }

    // The audit log: the original's, up to the entry the snapshot was taken after; then the
    // restore itself, then only what the restored server's own scheduler did since.
    let (original_audit, mut copied_audit) = (take_audit(&mut original), take_audit(&mut copy));
    copied_audit.reverse();
    let restored_at = copied_audit
        .iter()
        .position(|e| e["kind"] == "system.restored")
        .expect("the restore is audited");
    assert!(
        copied_audit[restored_at + 1..].iter().all(|e| e["kind"] == "job.run"),
        "after the restore entry, only the restored server's job runs"
    );
    let copied = &copied_audit[..restored_at];
    let mut expected: Vec<&Value> = original_audit.iter().collect();
    expected.reverse();
    assert!(copied.len() < expected.len(), "the original went on after the snapshot");
    for (copied, original) in copied.iter().zip(&expected) {
        assert_eq!(
            copied, *original,
            "the restored audit log is the original's, entry by entry"
        );
    }
    assert_eq!(take_audit(&mut original_supplier), take_audit(&mut copy_supplier));

    // The loaded answers: at least what was acknowledged when the backup started, at most what was
    // sent before it finished, and in the original the last acknowledged.
    let written: BTreeMap<&str, &Written> = saves.iter().map(|(r, w)| (*r, w)).collect();
    for crawled in [&mut original, &mut original_supplier] {
        for (_, (_, body)) in crawled
            .iter_mut()
            .filter(|(p, _)| p.contains(&product) || p.contains(&scal))
        {
            set_aside_loaded(body, &mut |requirement, number| {
                let last = written[requirement].acknowledged_before(Instant::now());
                assert_eq!(number, last, "{requirement} in the original");
            });
        }
    }
    for crawled in [&mut copy, &mut copy_supplier] {
        for (_, (_, body)) in crawled
            .iter_mut()
            .filter(|(p, _)| p.contains(&product) || p.contains(&scal))
        {
            set_aside_loaded(body, &mut |requirement, number| {
                let w = written[requirement];
                let (low, high) = (w.acknowledged_before(started), w.sent_before(finished));
                assert!(
                    (low..=high).contains(&number),
                    "{requirement}: restored save {number}, not in {low}..={high}"
                );
            });
        }
    }

    // Everything else reads the same.
    for (who, left, right, at_least) in [
        ("NHS England", &original, &copy, 60),
        ("the supplier", &original_supplier, &copy_supplier, 30),
    ] {
        assert_eq!(
            left.keys().collect::<Vec<_>>(),
            right.keys().collect::<Vec<_>>(),
            "{who}: the same listings"
        );
        for (path, (status, body)) in left {
            let (copied_status, copied) = &right[path];
            assert_eq!(status, copied_status, "{who}: {path}");
            if let Some(difference) = first_difference("", body, copied) {
                panic!("{who}: {path} differs at {difference}");
            }
        }
        assert!(left.len() >= at_least, "{who}: only {} listings crawled", left.len());
    }
    server.stop();
}

/// Two servers on one database, taking turns: each request goes to the other one from the last.
struct Pair {
    servers: [Running; 2],
    next: std::cell::Cell<usize>,
    agent: ureq::Agent,
}

/// A response read as the in-process tests read a page, so both share one reader of cookies, the
/// CSRF field and `Location`.
fn as_page(mut response: ureq::http::Response<ureq::Body>) -> Page {
    Page {
        status: response.status(),
        headers: response.headers().clone(),
        html: response.body_mut().read_to_string().unwrap(),
    }
}

impl Pair {
    /// The next server's base address, and which one it is.
    fn turn(&self) -> (usize, &str) {
        let i = self.next.get();
        self.next.set(1 - i);
        (i, &self.servers[i].base)
    }

    fn api(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> (usize, u16, Value) {
        let (i, base) = self.turn();
        let url = format!("{base}{path}");
        let auth = format!("Bearer {token}");
        let response = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &auth).call(),
            ("POST", Some(body)) => self.agent.post(&url).header("Authorization", &auth).send_json(&body),
            ("POST", None) => self.agent.post(&url).header("Authorization", &auth).send_empty(),
            ("PUT", Some(body)) => self.agent.put(&url).header("Authorization", &auth).send_json(&body),
            other => panic!("no such request in this test: {other:?}"),
        };
        let (status, body) = read(response).unwrap();
        (i, status, body)
    }

    /// A page, as a browser asks for it: (server, status, Location, HTML).
    fn page(
        &self,
        browser: &Session,
        method: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (usize, u16, String, String) {
        let (i, base) = self.turn();
        let url = format!("{base}{path}");
        let response = if method == "GET" {
            self.agent.get(&url).header("Cookie", &browser.cookie).call()
        } else {
            let mut form: Vec<(&str, &str)> = fields.to_vec();
            form.push(("_csrf", &browser.csrf));
            self.agent.post(&url).header("Cookie", &browser.cookie).send_form(form)
        };
        let page = as_page(response.unwrap());
        let location = page.location().unwrap_or_default().to_string();
        let (status, html) = (page.status.as_u16(), page.html);
        (i, status, location, html)
    }

    /// Signs in through the form: the form from one server, the sign-in posted to the other, the
    /// first page after it from the first again.
    fn sign_in(&self, email: &str) -> Session {
        let (_, base) = self.turn();
        let form = as_page(self.agent.get(&format!("{base}/login")).call().unwrap());
        let pre = form
            .set_cookie("scal_csrf")
            .expect("the sign-in form sets its CSRF cookie");
        let csrf = form.csrf().expect("a CSRF field");
        let (_, base) = self.turn();
        let signed_in = self
            .agent
            .post(&format!("{base}/login"))
            .header("Cookie", &format!("scal_csrf={pre}"))
            .send_form([
                ("email", email),
                ("password", crate::support::PASSWORD),
                ("_csrf", &csrf),
            ])
            .unwrap();
        let signed_in = as_page(signed_in);
        assert_eq!(signed_in.status, 303, "{email} signs in");
        let session = signed_in.set_cookie("scal_session").expect("a session cookie");
        let mut browser = Session {
            cookie: format!("scal_session={session}"),
            csrf: String::new(),
        };
        let (_, status, _, home) = self.page(&browser, "GET", "/", &[]);
        assert_eq!(status, 200, "the session is known to the other server");
        browser.csrf = csrf_field(&home).expect("signed-in pages carry the CSRF token");
        browser
    }
}

/// Two `scal serve` processes on one database (and one data directory, as a shared volume or,
/// with an object store, a bucket would be), every request going to the other one from the last:
/// the reviewer and the supplier sign in on one and go on on the other; the supplier replies to
/// NHS England's question and uploads a file, which the other server serves; the reviewer
/// resolves the question, records verdicts and accepts the round; signing out on one ends the
/// session on both.
#[tokio::test]
async fn two_instances_take_turns_through_a_review_to_acceptance() {
    let db = TestDb::fresh().await;
    // Several instances are a PostgreSQL deployment: one process per SQLite file.
    if !db.url.starts_with("postgres") {
        return;
    }
    let first = Running::start(&db, &["demo", "--bind", "127.0.0.1:0"]);
    let second = Running::start(&db, &["serve", "--bind", "127.0.0.1:0"]);
    let pair = Pair {
        servers: [first, second],
        next: std::cell::Cell::new(0),
        agent: agent(),
    };
    let reviewer_token = token(&db, "reviewer@nhse.example");
    let supplier_token = token(&db, "admin@brightwater.example");

    // Brightwater EPR, in review in the demo, with a question on its red item.
    let (_, _, queue) = pair.api("GET", "/api/v1/submissions", &reviewer_token, None);
    let round = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["product"] == "Brightwater EPR 2.3" && s["status"] == "submitted")
        .expect("Brightwater EPR in review")
        .clone();
    let (round_id, scal) = (round["id"].as_str().unwrap(), round["scal_id"].as_str().unwrap());
    let (_, _, threads) = pair.api("GET", &format!("/api/v1/scals/{scal}/threads"), &reviewer_token, None);
    let thread = threads.as_array().unwrap()[0]["id"].as_str().unwrap().to_string();

    // The supplier, in a browser: replies on one server, reads the thread on the other.
    let supplier = pair.sign_in("admin@brightwater.example");
    let (_, status, location, _) = pair.page(
        &supplier,
        "POST",
        &format!("/threads/{thread}/messages"),
        &[("body", "The MESH mailbox order is placed; it goes live in March.")],
    );
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/threads/{thread}").as_str())
    );
    let (_, _, _, page) = pair.page(&supplier, "GET", &format!("/threads/{thread}"), &[]);
    assert!(page.contains("The MESH mailbox order is placed"), "{page}");
    // A file uploaded through one server downloads whole from the other.
    let bytes = b"MESH mailbox order confirmation".to_vec();
    let (to, status, uploaded) = {
        let (i, base) = pair.turn();
        let response = pair
            .agent
            .post(&format!("{base}/api/v1/scals/{scal}/evidence?file_name=order.txt"))
            .header("Authorization", &format!("Bearer {supplier_token}"))
            .header("Content-Type", "application/octet-stream")
            .send(&bytes[..]);
        let (status, body) = read(response).unwrap();
        (i, status, body)
    };
    assert_eq!(status, 201, "{uploaded}");
    let (from, status, downloaded) = pair.api(
        "GET",
        &format!("/api/v1/evidence/{}", uploaded["id"].as_str().unwrap()),
        &supplier_token,
        None,
    );
    assert_ne!(to, from);
    assert_eq!((status, &downloaded["sha256"]), (200, &json!(hex(&bytes))));

    // The reviewer: signs in, resolves the question, accepts every item (the red one agreed),
    // and accepts the round through the check page's form.
    let reviewer = pair.sign_in("reviewer@nhse.example");
    let (_, status, _, _) = pair.page(&reviewer, "POST", &format!("/threads/{thread}/resolve"), &[]);
    assert_eq!(status, 303);
    let (_, _, review) = pair.api(
        "GET",
        &format!("/api/v1/submissions/{round_id}/review"),
        &reviewer_token,
        None,
    );
    let verdicts: Vec<Value> = review["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let mut verdict =
                json!({"sheet": i["sheet"], "requirement_id": i["requirement_id"], "verdict": "accepted"});
            if i["rag"] == "red" {
                verdict["decision"] = json!("agreed");
            }
            verdict
        })
        .collect();
    let (_, status, body) = pair.api(
        "POST",
        &format!("/api/v1/submissions/{round_id}/verdicts"),
        &reviewer_token,
        Some(json!({ "verdicts": verdicts })),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["blockers"], json!([]), "{body}");
    let (_, _, _, check) = pair.page(&reviewer, "GET", &format!("/submissions/{round_id}/decide"), &[]);
    assert!(
        check.contains(&format!("action=\"/submissions/{round_id}/accept\"")),
        "{check}"
    );
    let (_, status, location, _) = pair.page(&reviewer, "POST", &format!("/submissions/{round_id}/accept"), &[]);
    assert_eq!(status, 303);
    let (_, _, _, accepted) = pair.page(&reviewer, "GET", &location, &[]);
    assert!(accepted.contains("Accepted"), "{accepted}");

    // The supplier's SCAL says so, on either server.
    for _ in 0..2 {
        let (_, _, _, overview) = pair.page(&supplier, "GET", &format!("/scals/{scal}"), &[]);
        assert!(overview.contains("Accepted by NHS England (round 1)"), "{overview}");
    }
    // Signing out on one ends the session on both.
    let (_, status, _, _) = pair.page(&supplier, "POST", "/logout", &[]);
    assert_eq!(status, 303);
    for _ in 0..2 {
        let (_, status, location, _) = pair.page(&supplier, "GET", "/", &[]);
        assert_eq!(
            (status, location.starts_with("/login")),
            (303, true),
            "signed out everywhere"
        );
    }
    let [first, second] = pair.servers;
    first.stop();
    second.stop();
    audit_verifies(&db);
}

/// Instances starting at once on a new database all run the migrations: each is applied once,
/// one after the other, and every instance starts. (PostgreSQL: several instances on SQLite are
/// not a supported deployment.)
#[tokio::test]
async fn instances_starting_at_once_on_a_new_database_apply_each_migration_once() {
    let db = TestDb::fresh().await;
    if !db.url.starts_with("postgres") {
        return;
    }
    let opened = futures_util::future::join_all((0..4).map(|_| scal_store::Store::open(&db.url, 2))).await;
    let mut stores = Vec::new();
    for store in opened {
        stores.push(store.expect("every instance starts"));
    }
    let versions: Vec<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations ORDER BY version")
        .fetch_all(stores[0].pool())
        .await
        .unwrap();
    let expected: Vec<(i64,)> = (1..=i64::try_from(versions.len()).unwrap()).map(|v| (v,)).collect();
    assert_eq!(versions, expected, "each migration once, none missing");
    assert!(versions.len() >= 19);
    for store in stores {
        store.close().await;
    }
}

/// With `drain_secs`, SIGTERM first turns `/readyz` to 503 while the instance goes on serving, so
/// a load balancer takes it out of rotation before it stops accepting; a second SIGTERM cuts the
/// drain short, and it exits cleanly.
#[tokio::test]
async fn sigterm_with_a_drain_reports_not_ready_while_still_serving_then_exits() {
    let db = TestDb::fresh().await;
    let mut server = Running::start_with(&db, &["demo", "--bind", "127.0.0.1:0"], &[("SCAL_DRAIN_SECS", "120")]);
    let nhse = token(&db, NHSE);
    let agent = agent();
    let status = |path: &str| read(agent.get(&server.url(path)).call()).unwrap().0;
    assert_eq!(status("/readyz"), 200);
    server.terminate();
    let deadline = Instant::now() + Duration::from_secs(30);
    while status("/readyz") == 200 {
        assert!(Instant::now() < deadline, "/readyz never said 503");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Not ready, and still serving: pages, the API and health.
    assert_eq!(status("/readyz"), 503);
    assert_eq!(status("/healthz"), 200);
    assert_eq!(get(&agent, &server.url("/api/v1/me"), &nhse).unwrap().0, 200);
    // A second signal ends the drain: it stops long before the 120 s are up.
    let second = Instant::now();
    server.terminate();
    let exit = server.child.wait().expect("wait for scal");
    assert!(exit.success(), "it exits cleanly: {exit:?}");
    assert!(
        second.elapsed() < Duration::from_secs(60),
        "the second SIGTERM stopped the drain ({:?})",
        second.elapsed()
    );
}
