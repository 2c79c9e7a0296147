//! Technical conformance testing of an accepted SCAL: NHS England's witness-test results.

use axum::extract::{Path, State};
use axum::Json;
use scal_app::testing::{ResultInput, ScalTesting};
use scal_domain::testing::{TestOutcome, TestingStatus};
use scal_store::records::test_results::TestResultRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::onboarding::EvidenceOut;
use super::{rfc3339, wire, ApiActor};
use crate::error::ErrorBody;
use crate::extract::ApiJson;
use crate::{ApiError, AppState};

/// A witness test's result.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeOut {
    /// The product passed the test.
    Passed,
    /// It failed: the supplier must put right what `remedial_action` says.
    RemedialActionNeeded,
    /// The test does not apply to this product.
    NotApplicable,
}

impl From<TestOutcome> for OutcomeOut {
    fn from(outcome: TestOutcome) -> Self {
        match outcome {
            TestOutcome::Passed => Self::Passed,
            TestOutcome::RemedialActionNeeded => Self::RemedialActionNeeded,
            TestOutcome::NotApplicable => Self::NotApplicable,
        }
    }
}

/// Where a case's testing stands, derived from its results:
/// `not_required` (the service needs no testing, e.g. an open-access API),
/// `no_test_cases` (its requirements name none: nothing to test),
/// `not_started` (no result yet), `in_progress` (some results, and a test case still has none or
/// needs remedial action), `complete` (every test case passed or not applicable).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TestingStatusOut {
    NotRequired,
    NoTestCases,
    NotStarted,
    InProgress,
    Complete,
}

impl From<TestingStatus> for TestingStatusOut {
    fn from(status: TestingStatus) -> Self {
        match status {
            TestingStatus::NotRequired => Self::NotRequired,
            TestingStatus::NoTestCases => Self::NoTestCases,
            TestingStatus::NotStarted => Self::NotStarted,
            TestingStatus::InProgress { .. } => Self::InProgress,
            TestingStatus::Complete => Self::Complete,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResultOut {
    pub outcome: OutcomeOut,
    /// What the supplier must put right (remedial action needed only).
    pub remedial_action: Option<String>,
    /// The supplier's evidence files the result cites.
    pub evidence: Vec<EvidenceOut>,
    /// Who recorded it.
    pub recorded_by: String,
    pub recorded_at: wire::Timestamp,
}

impl From<TestResultRecord> for TestResultOut {
    fn from(r: TestResultRecord) -> Self {
        Self {
            outcome: r.outcome.into(),
            remedial_action: r.remedial_action,
            evidence: r.evidence.into_iter().map(Into::into).collect(),
            recorded_by: r.recorded_by,
            recorded_at: rfc3339(r.recorded_at).into(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestCaseOut {
    /// As the requirements name it, like `GPCM-SD-TST-01`.
    pub id: String,
    /// The requirements that name it, by ID.
    pub requirements: Vec<String>,
    /// The latest result; none yet when null.
    pub result: Option<TestResultOut>,
}

/// How many test cases have each result, and how many have none.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct TestCountsOut {
    pub passed: usize,
    pub remedial_action_needed: usize,
    pub not_applicable: usize,
    pub outstanding: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseTestingOut {
    /// The service's code.
    pub service: String,
    pub service_name: String,
    /// Whether the service needs testing (the catalogue's flag).
    pub testing_required: bool,
    pub status: TestingStatusOut,
    /// The status in words, as the pages show it.
    pub status_label: String,
    pub counts: TestCountsOut,
    /// In the order the requirements name them.
    pub test_cases: Vec<TestCaseOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestingOut {
    pub scal_id: String,
    /// The accepted round; results are recorded only once there is one.
    pub accepted_round: Option<i64>,
    /// Every test case of every case that needs testing is passed or not applicable.
    pub complete: bool,
    /// What keeps testing from completing, in words, e.g. "GPCM-SD-TST-01 (GPC-SEND-DOC) has no
    /// result yet".
    pub incomplete: Vec<String>,
    pub cases: Vec<CaseTestingOut>,
}

impl From<ScalTesting> for TestingOut {
    fn from(t: ScalTesting) -> Self {
        let incomplete: Vec<String> = t.incomplete().iter().map(|b| b.message()).collect();
        Self {
            scal_id: t.scal.id,
            accepted_round: t.accepted_round,
            complete: incomplete.is_empty(),
            incomplete,
            cases: t
                .cases
                .into_iter()
                .map(|c| {
                    let mut counts = TestCountsOut::default();
                    for test in &c.test_cases {
                        match test.result.as_ref().map(|r| r.outcome) {
                            Some(TestOutcome::Passed) => counts.passed += 1,
                            Some(TestOutcome::RemedialActionNeeded) => counts.remedial_action_needed += 1,
                            Some(TestOutcome::NotApplicable) => counts.not_applicable += 1,
                            None => counts.outstanding += 1,
                        }
                    }
                    CaseTestingOut {
                        service: c.service.code.as_str().into(),
                        service_name: c.service.name,
                        testing_required: c.service.testing_required,
                        status: c.status.into(),
                        status_label: c.status.label().into(),
                        counts,
                        test_cases: c
                            .test_cases
                            .into_iter()
                            .map(|t| TestCaseOut {
                                id: t.id,
                                requirements: t.requirements,
                                result: t.result.map(Into::into),
                            })
                            .collect(),
                    }
                })
                .collect(),
        }
    }
}

/// The SCAL's technical conformance testing: per case, its test cases (from the requirements'
/// test case column), the latest witness-test result of each and the case's status (NHS England,
/// or the SCAL's supplier).
#[utoipa::path(get, path = "/api/v1/scals/{id}/testing", tag = "testing", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID")),
    responses((status = 200, body = TestingOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get_testing(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<TestingOut>, ApiError> {
    Ok(Json(scal_app::testing::for_scal(&state.app, &actor, &id).await?.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TestResultIn {
    /// As the service's requirements name it (case does not matter).
    #[serde(default)]
    #[schema(required)]
    pub test_case_id: wire::TestCaseId,
    /// `passed`, `remedial_action_needed` (the supplier must put right what `remedial_action`
    /// says) or `not_applicable`.
    #[serde(default)]
    #[schema(required)]
    pub outcome: wire::TestOutcome,
    /// What the supplier must put right: required for `remedial_action_needed`, ignored
    /// otherwise.
    #[serde(default)]
    pub remedial_action: wire::OptionalText5000,
    /// IDs of the supplier's evidence files the result cites.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub evidence_ids: Vec<wire::Id>,
}

/// Records NHS England's witness-test result of one test case of the SCAL's case for a service,
/// replacing any earlier result (every result stays in the audit log). NHS England only (the
/// supplier: 403). 409 until NHS England has accepted the SCAL; 422 naming `test_case_id` for a
/// test case the service's requirements do not name, `service` for a service that needs no
/// testing, `outcome`, `remedial_action` or `evidence_ids`. The supplier is told when remedial
/// action is needed and when the SCAL's testing completes.
#[utoipa::path(post, path = "/api/v1/scals/{id}/testing/{service}/results", tag = "testing", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "SCAL ID"), ("service" = wire::ServiceCode, Path, description = "Service code of one of the SCAL's cases")),
    request_body = TestResultIn,
    responses((status = 200, body = TestingOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_result(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path((id, service)): Path<(String, String)>,
    ApiJson(body): ApiJson<TestResultIn>,
) -> Result<Json<TestingOut>, ApiError> {
    let input = ResultInput {
        outcome: body.outcome.into(),
        remedial_action: body.remedial_action.into(),
        evidence_ids: body.evidence_ids.into_iter().map(Into::into).collect(),
    };
    let testing = scal_app::testing::record(
        &state.app,
        &actor,
        &id,
        &service,
        &body.test_case_id,
        &input,
        state.now(),
    )
    .await?;
    Ok(Json(testing.into()))
}
