//! Signing: the key ring, `/.well-known/jwks.json`, `scal verify` run as the real binary, and
//! signed checkpoints of the audit chain.

use std::process::{Command, Output};

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use scal_app::audit::{Checkpointed, CHECKPOINT_TYP};
use scal_app::Actor;
use scal_domain::signing::{KeyStatus, Signer};
use serde_json::{json, Value};

use crate::support::{TestApp, TestDb};

fn scal(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--data-dir")
        .arg(db.data_dir())
        .arg("--database-url")
        .arg(&db.url)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("SCAL_SIGNING_KEYS")
        .env("SCAL_LOG", "warn")
        .output()
        .expect("run scal")
}

/// `scal verify` reads no settings: it is run with nothing but its arguments.
fn verify(jws: &str, jwks: &Value, extra: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let statement = dir.path().join("statement.jws");
    let keys = dir.path().join("jwks.json");
    std::fs::write(&statement, jws).unwrap();
    std::fs::write(&keys, jwks.to_string()).unwrap();
    Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("verify")
        .arg(&statement)
        .arg("--jwks")
        .arg(&keys)
        .args(extra)
        .env_remove("DATABASE_URL")
        .current_dir(dir.path())
        .output()
        .expect("run scal verify")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `GET /.well-known/jwks.json` with no credentials: status, content type, cache policy, body.
async fn published(app: &TestApp) -> (StatusCode, String, String, Value) {
    let request = Request::builder()
        .method(Method::GET)
        .uri("/.well-known/jwks.json")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    (
        status,
        text(header::CONTENT_TYPE),
        text(header::CACHE_CONTROL),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_jwks_publishes_the_active_key_and_every_retired_one_to_anyone() {
    let app = TestApp::demo().await;
    let (status, _, _, body) = published(&app).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"keys": []})));

    let ring = &app.app().keys;
    let first = ring.generate(app.now()).unwrap();
    let (second, _) = ring.rotate(app.now()).unwrap();
    let (third, _) = ring.rotate(app.now()).unwrap();
    let (status, content_type, cache, body) = published(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/jwk-set+json");
    assert_eq!(cache, "public, max-age=300");
    let listed: Vec<(&str, &str)> = body["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| (k["kid"].as_str().unwrap(), k["status"].as_str().unwrap()))
        .collect();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0], (third.signer.kid(), "active"));
    assert!(listed.contains(&(second.signer.kid(), "retired")));
    assert!(listed.contains(&(first.signer.kid(), "retired")));
    for key in body["keys"].as_array().unwrap() {
        assert_eq!(
            (&key["kty"], &key["crv"], &key["alg"], &key["use"]),
            (&json!("OKP"), &json!("Ed25519"), &json!("EdDSA"), &json!("sig"))
        );
        assert!(key.get("d").is_none(), "no private part is published: {key}");
    }
    let text = body.to_string();
    for key in [&first, &second, &third] {
        assert!(!text.contains(&hex::encode(key.signer.seed())));
        assert!(!text.contains(&b64(&key.signer.seed())));
    }
}

#[tokio::test]
async fn a_statement_signed_before_a_rotation_still_verifies_offline_through_the_published_jwks() {
    let app = TestApp::demo().await;
    let ring = &app.app().keys;
    let old = ring.generate(app.now()).unwrap();
    let payload = json!({"product": "Acme PAS", "round": 2, "services": ["GPC-SEND-DOC"]});
    let jws = ring.load().unwrap().sign_json("scal-test", &payload).unwrap();
    let (new, retired) = ring.rotate(app.now()).unwrap();
    assert_eq!(retired, old.signer.kid());
    let after = ring.load().unwrap().sign_json("scal-test", &payload).unwrap();
    let (_, _, _, jwks) = published(&app).await;

    let checked = verify(&jws, &jwks, &["--typ", "scal-test"]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert!(
        stdout(&checked).contains(&format!("signed by key {}", old.signer.kid())),
        "{}",
        stdout(&checked)
    );
    assert!(
        stdout(&checked).contains("\"product\": \"Acme PAS\""),
        "{}",
        stdout(&checked)
    );

    let checked = verify(&after, &jwks, &["--json", "--typ", "scal-test"]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    let report: Value = serde_json::from_slice(&checked.stdout).unwrap();
    assert_eq!(
        report,
        json!({"verified": true, "kid": new.signer.kid(), "typ": "scal-test", "payload": payload})
    );

    // The JWKS as it was before the rotation does not know the new key.
    let before = json!({"keys": [old.signer.public_jwk(Some(KeyStatus::Active))]});
    let unknown = verify(&after, &before, &["--typ", "scal-test"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("unknown key"), "{}", stderr(&unknown));
}

#[tokio::test]
async fn scal_verify_names_the_check_that_failed() {
    let app = TestApp::empty().await;
    let ring = &app.app().keys;
    ring.generate(app.now()).unwrap();
    let jws = ring.load().unwrap().sign_json("scal-test", &json!({"seq": 1})).unwrap();
    let jwks = serde_json::to_value(ring.load().unwrap().jwks()).unwrap();
    let parts: Vec<&str> = jws.split('.').collect();
    let stranger = Signer::from_seed(&[7; 32]);
    let strangers = stranger.sign_json("scal-test", &json!({"seq": 1})).unwrap();

    let cases = [
        (
            "a forged signature",
            format!("{}.{}.{}", parts[0], parts[1], strangers.split('.').nth(2).unwrap()),
            "bad_signature",
            "bad signature",
        ),
        (
            "an altered payload",
            format!("{}.{}.{}", parts[0], b64(br#"{"seq":2}"#), parts[2]),
            "bad_signature",
            "bad signature",
        ),
        ("an unknown kid", strangers.clone(), "unknown_kid", "unknown key"),
        (
            "a wrong alg",
            format!(
                "{}.{}.{}",
                b64(br#"{"alg":"HS256","kid":"k","typ":"scal-test"}"#),
                parts[1],
                parts[2]
            ),
            "wrong_alg",
            "wrong algorithm",
        ),
        (
            "an unsigned JWS",
            format!("{}.{}.", b64(br#"{"alg":"none"}"#), parts[1]),
            "wrong_alg",
            "wrong algorithm",
        ),
        (
            "two parts",
            format!("{}.{}", parts[0], parts[1]),
            "malformed",
            "malformed",
        ),
        (
            "a header that is not JSON",
            format!("{}.{}.{}", b64(b"alg=EdDSA"), parts[1], parts[2]),
            "malformed",
            "malformed",
        ),
    ];
    for (what, statement, check, words) in cases {
        let text = verify(&statement, &jwks, &[]);
        assert_eq!(text.status.code(), Some(1), "{what}: {}", stderr(&text));
        assert!(
            stderr(&text).contains(&format!("not verified: {words}")),
            "{what}: {}",
            stderr(&text)
        );
        assert!(stdout(&text).is_empty(), "{what}: nothing is printed as verified");
        let json = verify(&statement, &jwks, &["--json"]);
        assert_eq!(json.status.code(), Some(1), "{what}");
        let report: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(
            (&report["verified"], &report["check"]),
            (&json!(false), &json!(check)),
            "{what}"
        );
    }

    let unreadable = Command::new(env!("CARGO_BIN_EXE_scal"))
        .args([
            "verify",
            "/nonexistent/statement.jws",
            "--jwks",
            "/nonexistent/jwks.json",
        ])
        .output()
        .unwrap();
    assert_eq!(unreadable.status.code(), Some(2));
    assert!(stderr(&unreadable).contains("cannot read /nonexistent/statement.jws"));
}

/// `scal verify FILE --jwks FILE` checks a certificate: a checkpoint (or any other statement the
/// same keys sign) does not pass for one, and the type it is is named; `--typ` checks another kind.
#[tokio::test]
async fn scal_verify_checks_a_certificate_unless_told_another_type() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    let Checkpointed::Signed(checkpoint) = scal_app::audit::checkpoint(app.app(), &Actor::System, app.now())
        .await
        .unwrap()
    else {
        panic!("the demo's chain is signed");
    };
    let (_, _, _, jwks) = published(&app).await;

    let refused = verify(&checkpoint.jws, &jwks, &[]);
    assert_eq!(refused.status.code(), Some(1), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains(
            "not verified: wrong type: expected typ \"scal-certificate\", the header says \"scal-audit-checkpoint\""
        ),
        "{}",
        stderr(&refused)
    );
    assert!(stdout(&refused).is_empty(), "nothing is printed as verified");
    let report: Value = serde_json::from_slice(&verify(&checkpoint.jws, &jwks, &["--json"]).stdout).unwrap();
    assert_eq!(
        (&report["verified"], &report["check"]),
        (&json!(false), &json!("wrong_type"))
    );

    let checked = verify(&checkpoint.jws, &jwks, &["--typ", CHECKPOINT_TYP]);
    assert_eq!(checked.status.code(), Some(0), "{}", stderr(&checked));
    assert!(
        stdout(&checked).contains("(typ scal-audit-checkpoint)"),
        "{}",
        stdout(&checked)
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_operator_generates_rotates_and_lists_keys_kept_in_files_only_they_can_read() {
    use std::os::unix::fs::PermissionsExt as _;
    let db = TestDb::fresh().await;
    let generated = scal(&db, &["keys", "generate"]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    let again = scal(&db, &["keys", "generate"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    let rotated = scal(&db, &["keys", "rotate"]);
    assert!(rotated.status.success(), "{}", stderr(&rotated));

    let dir = db.data_dir().join("keys");
    assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    let key_files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "key"))
        .collect();
    assert_eq!(key_files.len(), 2);
    for file in &key_files {
        assert_eq!(
            std::fs::metadata(file).unwrap().permissions().mode() & 0o777,
            0o600,
            "{}",
            file.display()
        );
        let seed = std::fs::read_to_string(file).unwrap();
        for output in [&generated, &rotated] {
            assert!(!stdout(output).contains(seed.trim()) && !stderr(output).contains(seed.trim()));
        }
    }

    let listed = scal(&db, &["keys", "list"]);
    assert!(listed.status.success(), "{}", stderr(&listed));
    let lines: Vec<String> = stdout(&listed).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains(" active ") && lines[1].contains(" retired "),
        "{lines:?}"
    );

    // A key file others may read is refused, saying how to fix it.
    std::fs::set_permissions(&key_files[0], std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = scal(&db, &["keys", "list"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("chmod 600"), "{}", stderr(&refused));
}

#[tokio::test]
async fn keys_from_the_settings_sign_and_are_published_but_not_rotated_here() {
    let db = TestDb::fresh().await;
    let active = "11".repeat(32);
    let retired = "22".repeat(32);
    let output = Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--data-dir")
        .arg(db.data_dir())
        .arg("--database-url")
        .arg(&db.url)
        .args(["keys", "rotate"])
        .env("SCAL_SIGNING_KEYS", format!("{active},{retired}"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("come from the settings"),
        "{}",
        stderr(&output)
    );
    assert!(!db.data_dir().join("keys").exists());
}

/// Rewrites the audit chain from entry `from` as someone with write access to the database could:
/// `after` replaced on that entry, and every later hash recomputed so the chain verifies.
async fn rewrite_chain(pool: &sqlx::AnyPool, from: i64) {
    let entries = scal_store::records::audit::page_in_order(pool, 0, 100_000)
        .await
        .unwrap();
    let mut prev = entries[usize::try_from(from - 2).unwrap()].hash.clone();
    for mut entry in entries.into_iter().filter(|e| e.seq >= from) {
        if entry.seq == from {
            entry.after = Some(json!({"name": "rewritten"}));
        }
        entry.prev_hash = prev;
        entry.hash = entry.compute_hash();
        sqlx::query("UPDATE audit_log SET after_json = $1, prev_hash = $2, hash = $3 WHERE seq = $4")
            .bind(entry.after.as_ref().map(Value::to_string))
            .bind(entry.prev_hash.clone())
            .bind(entry.hash.clone())
            .bind(entry.seq)
            .execute(pool)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
            .bind(entry.hash.clone())
            .execute(pool)
            .await
            .unwrap();
        prev = entry.hash;
    }
}

#[tokio::test]
async fn a_chain_rewritten_with_every_hash_recomputed_verifies_but_its_checkpoint_does_not() {
    let db = TestDb::fresh().await;
    for (ods, name, kind) in [("X26", "NHS England", "nhse"), ("8JK21", "Acme", "supplier")] {
        let added = scal(&db, &["org", "add", "--ods", ods, "--name", name, "--kind", kind]);
        assert!(added.status.success(), "{}", stderr(&added));
    }
    let no_key = scal(&db, &["audit", "checkpoint"]);
    assert_eq!(no_key.status.code(), Some(1));
    assert!(stderr(&no_key).contains("scal keys generate"), "{}", stderr(&no_key));
    assert!(scal(&db, &["keys", "generate"]).status.success());

    let signed = scal(&db, &["audit", "checkpoint"]);
    assert!(signed.status.success(), "{}", stderr(&signed));
    // Entry 3 is the key's generation.
    assert!(stdout(&signed).contains("signed audit entry 3"), "{}", stdout(&signed));
    let unmoved = scal(&db, &["audit", "checkpoint"]);
    assert!(stdout(&unmoved).contains("already signed"), "{}", stdout(&unmoved));
    let added = scal(
        &db,
        &[
            "org",
            "add",
            "--ods",
            "8QW47",
            "--name",
            "Brightwater",
            "--kind",
            "supplier",
        ],
    );
    assert!(added.status.success());
    // A rotation between checkpoints: the first stays verifiable through the retired key.
    assert!(scal(&db, &["keys", "rotate"]).status.success());
    let signed = scal(&db, &["audit", "checkpoint"]);
    assert!(stdout(&signed).contains("signed audit entry 5"), "{}", stdout(&signed));

    let verified = scal(&db, &["audit", "verify"]);
    assert_eq!(verified.status.code(), Some(0), "{}", stderr(&verified));
    assert!(stdout(&verified).contains("audit chain intact: 5 entries"));
    assert!(
        stdout(&verified).contains("2 checkpoint(s) verified; the latest signs entry 5"),
        "{}",
        stdout(&verified)
    );

    let store = scal_store::Store::connect(&db.url, 1).await.unwrap();
    rewrite_chain(store.pool(), 2).await;
    let first_id: String = sqlx::query_scalar("SELECT id FROM audit_checkpoints WHERE seq = 3")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.close().await;

    let caught = scal(&db, &["audit", "verify"]);
    assert_eq!(caught.status.code(), Some(1), "{}", stdout(&caught));
    assert!(
        stdout(&caught).contains("audit chain intact: 5 entries"),
        "the rewrite is invisible to the chain alone: {}",
        stdout(&caught)
    );
    assert!(
        stderr(&caught).contains(&format!("checkpoint {first_id} (audit entry 3, signed "))
            && stderr(&caught).contains("audit entry 3: the entry no longer has the hash that was signed"),
        "{}",
        stderr(&caught)
    );
}

/// Generating and rotating keys are audited with their `kid`; and deleting every checkpoint row
/// does not leave `scal audit verify` saying "no checkpoints yet": the latest is recorded in the
/// data directory, outside the database.
#[tokio::test]
async fn keys_are_audited_and_deleted_checkpoints_are_caught() {
    let db = TestDb::fresh().await;
    let added = scal(
        &db,
        &["org", "add", "--ods", "X26", "--name", "NHS England", "--kind", "nhse"],
    );
    assert!(added.status.success(), "{}", stderr(&added));
    assert!(scal(&db, &["keys", "generate"]).status.success());
    assert!(scal(&db, &["keys", "rotate"]).status.success());
    let listed = stdout(&scal(&db, &["keys", "list"]));
    let kids: Vec<&str> = listed.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(kids.len(), 2, "{listed}");
    let store = scal_store::Store::connect(&db.url, 1).await.unwrap();
    let entries = scal_store::records::audit::page_in_order(store.pool(), 0, 100)
        .await
        .unwrap();
    let kinds: Vec<(&str, String)> = entries
        .iter()
        .map(|e| {
            (
                e.kind.as_str(),
                e.after.as_ref().map(|a| a["kid"].to_string()).unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(kinds[1], ("keys.generated", format!("\"{}\"", kids[1])), "{kinds:?}");
    assert_eq!(kinds[2], ("keys.rotated", format!("\"{}\"", kids[0])), "{kinds:?}");

    assert!(scal(&db, &["audit", "checkpoint"]).status.success());
    assert_eq!(scal(&db, &["audit", "verify"]).status.code(), Some(0));
    sqlx::query("DELETE FROM audit_checkpoints")
        .execute(store.pool())
        .await
        .unwrap();
    store.close().await;
    let caught = scal(&db, &["audit", "verify"]);
    assert_eq!(caught.status.code(), Some(1), "{}", stdout(&caught));
    assert!(
        stderr(&caught).contains("(audit entry 3, signed ")
            && stderr(&caught).contains("is no longer in the database (checkpoints were deleted)"),
        "{}",
        stderr(&caught)
    );
    assert!(!stdout(&caught).contains("no checkpoints yet"), "{}", stdout(&caught));
}

#[tokio::test]
async fn a_forged_or_edited_checkpoint_is_named() {
    let app = TestApp::demo().await;
    let system = Actor::System;
    app.app().keys.generate(app.now()).unwrap();
    let (head_before, _) = scal_store::records::audit::head(app.app().store.pool()).await.unwrap();
    let Checkpointed::Signed(first) = scal_app::audit::checkpoint(app.app(), &system, app.now())
        .await
        .unwrap()
    else {
        panic!("the head is signed")
    };
    assert_eq!(first.seq, head_before);
    // Signing a checkpoint leaves the chain as it was, and a head that has not moved is not
    // signed again (what `serve` does daily).
    let (head_after, _) = scal_store::records::audit::head(app.app().store.pool()).await.unwrap();
    assert_eq!(head_after, head_before);
    assert_eq!(
        scal_app::audit::checkpoint(app.app(), &system, app.now())
            .await
            .unwrap(),
        Checkpointed::Unmoved(first.clone())
    );
    let holds = scal_app::audit::verify_checkpoints(app.app(), &system)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holds.count, 1);

    let pool = app.app().store.pool();
    let set_jws = |jws: String| async move {
        sqlx::query("UPDATE audit_checkpoints SET jws = $1")
            .bind(jws)
            .execute(pool)
            .await
            .unwrap();
    };
    let broken = || async { scal_app::audit::verify_checkpoints(app.app(), &system).await.unwrap() };

    // Forged: the same claim signed by a key that is not ours, under our kid.
    let parts: Vec<&str> = first.jws.split('.').collect();
    let claim: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    let forger = Signer::from_seed(&[9; 32]).sign_json(CHECKPOINT_TYP, &claim).unwrap();
    set_jws(format!(
        "{}.{}.{}",
        parts[0],
        parts[1],
        forger.split('.').nth(2).unwrap()
    ))
    .await;
    let failure = broken().await.unwrap_err();
    assert_eq!((failure.id.as_str(), failure.seq), (first.id.as_str(), first.seq));
    assert!(failure.reason.contains("bad signature"), "{}", failure.reason);

    // Signed by an unknown key altogether.
    set_jws(forger).await;
    assert!(broken().await.unwrap_err().reason.contains("unknown key"));

    // The stored row edited to point at another entry, the JWS left as it was.
    set_jws(first.jws.clone()).await;
    sqlx::query("UPDATE audit_checkpoints SET seq = 1")
        .execute(pool)
        .await
        .unwrap();
    let failure = broken().await.unwrap_err();
    assert!(failure.reason.contains("the stored row differs"), "{}", failure.reason);

    // Another kind of signed statement passed off as a checkpoint.
    let other = app
        .app()
        .keys
        .load()
        .unwrap()
        .sign_json("scal-certificate", &claim)
        .unwrap();
    sqlx::query("UPDATE audit_checkpoints SET seq = $1, jws = $2")
        .bind(first.seq)
        .bind(other)
        .execute(pool)
        .await
        .unwrap();
    assert!(broken().await.unwrap_err().reason.contains("wrong type"));
}

#[tokio::test]
async fn a_broken_chain_is_not_signed() {
    let app = TestApp::demo().await;
    app.app().keys.generate(app.now()).unwrap();
    sqlx::query("UPDATE audit_log SET actor_label = 'someone else' WHERE seq = 2")
        .execute(app.app().store.pool())
        .await
        .unwrap();
    let refused = scal_app::audit::checkpoint(app.app(), &Actor::System, app.now()).await;
    assert!(
        matches!(&refused, Err(scal_app::AppError::Conflict(m)) if m.contains("audit entry 2 is broken")),
        "{refused:?}"
    );
    let none: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_checkpoints")
        .fetch_one(app.app().store.pool())
        .await
        .unwrap();
    assert_eq!(none, 0);
}
