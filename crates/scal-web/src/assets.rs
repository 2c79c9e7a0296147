//! Static assets (the two stylesheets), served under a URL that holds a hash of their bytes, so a
//! browser may keep them for a year: a changed file has a new URL, and every page asks for the URL
//! of the bytes this build serves (`Asset::url`).
//!
//! A hashed URL whose hash is not the current one is 404, not the current bytes: a URL names one
//! content, and pages (never cached) and assets come from the same process. The unhashed URLs
//! (`/static/scal.css`) still work, with a cache that revalidates, for anything that kept them.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// How many hex digits of the SHA-256 a URL carries: enough to tell versions apart, short enough
/// to read.
pub const HASH_DIGITS: usize = 8;

/// The cache policy of a hashed URL: its bytes can never change.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// The cache policy of an unhashed URL: its bytes change with the build.
pub const REVALIDATE: &str = "no-cache";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asset {
    /// nhsuk-frontend's stylesheet.
    NhsukCss,
    /// scal's few additions.
    ScalCss,
}

impl Asset {
    pub const ALL: [Asset; 2] = [Asset::NhsukCss, Asset::ScalCss];

    fn stem(self) -> &'static str {
        match self {
            Asset::NhsukCss => "nhsuk",
            Asset::ScalCss => "scal",
        }
    }

    fn extension(self) -> &'static str {
        "css"
    }

    fn content_type(self) -> &'static str {
        "text/css; charset=utf-8"
    }

    pub fn bytes(self) -> &'static [u8] {
        match self {
            Asset::NhsukCss => include_bytes!("../assets/nhsuk.min.css"),
            Asset::ScalCss => include_bytes!("../assets/scal.css"),
        }
    }

    /// The URL pages link to: `/static/{stem}.{hash}.{extension}`, computed once per process.
    pub fn url(self) -> &'static str {
        static URLS: LazyLock<Vec<(Asset, String)>> = LazyLock::new(|| {
            Asset::ALL
                .iter()
                .map(|asset| {
                    let url = format!(
                        "/static/{}.{}.{}",
                        asset.stem(),
                        content_hash(asset.bytes()),
                        asset.extension()
                    );
                    (*asset, url)
                })
                .collect()
        });
        URLS.iter()
            .find(|(asset, _)| *asset == self)
            .map_or("/static/missing", |(_, url)| url.as_str())
    }

    /// The URL without its hash, as served before assets were hashed.
    fn plain_file(self) -> String {
        format!("{}.{}", self.stem(), self.extension())
    }
}

/// The first `HASH_DIGITS` hex digits of the SHA-256 of `bytes`.
pub fn content_hash(bytes: &[u8]) -> String {
    let mut hex = hex::encode(Sha256::digest(bytes));
    hex.truncate(HASH_DIGITS);
    hex
}

/// `GET /static/{file}`: a hashed URL (immutable), an unhashed one (revalidated), else 404.
pub async fn serve(Path(file): Path<String>) -> Response {
    for asset in Asset::ALL {
        let cache = if asset.url().strip_prefix("/static/") == Some(file.as_str()) {
            IMMUTABLE
        } else if file == asset.plain_file() {
            REVALIDATE
        } else {
            continue;
        };
        return (
            [
                (header::CONTENT_TYPE, asset.content_type()),
                (header::CACHE_CONTROL, cache),
            ],
            asset.bytes(),
        )
            .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}
