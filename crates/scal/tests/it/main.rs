//! scal's one integration-test binary (each file in `tests/` would be a separate slow link, so
//! everything lives under this one). Modules:
//! - `api`: the JSON API's behaviour and bad input;
//! - `pages`: the HTML pages in-process: sign-in, CSRF, throttling, forms;
//! - `passwords`: changing one's password, and reset links;
//! - `access`: who may do what, every route, every role, own and other organisations;
//! - `audit`: the audit chain;
//! - `evidence`: evidence uploads and the organisation's quota;
//! - `openapi`: the snapshot of the OpenAPI document;
//! - `fast`: compressed responses, and stylesheets under a content hash;
//! - `headers`: security headers, cookie names, CSRF on uploads and cross-site posts;
//! - `changes`: what changed since the last round (API, page, `scal review diff`);
//! - `jobs`: the scheduler across a year of the manual clock (each reminder once), `scal jobs run
//!   --as-of`, leases, the upcoming lists, and two instances on PostgreSQL;
//! - `binary`: the real `scal` binary and its commands (and its connection limits);
//! - `operations`: the binary run as a service is: SIGKILL mid-load, a backup under load restored
//!   elsewhere, two instances taking turns on one database, instances migrating at once;
//! - `browser`: headless Chromium with axe-core checks;
//! - `threads`: NHS England's question threads and internal notes;
//! - `certificate_documents`: the certificate as a PDF (read back with `pdftotext`, its QR code
//!   with `zbarimg`) and as the SCAL workbook's certificate sheet;
//! - `signing`: the key ring, `/.well-known/jwks.json`, `scal verify`, audit checkpoints;
//! - `corpus`: generated SCAL-like workbooks in layouts never seen, as written and as LibreOffice
//!   saves them, each with its expected import and check result;
//! - `wire_rules`: the OpenAPI document's integer and range rules kept by the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod agreements;
mod answers;
mod api;
mod audit;
mod binary;
mod browser;
mod certificate_documents;
mod certificates;
mod changes;
mod check;
mod corpus;
mod evidence;
mod fast;
mod headers;
mod jobs;
mod journey;
mod onboarding_pages;
mod openapi;
mod operations;
mod pages;
mod passwords;
mod review;
mod review_workbook;
mod shares;
mod signin;
mod signing;
mod support;
mod templates;
mod testing;
mod threads;
mod uplift;
mod webdriver;
mod wire_rules;
mod workbook;
