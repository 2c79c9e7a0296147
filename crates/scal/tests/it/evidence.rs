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

async fn stored_files(app: &TestApp) -> usize {
    let data = app.db.data_dir().join("evidence");
    let Ok(fans) = std::fs::read_dir(&data) else { return 0 };
    fans.flatten()
        .map(|fan| std::fs::read_dir(fan.path()).map_or(0, |files| files.count()))
        .sum()
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
