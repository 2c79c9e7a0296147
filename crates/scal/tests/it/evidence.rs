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
    let within = scal_app::evidence::collect_files(app.app(), now, day).await.unwrap();
    assert_eq!(
        (within.removed, within.partials, within.kept),
        (0, 0, 3),
        "nothing within the grace period"
    );

    let after = scal_app::evidence::collect_files(app.app(), now + day + time::Duration::hours(1), day)
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
