//! Evidence uploads and the organisation's quota.

use axum::http::StatusCode;

use crate::support::{TestApp, PASSWORD};

/// A SCAL issued to the demo supplier's product, and its ID.
async fn issued_scal(app: &TestApp) -> String {
    let product = app.product_id("Acme PAS").await;
    let template = scal_app::templates::list(app.app(), &scal_app::Actor::System)
        .await
        .unwrap()[0]
        .0
        .id
        .clone();
    let reviewer = scal_store::records::users::get_by_email(app.app().store.pool(), "reviewer@nhse.example")
        .await
        .unwrap()
        .unwrap();
    scal_app::scals::issue(
        app.app(),
        &scal_app::auth::actor_for(&reviewer),
        &product,
        &template,
        None,
        app.now(),
    )
    .await
    .unwrap();
    scal_store::records::scals::scal_for_product(app.app().store.pool(), &product)
        .await
        .unwrap()
        .unwrap()
}

/// How many files the app's file store holds (its directory, or its bucket prefix).
async fn stored_files(app: &TestApp) -> usize {
    app.app().files.list().await.unwrap().len()
}

/// With a 1,000-byte quota: 600 bytes fit; the same file again takes no more room; another 600
/// bytes would go over and are refused as a field error saying what is used and the quota, on the
/// API (422) and on the upload page (its error summary), leaving no row and no file behind.
#[tokio::test]
async fn an_upload_over_the_organisations_quota_is_refused_on_both_surfaces_and_nothing_is_kept() {
    let app = TestApp::demo_with_app(scal_web::WebSettings::default(), |settings| {
        settings.evidence_quota_bytes = 1_000;
    })
    .await;
    let scal = issued_scal(&app).await;
    let token = app.token_for("dev@acme.example").await;
    let path = |name: &str| format!("/api/v1/scals/{scal}/evidence?file_name={name}");
    let first = vec![b'a'; 600];
    let second = vec![b'b'; 600];

    let (status, _, body) = app.api_upload(&path("first.txt"), &token, first.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _, body) = app.api_upload(&path("first-again.txt"), &token, first).await;
    assert_eq!(status, StatusCode::CREATED, "the same bytes take no more room: {body}");
    assert_eq!(stored_files(&app).await, 1);

    let (status, _, body) = app.api_upload(&path("second.txt"), &token, second.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "file");
    assert_eq!(
        body["error"]["message"],
        "This file (600 bytes) would take your organisation's evidence over its quota: 600 bytes of 1000 bytes is \
         used. Ask NHS England if you need more room"
    );

    let session = app.sign_in("dev@acme.example", PASSWORD).await.unwrap();
    let page = app
        .multipart(
            &session,
            &format!("/scals/{scal}/evidence"),
            Some(("second.txt", &second)),
            &[],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", page.html);
    assert!(page.html.contains("There is a problem"), "{}", page.html);
    assert!(
        page.html
            .contains("would take your organisation&#39;s evidence over its quota")
            || page
                .html
                .contains("would take your organisation's evidence over its quota"),
        "{}",
        page.html
    );

    let (status, listed) = app
        .api(
            axum::http::Method::GET,
            &format!("/api/v1/scals/{scal}/evidence"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(2),
        "only the two accepted uploads: {listed}"
    );
    assert_eq!(stored_files(&app).await, 1, "no file kept for a refused upload");
}

/// `scal files gc`: the bytes of a rolled-back upload and of deleted evidence go once the grace
/// period is over; a file a row refers to never goes; nothing goes within the grace period; in a
/// directory, what an interrupted write left goes too. The store's own clock judges ages, so the
/// collection is run as if a day had passed.
#[tokio::test]
async fn files_no_row_refers_to_are_collected_after_the_grace_period_and_nothing_else() {
    use sha2::Digest as _;
    let app = TestApp::demo().await;
    let scal = issued_scal(&app).await;
    let token = app.token_for("dev@acme.example").await;
    let path = |name: &str| format!("/api/v1/scals/{scal}/evidence?file_name={name}");
    let (status, _, kept) = app.api_upload(&path("kept.txt"), &token, b"kept".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{kept}");
    let (status, _, deleted) = app.api_upload(&path("deleted.txt"), &token, b"deleted".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{deleted}");
    let (status, _) = app
        .api(
            axum::http::Method::DELETE,
            &format!("/api/v1/evidence/{}", deleted["id"].as_str().unwrap()),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The bytes of an upload whose transaction rolled back: written, no row.
    let orphan = b"rolled back".to_vec();
    let orphan_key = hex::encode(sha2::Sha256::digest(&orphan));
    app.app().files.put(&orphan_key, &orphan).await.unwrap();
    // In a directory, half a file from a write the process did not live to finish.
    let partial = app.db.file_store_url.is_none().then(|| {
        let fan = app.db.data_dir().join("evidence").join(&orphan_key[..2]);
        let partial = fan.join(format!("{orphan_key}.partial-0000"));
        std::fs::write(&partial, b"half").unwrap();
        partial
    });
    let before = stored_files(&app).await;
    assert_eq!(before, 3, "kept, deleted and the rolled-back upload's bytes");

    let day = time::Duration::hours(24);
    let now = time::OffsetDateTime::now_utc();
    let within = scal_app::evidence::collect_files(app.app(), now, day, false, false)
        .await
        .unwrap();
    assert_eq!(
        (within.removed, within.partials, within.kept),
        (0, 0, 3),
        "nothing within the grace period"
    );

    let later = now + day + time::Duration::hours(1);
    let dry = scal_app::evidence::collect_files(app.app(), later, day, true, false)
        .await
        .unwrap();
    assert_eq!((dry.removed, dry.kept), (2, 1), "{dry:?}");
    assert_eq!(stored_files(&app).await, 3, "a dry run removes nothing");

    // Run against a database these files are not from (empty, freshly migrated): refused, as
    // it would remove every file.
    let elsewhere = crate::support::TestDb::fresh().await;
    let mut wrong = scal_app::App::new(
        scal_store::Store::open(&elsewhere.url, 2).await.unwrap(),
        scal_app::AppSettings::default(),
    );
    wrong.files = app.app().files.clone();
    let refused = scal_app::evidence::collect_files(&wrong, later, day, false, false).await;
    assert!(
        matches!(&refused, Err(scal_app::AppError::Conflict(m)) if m.contains("is this the database those files belong to")),
        "{refused:?}"
    );
    assert_eq!(stored_files(&app).await, 3);

    let after = scal_app::evidence::collect_files(app.app(), later, day, false, false)
        .await
        .unwrap();
    assert_eq!((after.removed, after.kept), (2, 1), "{after:?}");
    assert_eq!(after.partials, usize::from(partial.is_some()));
    let left: Vec<String> = app
        .app()
        .files
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.key)
        .collect();
    assert_eq!(left, [kept["sha256"].as_str().unwrap()]);
    if let Some(partial) = partial {
        assert!(!partial.exists());
    }
    let (status, _, body) = app
        .send(
            axum::http::Request::builder()
                .uri(format!("/api/v1/evidence/{}", kept["id"].as_str().unwrap()))
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!((status, body.as_slice()), (StatusCode::OK, b"kept".as_slice()));
}

/// A store that acknowledges a write and keeps nothing: what an upload sees when a collection
/// removed its bytes between the write and the row.
#[derive(Debug)]
struct Forgetful(std::sync::Arc<dyn scal_store::files::FileStore>);

impl scal_store::files::FileStore for Forgetful {
    fn put<'a>(&'a self, _key: &'a str, _bytes: &'a [u8]) -> scal_store::files::FileFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
    fn get<'a>(&'a self, key: &'a str) -> scal_store::files::FileFuture<'a, Vec<u8>> {
        self.0.get(key)
    }
    fn list(&self) -> scal_store::files::FileFuture<'_, Vec<scal_store::files::StoredFile>> {
        self.0.list()
    }
    fn written_at<'a>(&'a self, key: &'a str) -> scal_store::files::FileFuture<'a, Option<std::time::SystemTime>> {
        self.0.written_at(key)
    }
    fn delete<'a>(&'a self, key: &'a str) -> scal_store::files::FileFuture<'a, ()> {
        self.0.delete(key)
    }
    fn sweep_partials(&self, before: std::time::SystemTime) -> scal_store::files::FileFuture<'_, usize> {
        self.0.sweep_partials(before)
    }
}

/// A row never refers to a missing file: an upload whose bytes are gone by the time its row would
/// commit is refused as busy (try again), storing no row.
#[tokio::test]
async fn an_upload_whose_bytes_went_before_its_row_committed_is_refused_and_stores_no_row() {
    let app = TestApp::demo().await;
    let scal = issued_scal(&app).await;
    let mut forgetful = scal_app::App::new(app.app().store.clone(), app.app().settings.clone());
    forgetful.files = std::sync::Arc::new(Forgetful(app.app().files.clone()));
    let supplier = scal_store::records::users::get_by_email(app.app().store.pool(), "dev@acme.example")
        .await
        .unwrap()
        .unwrap();
    let actor = scal_app::auth::actor_for(&supplier);
    let refused = scal_app::evidence::upload(&forgetful, &actor, &scal, "plan.txt", b"a plan", app.now()).await;
    assert!(matches!(refused, Err(scal_app::AppError::Busy { .. })), "{refused:?}");
    let listed = scal_app::evidence::list(app.app(), &actor, &scal).await.unwrap();
    assert!(listed.is_empty(), "no row: {listed:?}");
    // The same upload where the bytes stay: stored.
    let stored = scal_app::evidence::upload(app.app(), &actor, &scal, "plan.txt", b"a plan", app.now()).await;
    assert!(stored.is_ok(), "{stored:?}");
}
