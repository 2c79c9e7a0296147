//! Scheduled work that runs once: the scheduler run across a year of the manual clock over a world
//! with every kind of dated obligation (each reminder sent exactly once, to the right people, and
//! a second pass on the same day sending nothing), `scal jobs run --as-of`, and on PostgreSQL two
//! instances claiming jobs and sending reminders at the same moments.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Row;
use time::Duration;

use crate::certificates::{REVIEWER, SUPPLIER};
use crate::support::{audit_count, TestApp};

const NHSE_ADMIN: &str = "admin@nhse.example";
const BRIGHTWATER: &str = "admin@brightwater.example";

/// Acme PAS certified with a condition due in 40 days (its information sheet gives a DSPT
/// published 2026-06-20 and a penetration test of 2026-03-01; its red item's mitigation is due
/// 2027-03-31) and a connection agreement prepared for its administrator; Brightwater EPR
/// submitted with its own red item, waiting for review. Returns (Acme PAS SCAL, Brightwater
/// submission, Acme PAS certificate).
async fn world(app: &TestApp) -> (String, String, String) {
    let (scal, _, certificate) = crate::shares::certified(app, 40).await;
    let nhse_admin = app.token_for(NHSE_ADMIN).await;
    let version = json!({"title": "Connection agreement 2026", "text": "1. Connect only as the SCAL says.", "effective_date": app.now().date().to_string()});
    let (status, version) = app
        .api(
            Method::POST,
            "/api/v1/agreement-versions",
            Some(&nhse_admin),
            Some(version),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{version}");
    let (status, agreement) = app
        .api(
            Method::POST,
            &format!("/api/v1/scals/{scal}/agreements"),
            Some(&nhse_admin),
            Some(json!({"version_id": version["id"], "signatory": SUPPLIER})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{agreement}");
    let (_, submission) = crate::review::submitted_with_a_red_item_for(app, "Brightwater EPR", BRIGHTWATER).await;
    (scal, submission, certificate)
}

/// Every reminder notification as (user's email, message).
async fn reminders(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query(
        "SELECT u.email, n.message FROM notifications n JOIN users u ON u.id = n.user_id \
         WHERE n.kind = 'reminder' ORDER BY n.at, u.email",
    )
    .fetch_all(app.app().store.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get::<String, _>("email"), r.get::<String, _>("message")))
    .collect()
}

/// The emails in the outbox carrying one of these reminders' messages.
async fn reminder_emails(app: &TestApp, told: &[(String, String)]) -> usize {
    scal_app::notifications::outbox(app.app(), false)
        .await
        .unwrap()
        .iter()
        .filter(|m| {
            told.iter()
                .any(|(to, message)| *to == m.to_address && m.body.starts_with(&format!("{message}\n")))
        })
        .count()
}

/// Sent reminders as `kind:threshold` (the subject key's first part), in the order sent, with the
/// day each went.
async fn sent(app: &TestApp) -> Vec<(String, String, time::Date)> {
    scal_store::records::jobs::sent(app.app().store.pool())
        .await
        .unwrap()
        .into_iter()
        .map(|(key, threshold, at)| (key, threshold, scal_app::from_micros(at).date()))
        .collect()
}

fn thresholds_of(sent: &[(String, String, time::Date)], prefix: &str, scal: &str) -> Vec<(String, time::Date)> {
    sent.iter()
        .filter(|(key, ..)| key.starts_with(prefix) && key.contains(scal))
        .map(|(_, t, d)| (t.clone(), *d))
        .collect()
}

fn d(raw: &str) -> time::Date {
    scal_domain::check::parse_date(raw).unwrap()
}

#[tokio::test]
async fn a_year_of_the_scheduler_sends_each_reminder_once_to_the_right_people() {
    let app = TestApp::demo().await;
    let (pas, submission, certificate) = world(&app).await;
    let brightwater_scal = scal_store::records::submissions::get(app.app().store.pool(), &submission)
        .await
        .unwrap()
        .unwrap()
        .scal_id;
    let start = app.now().date();

    // The upcoming lists on day one: the review is due within a week, for the reviewer; the
    // supplier sees nothing of Brightwater's.
    let reviewer = app.token_for(REVIEWER).await;
    let (status, upcoming) = app.api(Method::GET, "/api/v1/upcoming", Some(&reviewer), None).await;
    assert_eq!(status, StatusCode::OK, "{upcoming}");
    let kinds: Vec<&str> = upcoming["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["review_response"], "{upcoming}");
    let supplier = app.token_for(SUPPLIER).await;
    let (_, upcoming) = app.api(Method::GET, "/api/v1/upcoming", Some(&supplier), None).await;
    let kinds: Vec<&str> = upcoming["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["agreement"],
        "only the agreement to sign falls within 30 days: {upcoming}"
    );

    // A year, a day at a time, the scheduler running each morning.
    for day in 0..=365 {
        if day > 0 {
            app.clock.advance(Duration::days(1));
        }
        let runs = scal_app::jobs::run_due(app.app(), "instance-a", app.now())
            .await
            .unwrap();
        assert_eq!(runs.len(), 2, "both jobs were due on day {day}: {runs:?}");
        assert!(runs.iter().all(|r| r.error.is_none()), "{runs:?}");
        if app.now().date() == d("2026-12-20") {
            // Fourteen days before the condition falls due: it is on the supplier's list, not sent.
            let (_, upcoming) = app.api(Method::GET, "/api/v1/upcoming", Some(&supplier), None).await;
            let item = upcoming["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["kind"] == "condition")
                .unwrap_or_else(|| panic!("{upcoming}"))
                .clone();
            assert_eq!(item["on"], (start + Duration::days(40)).to_string());
            assert_eq!(item["overdue"], false);
        }
    }

    let sent = sent(&app).await;
    let condition_due = start + Duration::days(40);
    assert_eq!(
        thresholds_of(&sent, "condition:", ""),
        vec![
            ("7-days-before".to_string(), condition_due - Duration::days(7)),
            ("on-the-day".to_string(), condition_due),
            ("overdue".to_string(), condition_due + Duration::days(1)),
        ]
    );
    assert_eq!(
        thresholds_of(&sent, "pentest:", &pas),
        vec![
            ("30-days-before".to_string(), d("2027-01-30")),
            ("on-the-day".to_string(), d("2027-03-01")),
        ]
    );
    assert_eq!(
        thresholds_of(&sent, "dspt:", &pas),
        vec![
            ("30-days-before".to_string(), d("2027-05-31")),
            ("7-days-before".to_string(), d("2027-06-23")),
            ("1-days-before".to_string(), d("2027-06-29")),
        ]
    );
    for scal in [&pas, &brightwater_scal] {
        assert_eq!(
            thresholds_of(&sent, "red:", scal),
            vec![
                ("7-days-before".to_string(), d("2027-03-24")),
                ("on-the-day".to_string(), d("2027-03-31")),
                ("overdue".to_string(), d("2027-04-01")),
            ],
            "{sent:?}"
        );
    }
    let review = thresholds_of(&sent, "review:", &submission);
    assert_eq!(
        review.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["on-the-day", "overdue"]
    );
    assert_eq!(
        thresholds_of(&sent, "agreement:", ""),
        vec![("pending-7-days".to_string(), start + Duration::days(7))]
    );
    // 3 condition + 2 + 2 penetration tests + 3 DSPT for each SCAL + 3 + 3 red + 2 review + 1
    // agreement: nothing else, and nothing twice.
    assert_eq!(sent.len(), 3 + 2 + 2 + 3 + 3 + 3 + 3 + 2 + 1, "{sent:?}");

    // To the right people, once each: the agreement's signatory only; the review to NHS England's
    // reviewer; Acme's reminders to Acme's users and never to Brightwater's.
    let told = reminders(&app).await;
    let mut per_person: HashMap<(String, String), usize> = HashMap::new();
    for pair in &told {
        *per_person.entry(pair.clone()).or_default() += 1;
    }
    assert!(
        per_person.values().all(|n| *n == 1),
        "a reminder told twice: {per_person:?}"
    );
    let to = |needle: &str| -> Vec<String> {
        let mut who: Vec<String> = told
            .iter()
            .filter(|(_, m)| m.contains(needle))
            .map(|(e, _)| e.clone())
            .collect();
        who.sort();
        who.dedup();
        who
    };
    assert_eq!(to("CNTR0000001"), [SUPPLIER]);
    assert_eq!(to("response to round 1 of Brightwater EPR"), [REVIEWER]);
    assert_eq!(
        to("Acme PAS 4.2 on 2026-03-01"),
        ["admin@acme.example", "dev@acme.example"]
    );
    assert_eq!(to("Brightwater EPR 2.3 on 2026-03-01"), [BRIGHTWATER]);
    let expected_people: i64 = sqlx::query("SELECT CAST(SUM(recipients) AS BIGINT) AS n FROM sent_reminders")
        .fetch_one(app.app().store.pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(told.len() as i64, expected_people);
    assert_eq!(
        reminder_emails(&app, &told).await,
        told.len(),
        "an email with every notification"
    );
    assert_eq!(audit_count(&app, "reminder.sent").await, sent.len());
    let runs: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE kind = 'job.run'")
        .fetch_one(app.app().store.pool())
        .await
        .unwrap()
        .get("n");
    assert_eq!(runs, 2 * 366, "every run audited");

    // A second pass on the same day sends nothing, due or forced.
    let runs = scal_app::jobs::run_due(app.app(), "instance-a", app.now())
        .await
        .unwrap();
    assert!(runs.is_empty(), "nothing due again within the hour: {runs:?}");
    let runs = scal_app::jobs::run_all(app.app(), "instance-b", app.now())
        .await
        .unwrap();
    assert_eq!(runs.iter().map(|r| r.done).sum::<usize>(), 0, "{runs:?}");
    assert_eq!(reminders(&app).await.len(), told.len());

    // After 30 June, Acme PAS's DSPT (published 2026-06-20) is at risk: on its list, overdue.
    let (_, upcoming) = app.api(Method::GET, "/api/v1/upcoming", Some(&supplier), None).await;
    let dspt: Vec<&Value> = upcoming["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "dspt")
        .collect();
    assert_eq!(dspt.len(), 1, "{upcoming}");
    assert_eq!(
        (dspt[0]["on"].as_str(), dspt[0]["overdue"].as_bool()),
        (Some("2027-06-30"), Some(true))
    );
    assert!(dspt[0]["what"].as_str().unwrap().contains("at risk"), "{upcoming}");
    // The same list on the supplier's dashboard, and the at-risk DSPT on the certificate.
    let session = app.sign_in(SUPPLIER, crate::support::PASSWORD).await.unwrap();
    let dashboard = app.page(Some(&session), Method::GET, "/", &[]).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(
        dashboard.html.contains("Coming up in the next 30 days"),
        "{}",
        dashboard.html
    );
    assert!(dashboard.html.contains(">At risk<"), "{}", dashboard.html);
    assert!(
        dashboard.html.contains(&format!("href=\"/scals/{pas}\"")),
        "{}",
        dashboard.html
    );
    let page = app
        .page(
            Some(&session),
            Method::GET,
            &format!("/certificates/{certificate}"),
            &[],
        )
        .await;
    assert!(page.html.contains("DSPT at risk"), "{}", page.html);
    let reviewer_session = app.sign_in(REVIEWER, crate::support::PASSWORD).await.unwrap();
    let dashboard = app.page(Some(&reviewer_session), Method::GET, "/", &[]).await;
    assert!(
        dashboard.html.contains("respond to round 1") && dashboard.html.contains(">Overdue<"),
        "{}",
        dashboard.html
    );
    assert!(
        !dashboard.html.contains("at risk"),
        "Acme's DSPT is the supplier's: {}",
        dashboard.html
    );
}

#[tokio::test]
async fn a_job_held_by_another_instance_is_left_to_it_until_its_lease_expires() {
    let app = TestApp::demo().await;
    let now = app.now();
    scal_store::records::jobs::ensure(app.app().store.pool(), scal_app::jobs::REMINDERS, 0)
        .await
        .unwrap();
    let mut tx = app.app().store.begin().await.unwrap();
    let lease_until = scal_app::micros(now + scal_app::jobs::LEASE);
    assert!(scal_store::records::jobs::claim(
        &mut tx,
        scal_app::jobs::REMINDERS,
        "other",
        scal_app::micros(now),
        lease_until,
        false
    )
    .await
    .unwrap());
    tx.commit().await.unwrap();
    let runs = scal_app::jobs::run_all(app.app(), "mine", now).await.unwrap();
    assert_eq!(
        runs.iter().map(|r| r.job.as_str()).collect::<Vec<_>>(),
        [scal_app::jobs::CERTIFICATE_WATCH],
        "the reminders job is another instance's"
    );
    // The other instance died: after its lease, the job is claimed again.
    let later = now + scal_app::jobs::LEASE + Duration::seconds(1);
    let runs = scal_app::jobs::run_due(app.app(), "mine", later).await.unwrap();
    assert_eq!(
        runs.iter().map(|r| r.job.as_str()).collect::<Vec<_>>(),
        [scal_app::jobs::REMINDERS]
    );
}

#[tokio::test]
async fn scal_jobs_run_as_of_a_date_sends_that_days_reminders_once() {
    let app = TestApp::demo().await;
    world(&app).await;
    let run = |date: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
            .arg("--data-dir")
            .arg(app.db.data_dir())
            .arg("--database-url")
            .arg(&app.db.url)
            .args(["jobs", "run", "--as-of", date])
            .env("SCAL_LOG", "warn")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    // The condition (due in 40 days) is 7 days away on 2026-12-27.
    let first = run("2026-12-27");
    assert!(first.contains("reminders sent: "), "{first}");
    assert!(!first.contains("reminders sent: 0"), "{first}");
    let sent = scal_store::records::jobs::sent(app.app().store.pool()).await.unwrap();
    assert!(
        sent.iter().any(|(k, t, at)| k.starts_with("condition:")
            && t == "7-days-before"
            && scal_app::from_micros(*at) == time::macros::datetime!(2026-12-27 09:00 UTC)),
        "{sent:?}"
    );
    let again = run("2026-12-27");
    assert!(again.contains("reminders sent: 0"), "{again}");
    // The server's own schedule stays on the real clock: a pass as of a later day does not push
    // its next runs to that day.
    let rows = sqlx::query("SELECT next_run_at FROM jobs")
        .fetch_all(app.app().store.pool())
        .await
        .unwrap();
    let tomorrow = time::OffsetDateTime::now_utc() + time::Duration::days(1);
    for row in rows {
        let next: i64 = sqlx::Row::try_get(&row, "next_run_at").unwrap();
        assert!(
            scal_app::from_micros(next) < tomorrow,
            "next run {next} follows the real clock"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scal"))
        .arg("--data-dir")
        .arg(app.db.data_dir())
        .arg("--database-url")
        .arg(&app.db.url)
        .args(["jobs", "run", "--as-of", "2026-02-30"])
        .env("SCAL_LOG", "warn")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as-of"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgresql_claim_jobs_and_send_each_reminder_once() {
    if std::env::var("SCAL_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .is_none()
    {
        eprintln!("skipped: set SCAL_TEST_DATABASE_URL to run two instances on PostgreSQL");
        return;
    }
    let app = TestApp::demo().await;
    world(&app).await;
    // A second instance: its own pool on the same database.
    let store = scal_store::Store::open(&app.db.url, 5).await.unwrap();
    let other = scal_app::App::new(store, app.app().settings.clone());
    let (a, b) = (app.app().clone(), other.clone());
    for _ in 0..=365 {
        let now = app.now();
        // Both schedulers at the same moment, and both reminder senders without leases, to hold
        // the insert-once rule to real contention.
        let (runs_a, runs_b, sent_a, sent_b) = tokio::join!(
            scal_app::jobs::run_due(&a, "instance-a", now),
            scal_app::jobs::run_due(&b, "instance-b", now),
            scal_app::jobs::send_reminders(&a, now),
            scal_app::jobs::send_reminders(&b, now),
        );
        let (runs_a, runs_b) = (runs_a.unwrap(), runs_b.unwrap());
        sent_a.unwrap();
        sent_b.unwrap();
        for job in [scal_app::jobs::REMINDERS, scal_app::jobs::CERTIFICATE_WATCH] {
            let claims = runs_a.iter().chain(&runs_b).filter(|r| r.job == job).count();
            assert_eq!(claims, 1, "{job} run by exactly one instance: {runs_a:?} {runs_b:?}");
        }
        app.clock.advance(Duration::days(1));
    }
    let sent = sent(&app).await;
    assert_eq!(sent.len(), 3 + 2 + 2 + 3 + 3 + 3 + 3 + 2 + 1, "{sent:?}");
    let told = reminders(&app).await;
    let mut per_person: HashMap<(String, String), usize> = HashMap::new();
    for pair in &told {
        *per_person.entry(pair.clone()).or_default() += 1;
    }
    assert!(
        per_person.values().all(|n| *n == 1),
        "a reminder told twice: {per_person:?}"
    );
    assert_eq!(audit_count(&app, "reminder.sent").await, sent.len());
    other.store.close().await;
}

#[tokio::test]
async fn an_end_user_organisation_sees_what_falls_due_on_the_products_shared_with_it() {
    let app = TestApp::demo().await;
    let (_, product, _) = crate::shares::certified(&app, 10).await;
    let euo = app.token_for(crate::shares::EUO).await;
    let (_, upcoming) = app.api(Method::GET, "/api/v1/upcoming", Some(&euo), None).await;
    assert!(
        upcoming["items"].as_array().unwrap().is_empty(),
        "nothing shared yet: {upcoming}"
    );
    let supplier = app.token_for(SUPPLIER).await;
    let (status, share) = app
        .api(
            Method::POST,
            &format!("/api/v1/products/{product}/shares"),
            Some(&supplier),
            Some(json!({"euo_ods": "Y0R1V"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{share}");
    let (_, upcoming) = app.api(Method::GET, "/api/v1/upcoming", Some(&euo), None).await;
    let items = upcoming["items"].as_array().unwrap();
    assert_eq!(
        items.len(),
        1,
        "the condition due in 10 days, not the supplier's red item: {upcoming}"
    );
    assert_eq!(items[0]["kind"], "condition");
    assert_eq!(items[0]["link"], format!("/shares/{}", share["id"].as_str().unwrap()));
    let session = app.sign_in(crate::shares::EUO, crate::support::PASSWORD).await.unwrap();
    let dashboard = app.page(Some(&session), Method::GET, "/", &[]).await;
    assert!(dashboard.html.contains("In 10 days"), "{}", dashboard.html);
    // Reminders are not theirs: the condition's go to the supplier.
    app.clock.advance(Duration::days(3));
    scal_app::jobs::run_due(app.app(), "a", app.now()).await.unwrap();
    let told = reminders(&app).await;
    assert!(!told.is_empty());
    assert!(told.iter().all(|(to, _)| to.ends_with("@acme.example")), "{told:?}");
}
