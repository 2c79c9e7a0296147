//! The real `scal` binary, as an operator runs it.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};

use crate::support::TestDb;

pub(crate) fn scal(db: &TestDb, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scal"));
    command
        .arg("--data-dir")
        .arg(db.data_dir())
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("SCAL_LOG", "warn");
    match &db.file_store_url {
        Some(url) => command.env("SCAL_FILE_STORE_URL", url),
        None => command.env_remove("SCAL_FILE_STORE_URL"),
    };
    command
}

pub(crate) fn run(db: &TestDb, args: &[&str]) -> Output {
    scal(db, args).output().expect("run scal")
}

pub(crate) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(crate) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn an_operator_sets_up_an_organisation_user_and_token_then_uses_the_api_of_the_running_server() {
    let db = TestDb::fresh().await;
    let migrated = run(&db, &["migrate"]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));

    let bad = run(
        &db,
        &["org", "add", "--ods", "8KM-90", "--name", "Bad", "--kind", "supplier"],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("ods_code: ODS code must be 1 to 9 letters and digits"),
        "{}",
        stderr(&bad)
    );

    let org = run(
        &db,
        &[
            "org", "add", "--ods", "8km90", "--name", "Fitfile", "--kind", "supplier",
        ],
    );
    assert!(org.status.success(), "{}", stderr(&org));
    assert!(stdout(&org).contains("(8KM90)"));

    let mut child = scal(
        &db,
        &[
            "user",
            "add",
            "--email",
            "ops@fitfile.example",
            "--name",
            "Ops",
            "--org",
            "8KM90",
            "--role",
            "supplier_admin",
            "--password-stdin",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let user = child.wait_with_output().unwrap();
    assert!(user.status.success(), "{}", stderr(&user));
    assert!(
        !stdout(&user).contains("password (shown once)"),
        "no password generated when one is given"
    );

    let generated = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "two@fitfile.example",
            "--name",
            "Two",
            "--org",
            "8KM90",
            "--role",
            "supplier_member",
        ],
    );
    assert!(
        stdout(&generated).contains("password (shown once): "),
        "{}",
        stdout(&generated)
    );
    let duplicate = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "two@fitfile.example",
            "--name",
            "Two",
            "--org",
            "8KM90",
            "--role",
            "supplier_member",
        ],
    );
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(stderr(&duplicate).contains("email: A user with this email address already exists"));

    let token = run(&db, &["token", "create", "--email", "ops@fitfile.example"]);
    assert!(token.status.success(), "{}", stderr(&token));
    let secret = stdout(&token).lines().last().unwrap().trim().to_string();
    assert!(secret.starts_with("scal_"));

    let mut server = scal(&db, &["--log-format", "json", "serve", "--bind", "127.0.0.1:0"])
        .env("SCAL_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("scal is running at ")
        .expect(&first)
        .trim_end_matches('/')
        .to_string();

    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let mut me = agent
        .get(&format!("{base}/api/v1/me"))
        .header("Authorization", &format!("Bearer {secret}"))
        .call()
        .unwrap();
    assert_eq!(me.status(), 200);
    let body: serde_json::Value = me.body_mut().read_json().unwrap();
    assert_eq!(body["organisation"]["ods_code"], "8KM90");
    let anonymous = agent.get(&format!("{base}/api/v1/me")).call().unwrap();
    assert_eq!(anonymous.status(), 401);

    let terminated = Command::new("kill")
        .arg("-TERM")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    assert!(terminated.success());
    let exit = server.wait().unwrap();
    assert!(exit.success(), "SIGTERM shuts down cleanly: {exit:?}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut logs).unwrap();
    let structured: Vec<serde_json::Value> = logs.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(
        !structured.is_empty() && structured.len() == logs.lines().count(),
        "every log line is JSON: {logs}"
    );
    assert!(logs.contains("shutting down"));
    assert!(!logs.contains(&secret), "tokens are not logged");

    let verified = run(&db, &["audit", "verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
    // The organisation, two users, the token, and the token's first use from an address; and
    // each run of a scheduled job the server got to before it stopped and the first signing key
    // it made (audited too).
    let store = scal_store::Store::connect(&db.url, 1).await.unwrap();
    let filter = scal_store::records::AuditFilter {
        kind: Some("job.run".into()),
        limit: 1_000,
        ..Default::default()
    };
    let mut job_runs = scal_store::records::audit::list(store.pool(), &filter)
        .await
        .unwrap()
        .len();
    // And the first signing key `serve` made, audited too.
    let keys = scal_store::records::AuditFilter {
        kind: Some("keys.generated".into()),
        limit: 10,
        ..Default::default()
    };
    job_runs += scal_store::records::audit::list(store.pool(), &keys)
        .await
        .unwrap()
        .len();
    store.close().await;
    assert!(
        stdout(&verified).contains(&format!("audit chain intact: {} entries", 5 + job_runs)),
        "{} ({job_runs} job runs)",
        stdout(&verified)
    );
}

#[tokio::test]
async fn audit_verify_fails_naming_the_entry_edited_by_hand() {
    let db = TestDb::fresh().await;
    for args in [
        vec!["org", "add", "--ods", "X26", "--name", "NHS England", "--kind", "nhse"],
        vec!["org", "add", "--ods", "8JK21", "--name", "Acme", "--kind", "supplier"],
        vec![
            "org",
            "add",
            "--ods",
            "8QW47",
            "--name",
            "Brightwater",
            "--kind",
            "supplier",
        ],
    ] {
        assert!(run(&db, &args).status.success());
    }
    assert_eq!(run(&db, &["audit", "verify"]).status.code(), Some(0));

    let store = scal_store::Store::connect(&db.url, 1).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 2")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;

    let broken = run(&db, &["audit", "verify"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("audit entry 2 is broken"),
        "{}",
        stderr(&broken)
    );
}

#[tokio::test]
async fn settings_come_from_scal_toml_and_bad_settings_are_clear_errors() {
    let db = TestDb::fresh().await;
    let config = db.data_dir().join("scal.toml");
    std::fs::write(&config, "bnid = \"127.0.0.1:1\"\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--config")
        .arg(&config)
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("unknown field `bnid`"), "{}", stderr(&output));

    std::fs::write(&config, format!("database_url = \"{}\"\n", db.url)).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--config")
        .arg(&config)
        .arg("migrate")
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    // The database named in the file was the one migrated (by its name: `scal.db` or the test database).
    let name = db.url.split('?').next().unwrap().rsplit('/').next().unwrap();
    let said = stdout(&output);
    assert!(
        said.contains(" migrations applied to ") && said.contains(name),
        "{said}"
    );

    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .args(["--database-url", "mysql://x", "migrate"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("must start with sqlite: or postgres://"));

    // A file store that cannot be: each said plainly, before anything is done.
    for (url, said) in [
        (
            "ftp://files.example/x",
            "is neither a directory (file:///path) nor a bucket",
        ),
        ("s3://?region=eu-west-2", "s3:// needs a bucket name"),
        ("s3://evidence?endpoint=http://127.0.0.1:1", "give the bucket's region"),
        (
            "s3://evidence?region=eu-west-2&colour=blue",
            "unknown option \"colour\"",
        ),
    ] {
        let output = scal(&db, &["files", "gc"])
            .env("SCAL_FILE_STORE_URL", url)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{url}");
        assert!(
            stderr(&output).contains("file_store_url: "),
            "{url}: {}",
            stderr(&output)
        );
        assert!(stderr(&output).contains(said), "{url}: {}", stderr(&output));
    }
}

#[tokio::test]
async fn the_catalogue_is_set_up_from_the_command_line() {
    let db = TestDb::fresh().await;
    let added = run(
        &db,
        &[
            "service",
            "add",
            "--code",
            "pds-fhir",
            "--name",
            "Personal Demographics Service",
            "--network",
            "internet",
            "--use-case-required",
        ],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(
        stdout(&added).contains("added service PDS-FHIR (Personal Demographics Service, internet, use case required)"),
        "{}",
        stdout(&added)
    );
    let again = run(
        &db,
        &[
            "service",
            "add",
            "--code",
            "PDS-FHIR",
            "--name",
            "Again",
            "--network",
            "internet",
        ],
    );
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("code: The catalogue already has a service PDS-FHIR"),
        "{}",
        stderr(&again)
    );
    let bad = run(
        &db,
        &["service", "add", "--code", "X Y", "--name", "", "--network", "wifi"],
    );
    assert_eq!(bad.status.code(), Some(1));
    let message = stderr(&bad);
    for field in ["code:", "name:", "network:"] {
        assert!(message.contains(field), "every bad field is named: {message}");
    }
    let store = scal_store::Store::connect(&db.url, 1).await.unwrap();
    let services = scal_store::records::services::list(store.pool()).await.unwrap();
    assert_eq!(services.len(), 1, "nothing half-written");
    assert!(services[0].use_case_required);
    store.close().await;
}

/// The server's peak resident memory so far, from Linux's `/proc` (`None` elsewhere).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Each password check takes 19 MiB (argon2id's memory cost); unbounded, 80 parallel sign-ins
/// took the server from 83 MB to 1.6 GB. Behind the password gate, only a few run at once.
#[tokio::test]
async fn sixty_four_parallel_sign_ins_stay_under_256_mib() {
    const LIMIT_KIB: u64 = 256 * 1024;
    let db = TestDb::fresh().await;
    assert!(run(&db, &["migrate"]).status.success());
    // Trusting the loopback proxy lets each sign-in come from its own address, so the per-address
    // throttle does not turn any away before its password is checked.
    let mut server = scal(&db, &["serve", "--bind", "127.0.0.1:0"])
        .env("SCAL_TRUSTED_PROXIES", "127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("scal is running at ")
        .expect(&first)
        .trim_end_matches('/')
        .to_string();
    let Some(at_start) = peak_rss_kib(server.id()) else {
        let _ = server.kill();
        let _ = server.wait();
        eprintln!("no /proc: memory not measured");
        return;
    };

    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    // Every attempt needs the sign-in form's token first.
    let mut login = agent.get(&format!("{base}/login")).call().unwrap();
    let cookie = login
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_string();
    let html = login.body_mut().read_to_string().unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).unwrap() + marker.len();
    let csrf = html[start..start + html[start..].find('"').unwrap()].to_string();

    let barrier = std::sync::Arc::new(std::sync::Barrier::new(64));
    let statuses: Vec<u16> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..64)
            .map(|i| {
                let (agent, base, cookie, csrf, barrier) = (&agent, &base, &cookie, &csrf, barrier.clone());
                scope.spawn(move || {
                    barrier.wait();
                    agent
                        .post(&format!("{base}/login"))
                        .header("Cookie", cookie)
                        .header("X-Forwarded-For", &format!("192.0.2.{i}"))
                        .content_type("application/x-www-form-urlencoded")
                        .send(format!("_csrf={csrf}&email=nobody{i}%40example.org&password=guess+{i}"))
                        .map(|r| r.status().as_u16())
                        .unwrap_or(0)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let peak = peak_rss_kib(server.id()).unwrap();
    let healthy = agent.get(&format!("{base}/healthz")).call().unwrap().status();
    let _ = server.kill();
    let _ = server.wait();
    eprintln!("peak RSS: {at_start} KiB at start, {peak} KiB after 64 parallel sign-ins; statuses {statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 422 || *s == 503),
        "each is refused as a bad sign-in, or as busy: {statuses:?}"
    );
    assert!(
        statuses.iter().filter(|s| **s == 422).count() >= 2,
        "the passwords were really checked: {statuses:?}"
    );
    assert_eq!(healthy, 200);
    assert!(peak < LIMIT_KIB, "peak {peak} KiB is over {LIMIT_KIB} KiB");
}

#[tokio::test]
async fn the_operator_prints_a_reset_link_that_works_once() {
    let db = TestDb::fresh().await;
    assert!(run(&db, &["migrate"]).status.success());
    let org = run(
        &db,
        &["org", "add", "--ods", "X26", "--name", "NHS England", "--kind", "nhse"],
    );
    assert!(org.status.success(), "{}", stderr(&org));
    let generated = run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "only.admin@nhse.example",
            "--name",
            "Only Admin",
            "--org",
            "X26",
            "--role",
            "nhse_admin",
        ],
    );
    assert!(generated.status.success(), "{}", stderr(&generated));

    let unknown = run(&db, &["user", "reset-password", "--email", "nobody@nhse.example"]);
    assert_eq!(unknown.status.code(), Some(1));
    let printed = scal(&db, &["user", "reset-password", "--email", "Only.Admin@nhse.example"])
        .env("SCAL_PUBLIC_URL", "https://scal.example.nhs.uk/")
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", stderr(&printed));
    let link = stdout(&printed).lines().last().unwrap().trim().to_string();
    let path = link
        .strip_prefix("https://scal.example.nhs.uk")
        .unwrap_or_else(|| panic!("the link uses public_url: {link}"))
        .to_string();
    assert!(path.starts_with("/password-reset/"), "{path}");

    let app = crate::support::TestApp::on(db, scal_web::WebSettings::default()).await;
    let form = app.page(None, axum::http::Method::GET, &path, &[]).await;
    assert_eq!(form.status, axum::http::StatusCode::OK, "{}", form.html);
    let session = crate::support::Session {
        cookie: format!("scal_csrf={}", form.set_cookie("scal_csrf").unwrap()),
        csrf: form.csrf().unwrap(),
    };
    let fields = [
        ("new_password", "granite harbour lantern"),
        ("confirm_password", "granite harbour lantern"),
    ];
    let done = app.page(Some(&session), axum::http::Method::POST, &path, &fields).await;
    assert_eq!(done.status, axum::http::StatusCode::SEE_OTHER, "{}", done.html);
    assert!(app
        .sign_in("only.admin@nhse.example", "granite harbour lantern")
        .await
        .is_ok());
    let again = app.page(Some(&session), axum::http::Method::POST, &path, &fields).await;
    assert_eq!(again.status, axum::http::StatusCode::NOT_FOUND);

    let filter = scal_store::records::audit::AuditFilter {
        kind: Some("password.reset_requested".into()),
        limit: 10,
        ..Default::default()
    };
    let requested = scal_store::records::audit::list(app.app().store.pool(), &filter)
        .await
        .unwrap();
    assert_eq!(requested.len(), 1);
    assert_eq!(requested[0].actor_label, "cli", "audited as the operator");
    assert_eq!(requested[0].actor_user_id, None);
    // Printed, not emailed: the command is for when email is not an option.
    let outbox = scal_app::notifications::outbox(app.app(), false).await.unwrap();
    assert!(outbox.is_empty());
}

/// Starts `scal serve` on a free port with `env`; returns the child and its stdout lines.
fn start_server(
    db: &TestDb,
    env: &[(&str, &str)],
) -> (
    std::process::Child,
    std::io::Lines<BufReader<std::process::ChildStdout>>,
) {
    let migrated = run(db, &["migrate"]);
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let mut command = scal(db, &["serve", "--bind", "127.0.0.1:0"]);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut server = command.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let lines = BufReader::new(server.stdout.take().unwrap()).lines();
    (server, lines)
}

fn address_after(line: &str, prefix: &str) -> String {
    line.strip_prefix(prefix)
        .unwrap_or_else(|| panic!("expected {prefix:?}: {line}"))
        .trim_end_matches('/')
        .trim_end_matches("/metrics")
        .trim_start_matches("http://")
        .to_string()
}

/// SIGTERM, then the server must exit cleanly.
fn stop(mut server: std::process::Child) {
    let terminated = Command::new("kill")
        .arg("-TERM")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    assert!(terminated.success());
    let exit = server.wait().unwrap();
    assert!(exit.success(), "SIGTERM shuts down cleanly: {exit:?}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_request_headers_is_disconnected() {
    use std::io::Read as _;
    let db = TestDb::fresh().await;
    let (server, mut lines) = start_server(&db, &[("SCAL_HEADER_READ_TIMEOUT_SECS", "1")]);
    let address = address_after(&lines.next().unwrap().unwrap(), "scal is running at ");

    let mut slow = std::net::TcpStream::connect(&address).unwrap();
    slow.write_all(b"GET / HT").unwrap();
    // Far beyond the configured second, yet below the 10-second default and hyper's own 30: only a
    // server that applies the configured timeout closes the connection before this.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(8))).unwrap();
    let mut buffer = [0u8; 1024];
    loop {
        match slow.read(&mut buffer) {
            Ok(0) => break,
            // hyper may say 408 before closing; what matters is that it closes.
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                break
            }
            Err(e) => panic!("the server kept a half-sent request open: {e}"),
        }
    }

    // Other clients are still served.
    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let health = agent.get(&format!("http://{address}/healthz")).call().unwrap();
    assert_eq!(health.status(), 200);
    stop(server);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    use std::io::Read as _;
    let db = TestDb::fresh().await;
    let (server, mut lines) = start_server(
        &db,
        &[
            ("SCAL_MAX_CLIENT_CONNECTIONS", "1"),
            ("SCAL_HEADER_READ_TIMEOUT_SECS", "120"),
        ],
    );
    let address = address_after(&lines.next().unwrap().unwrap(), "scal is running at ");
    let request = b"GET /healthz HTTP/1.1\r\nHost: scal\r\n\r\n";

    // The first client is answered and keeps its connection open: it holds the only place.
    let mut first = std::net::TcpStream::connect(&address).unwrap();
    first.write_all(request).unwrap();
    first
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut buffer = [0u8; 1024];
    let n = first.read(&mut buffer).unwrap();
    assert!(String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"));

    // The second is not served while the first is open: it waits, unanswered.
    let mut second = std::net::TcpStream::connect(&address).unwrap();
    second.write_all(request).unwrap();
    second
        .set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .unwrap();
    match second.read(&mut buffer) {
        Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
        other => panic!("a connection beyond the cap was served: {other:?}"),
    }

    // When the first goes, the second is served.
    drop(first);
    second
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let n = second.read(&mut buffer).unwrap();
    assert!(
        String::from_utf8_lossy(&buffer[..n]).starts_with("HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&buffer[..n])
    );
    drop(second);
    stop(server);
}

#[tokio::test]
async fn a_client_that_stops_sending_its_body_is_disconnected() {
    use std::io::Read as _;
    let db = TestDb::fresh().await;
    let (server, mut lines) = start_server(&db, &[("SCAL_IDLE_TIMEOUT_SECS", "1")]);
    let address = address_after(&lines.next().unwrap().unwrap(), "scal is running at ");

    let mut slow = std::net::TcpStream::connect(&address).unwrap();
    slow.write_all(
        b"POST /login HTTP/1.1\r\nHost: scal.test\r\nContent-Type: application/x-www-form-urlencoded\r\n\
          Content-Length: 1000\r\n\r\nemail=a",
    )
    .unwrap();
    // Below the 30-second request timeout, so only the idle timeout can close it in time.
    slow.set_read_timeout(Some(std::time::Duration::from_secs(20))).unwrap();
    let mut answer = Vec::new();
    match slow.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ) => {}
        Err(e) => panic!("the server kept a stalled upload open: {e}"),
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
        "not mistaken for a large form: {answer}"
    );
    stop(server);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_address_and_not_on_the_public_one() {
    let db = TestDb::fresh().await;
    let (server, mut lines) = start_server(&db, &[("SCAL_METRICS_BIND", "127.0.0.1:0")]);
    let address = address_after(&lines.next().unwrap().unwrap(), "scal is running at ");
    let metrics = address_after(&lines.next().unwrap().unwrap(), "metrics at ");
    assert_ne!(address, metrics);

    let agent = ureq::Agent::new_with_config(ureq::Agent::config_builder().http_status_as_error(false).build());
    let health = agent.get(&format!("http://{address}/healthz")).call().unwrap();
    assert_eq!(health.status(), 200);
    let public = agent.get(&format!("http://{address}/metrics")).call().unwrap();
    assert_eq!(public.status(), 404, "no /metrics on the public address");
    let mut scraped = agent.get(&format!("http://{metrics}/metrics")).call().unwrap();
    assert_eq!(scraped.status(), 200);
    let text = scraped.body_mut().read_to_string().unwrap();
    assert!(
        text.contains(r#"scal_http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{text}"
    );
    let other = agent.get(&format!("http://{metrics}/healthz")).call().unwrap();
    assert_eq!(other.status(), 404, "the metrics address serves nothing else");
    stop(server);
}
