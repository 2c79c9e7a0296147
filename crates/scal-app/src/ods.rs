//! The optional live ODS lookup: `GET {base}/organisations/{code}` on the ODS ORD API. Off unless
//! `ods_base_url` is set. Any failure (network, timeout, unreadable reply) becomes
//! [`OdsLookup::Failed`], a warning on the case, never an error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use scal_domain::onboarding::OdsLookup;
use scal_domain::OdsCode;
use time::{Duration, OffsetDateTime};

use crate::App;

/// Answers already had, so pages that show cases do not ask the directory every time: an answer
/// for a day, a failure for five minutes.
#[derive(Debug, Clone, Default)]
pub(crate) struct OdsAnswers(Arc<Mutex<HashMap<String, (OffsetDateTime, OdsLookup)>>>);

fn kept_for(outcome: &OdsLookup) -> Duration {
    match outcome {
        OdsLookup::Failed(_) => Duration::minutes(5),
        _ => Duration::days(1),
    }
}

/// Asks the directory about `code` as of `now`, when lookups are configured.
pub async fn lookup(app: &App, code: &OdsCode, now: OffsetDateTime) -> Option<OdsLookup> {
    let base = app.settings.ods_base_url.clone()?;
    let cached = app.ods_answers.0.lock().ok().and_then(|answers| {
        answers
            .get(code.as_str())
            .filter(|(at, outcome)| now - *at < kept_for(outcome))
            .map(|(_, outcome)| outcome.clone())
    });
    if let Some(outcome) = cached {
        return Some(outcome);
    }
    let url = format!("{}/organisations/{}", base.trim_end_matches('/'), code.as_str());
    let outcome = tokio::task::spawn_blocking(move || fetch(&url))
        .await
        .unwrap_or_else(|e| OdsLookup::Failed(e.to_string()));
    if let Ok(mut answers) = app.ods_answers.0.lock() {
        answers.insert(code.as_str().to_string(), (now, outcome.clone()));
    }
    Some(outcome)
}

fn fetch(url: &str) -> OdsLookup {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = match agent.get(url).header("Accept", "application/json").call() {
        Ok(response) => response,
        Err(error) => return OdsLookup::Failed(error.to_string()),
    };
    match response.status().as_u16() {
        200 => {}
        404 => return OdsLookup::NotFound,
        other => return OdsLookup::Failed(format!("the directory answered HTTP {other}")),
    }
    let body: serde_json::Value = match response.body_mut().with_config().limit(1024 * 1024).read_json() {
        Ok(body) => body,
        Err(error) => return OdsLookup::Failed(format!("unreadable reply: {error}")),
    };
    parse(&body)
}

/// The parts of an ORD `Organisation` record the check needs.
pub fn parse(body: &serde_json::Value) -> OdsLookup {
    let organisation = &body["Organisation"];
    let Some(name) = organisation["Name"].as_str() else {
        return OdsLookup::Failed("the reply has no Organisation.Name".into());
    };
    let name = name.to_string();
    match organisation["Status"].as_str() {
        Some(status) if status.eq_ignore_ascii_case("active") => OdsLookup::Active { name },
        _ => OdsLookup::Inactive { name },
    }
}
