//! Fast pages: responses compressed as the client accepts (brotli, gzip, or neither), downloads
//! sent as stored, and stylesheets under a URL holding the hash of their bytes, cached for a year.

use std::io::Read;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use sha2::{Digest, Sha256};

use crate::support::{Session, TestApp, PASSWORD};

async fn get(
    app: &TestApp,
    session: Option<&Session>,
    path: &str,
    encoding: Option<&str>,
) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut request = Request::builder().uri(path);
    if let Some(session) = session {
        request = request.header(header::COOKIE, session.cookie.clone());
    }
    if let Some(encoding) = encoding {
        request = request.header(header::ACCEPT_ENCODING, encoding);
    }
    app.send(request.body(Body::empty()).unwrap()).await
}

fn content_encoding(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::CONTENT_ENCODING).map(|v| v.to_str().unwrap())
}

fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    match encoding {
        "br" => brotli::Decompressor::new(body, 4096).read_to_end(&mut decoded),
        "gzip" => flate2::read::GzDecoder::new(body).read_to_end(&mut decoded),
        other => panic!("unexpected encoding {other}"),
    }
    .unwrap();
    decoded
}

#[tokio::test]
async fn pages_and_api_answers_are_compressed_as_the_client_accepts() {
    let app = TestApp::demo().await;
    let scal = app.issue_scal("Acme PAS", None).await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    for path in [format!("/scals/{scal}"), "/services".into(), "/products".into()] {
        let (status, headers, plain) = get(&app, Some(&session), &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(
            content_encoding(&headers),
            None,
            "no Accept-Encoding, no encoding: {path}"
        );
        assert!(String::from_utf8(plain.clone()).unwrap().contains("</html>"));
        for (accepted, expected) in [
            ("br", "br"),
            ("gzip", "gzip"),
            // What browsers send: brotli is preferred.
            ("gzip, deflate, br, zstd", "br"),
        ] {
            let (status, headers, body) = get(&app, Some(&session), &path, Some(accepted)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(
                content_encoding(&headers),
                Some(expected),
                "{path} accepting {accepted}"
            );
            assert!(
                headers[header::VARY]
                    .to_str()
                    .unwrap()
                    .to_lowercase()
                    .contains("accept-encoding"),
                "{path}: caches keep the encodings apart"
            );
            assert!(body.len() < plain.len(), "{path} with {accepted} is smaller");
            // The same page, but for the CSRF token, masked afresh on every response.
            let page = |bytes: &[u8]| crate::support::without_csrf(&String::from_utf8_lossy(bytes));
            assert_eq!(
                page(&decode(expected, &body)),
                page(&plain),
                "{path} with {accepted} is the same page"
            );
        }
    }
    // An encoding the server does not offer: the page as it is.
    let (_, headers, _) = get(&app, Some(&session), "/services", Some("zstd")).await;
    assert_eq!(content_encoding(&headers), None);

    let token = app.token_for("admin@acme.example").await;
    let request = Request::builder()
        .uri(format!("/api/v1/scals/{scal}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT_ENCODING, "gzip")
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_encoding(&headers), Some("gzip"));
    let json: serde_json::Value = serde_json::from_slice(&decode("gzip", &body)).unwrap();
    assert!(json["sheets"].is_array(), "{json}");
}

#[tokio::test]
async fn downloads_are_sent_as_stored_whatever_the_client_accepts() {
    let app = TestApp::demo().await;
    app.issue_scal("Acme PAS", None).await;
    let product = app.product_id("Acme PAS").await;
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let path = format!("/products/{product}/workbook");
    let (status, _, plain) = get(&app, Some(&session), &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, headers, body) = get(&app, Some(&session), &path, Some("gzip, br")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_encoding(&headers), None);
    assert!(headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert!(body.starts_with(b"PK"), "the workbook itself");
    assert_eq!(body.len(), plain.len());
}

/// The stylesheets a page links to.
fn stylesheets(html: &str) -> Vec<String> {
    html.split("<link rel=\"stylesheet\" href=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn stylesheets_are_served_under_their_hash_and_cached_for_good() {
    let app = TestApp::demo().await;
    let (_, _, login) = get(&app, None, "/login", None).await;
    let links = stylesheets(&String::from_utf8(login).unwrap());
    assert_eq!(links.len(), 2, "{links:?}");
    let session = app.sign_in("admin@acme.example", PASSWORD).await.unwrap();
    let (_, _, dashboard) = get(&app, Some(&session), "/", None).await;
    assert_eq!(
        stylesheets(&String::from_utf8(dashboard).unwrap()),
        links,
        "every page links the same URLs"
    );
    for (link, stem) in links.iter().zip(["nhsuk", "scal"]) {
        // /static/{stem}.{hash}.css, the hash being the start of the served bytes' SHA-256, so it
        // changes whenever they do.
        let hash = link
            .strip_prefix(&format!("/static/{stem}."))
            .and_then(|rest| rest.strip_suffix(".css"))
            .unwrap_or_else(|| panic!("{link}"));
        assert_eq!(hash.len(), scal_web::assets::HASH_DIGITS, "{link}");
        let (status, headers, body) = get(&app, None, link, None).await;
        assert_eq!(status, StatusCode::OK, "{link}");
        assert_eq!(hash, &hex::encode(Sha256::digest(&body))[..hash.len()], "{link}");
        assert_eq!(
            headers[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable",
            "{link}"
        );
        assert_eq!(headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
        assert!(headers.get(header::CONTENT_SECURITY_POLICY).is_some());

        // Compressed like any response, and cached as long.
        let (_, headers, compressed) = get(&app, None, link, Some("br")).await;
        assert_eq!(content_encoding(&headers), Some("br"));
        assert_eq!(decode("br", &compressed), body);
        assert_eq!(headers[header::CACHE_CONTROL], "public, max-age=31536000, immutable");

        // A hash that is not the current one names bytes this server does not have: not found
        // (pages are never cached, so they always link the current one).
        let stale = format!("/static/{stem}.{}.css", "0".repeat(hash.len()));
        let (status, headers, _) = get(&app, None, &stale, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{stale}");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");

        // The unhashed URL still works, revalidated each time.
        let (status, headers, plain) = get(&app, None, &format!("/static/{stem}.css"), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(plain, body);
        assert_eq!(headers[header::CACHE_CONTROL], "no-cache");
    }
    for missing in ["/static/other.css", "/static/scal.js", "/static/..%2Fsecret"] {
        let (status, _, _) = get(&app, None, missing, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
    // The hash follows the bytes.
    assert_ne!(
        scal_web::assets::content_hash(b"body { color: red; }"),
        scal_web::assets::content_hash(b"body { color: blue; }")
    );
}
