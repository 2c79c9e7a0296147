//! Technical conformance testing of an accepted SCAL: per case, the test cases its requirements
//! name, NHS England's latest witness-test result of each, and where the case's testing stands
//! (`scal_domain::testing`, the one rule). NHS England records results; the supplier sees them.
//!
//! The test cases are read from the SCAL's sheets for the case's service. Once a round is
//! accepted the SCAL is read-only (`scals::ensure_editable`), so those sheets are exactly the
//! accepted round's.

use std::collections::BTreeMap;

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::service::{Service, ServiceCode};
use scal_domain::testing::{
    parse_test_result, test_case_ids, CaseTesting, TestBlocker, TestOutcome, TestResultInput, TestingStatus,
    MAX_EVIDENCE,
};
use scal_domain::{FieldError, Invalid};
use scal_store::records::cases::{self, CaseRecord};
use scal_store::records::evidence::{self, EvidenceRecord};
use scal_store::records::scals::{self, ScalRecord};
use scal_store::records::services;
use scal_store::records::test_results::{self, TestResultRecord};
use scal_store::ProductRecord;
use time::OffsetDateTime;

use crate::scals::{get_scal, scal_view_on, ScalView};
use crate::{audit_entry, micros, new_id, App, AppError, Result};

/// One test case of a case, with its latest result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TestCaseView {
    pub id: String,
    /// The requirements that name it, by ID, in the sheet's order.
    pub requirements: Vec<String>,
    pub result: Option<TestResultRecord>,
}

/// One case's testing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseTestingView {
    pub case_id: String,
    pub service: Service,
    pub status: TestingStatus,
    pub test_cases: Vec<TestCaseView>,
}

impl CaseTestingView {
    pub fn test_case(&self, id: &str) -> Option<&TestCaseView> {
        self.test_cases.iter().find(|t| t.id.eq_ignore_ascii_case(id))
    }
}

/// A SCAL's testing: every case, and whether it is complete.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScalTesting {
    pub scal: ScalRecord,
    pub product: ProductRecord,
    /// The accepted round's number; results are recorded only once there is one.
    pub accepted_round: Option<i64>,
    pub cases: Vec<CaseTestingView>,
    #[serde(skip)]
    rule: Vec<CaseTesting>,
}

impl ScalTesting {
    /// The test cases that keep testing from completing (the certificate gate's rule).
    pub fn incomplete(&self) -> Vec<TestBlocker> {
        scal_domain::testing::incomplete(&self.rule)
    }

    /// Every test case of every case that needs testing is passed or not applicable.
    pub fn complete(&self) -> bool {
        self.incomplete().is_empty()
    }

    /// The case for a service, by its code (any case).
    pub fn case(&self, service: &str) -> Option<&CaseTestingView> {
        self.cases
            .iter()
            .find(|c| c.service.code.as_str().eq_ignore_ascii_case(service))
    }
}

/// The SCAL's testing (NHS England, or the SCAL's supplier; others: not found).
pub async fn for_scal(app: &App, actor: &Actor, scal_id: &str) -> Result<ScalTesting> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::ReadOnboarding, Some(&product.org_id))?;
    let mut conn = app.store.acquire().await?;
    let view = scal_view_on(&mut conn, app, scal, product).await?;
    read_on(&mut conn, view).await
}

/// The testing of `view`'s SCAL, its cases, catalogue and results read on `conn`.
pub(crate) async fn read_on(conn: &mut scal_store::Conn, view: ScalView) -> Result<ScalTesting> {
    let records = cases::for_scal(&mut *conn, &view.scal.id).await?;
    let catalogue = services::list(&mut *conn).await?;
    let results = test_results::for_scal(&mut *conn, &view.scal.id).await?;
    Ok(assemble(view, records, &catalogue, results))
}

/// The test case IDs of a service's sheets, each with the requirements naming it.
fn test_cases_of(view: &ScalView, service: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let requirements = view
        .sheets
        .iter()
        .filter(|s| s.service_code.as_deref() == Some(service))
        .flat_map(|s| s.requirements.iter().map(|r| &r.requirement));
    for requirement in requirements {
        let Some(cell) = requirement.test_cases.as_deref() else {
            continue;
        };
        for id in test_case_ids([cell]) {
            match out.iter_mut().find(|(known, _)| known.eq_ignore_ascii_case(&id)) {
                Some((_, named_by)) => {
                    if !named_by.contains(&requirement.id) {
                        named_by.push(requirement.id.clone());
                    }
                }
                None => out.push((id, vec![requirement.id.clone()])),
            }
        }
    }
    out
}

fn assemble(
    view: ScalView,
    records: Vec<CaseRecord>,
    catalogue: &[Service],
    results: Vec<TestResultRecord>,
) -> ScalTesting {
    let mut cases = Vec::new();
    let mut rule = Vec::new();
    for record in records {
        let Some(service) = catalogue
            .iter()
            .find(|s| s.code.as_str() == record.service_code)
            .cloned()
        else {
            continue;
        };
        let mut latest: BTreeMap<String, TestResultRecord> = results
            .iter()
            .filter(|r| r.case_id == record.id)
            .map(|r| (r.test_case_id.clone(), r.clone()))
            .collect();
        let test_cases: Vec<TestCaseView> = test_cases_of(&view, &record.service_code)
            .into_iter()
            .map(|(id, requirements)| TestCaseView {
                result: latest.remove(&id),
                id,
                requirements,
            })
            .collect();
        let testing = CaseTesting {
            service: record.service_code.clone(),
            required: service.testing_required,
            test_cases: test_cases.iter().map(|t| t.id.clone()).collect(),
            results: test_cases
                .iter()
                .filter_map(|t| t.result.as_ref().map(|r| (t.id.clone(), r.outcome)))
                .collect(),
        };
        cases.push(CaseTestingView {
            case_id: record.id,
            status: testing.status(),
            service,
            test_cases,
        });
        rule.push(testing);
    }
    ScalTesting {
        accepted_round: view.accepted_round().map(|r| r.round),
        scal: view.scal,
        product: view.product,
        cases,
        rule,
    }
}

/// A result as sent.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ResultInput {
    /// `passed`, `remedial_action_needed` or `not_applicable`.
    #[serde(default)]
    pub outcome: String,
    /// What the supplier must put right (remedial action needed only).
    #[serde(default)]
    pub remedial_action: String,
    /// The supplier's evidence files the result cites.
    #[serde(default)]
    pub evidence_ids: Vec<String>,
}

/// Records NHS England's witness-test result of one test case of the SCAL's case for `service`,
/// replacing any earlier one (the audit log keeps every result). Refused (409) until NHS England
/// has accepted the SCAL. The supplier is told when remedial action is needed, and when the
/// SCAL's testing completes.
pub async fn record(
    app: &App,
    actor: &Actor,
    scal_id: &str,
    service: &str,
    test_case_id: &str,
    input: &ResultInput,
    now: OffsetDateTime,
) -> Result<ScalTesting> {
    let (scal, product) = get_scal(app, actor, scal_id).await?;
    authorize(actor, Action::RecordTestResults, Some(&product.org_id))?;
    let service = ServiceCode::parse(service).map_err(|_| AppError::NotFound)?;
    let mut tx = app.store.begin().await?;
    let scal = scals::lock_scal(&mut tx, &scal.id).await?.ok_or(AppError::NotFound)?;
    let view = scal_view_on(tx.conn(), app, scal, product.clone()).await?;
    let before = read_on(tx.conn(), view).await?;
    let case = before.case(service.as_str()).ok_or(AppError::NotFound)?.clone();
    let Some(round) = before.accepted_round else {
        return Err(AppError::Conflict(
            "Test results are recorded once NHS England has accepted the SCAL".into(),
        ));
    };

    let mut invalid = Invalid::default();
    if !case.service.testing_required {
        invalid.0.push(FieldError::new(
            "service",
            format!("{} does not need testing", case.service.name),
        ));
    }
    let test_case = case
        .test_case(scal_domain::field::trim(test_case_id))
        .map(|t| t.id.clone());
    if test_case.is_none() {
        invalid.0.push(FieldError::new(
            "test_case_id",
            format!(
                "The requirements of {} name no test case {}",
                case.service.name,
                scal_domain::field::trim(test_case_id)
            ),
        ));
    }
    let result = match parse_test_result(TestResultInput {
        outcome: &input.outcome,
        remedial_action: &input.remedial_action,
    }) {
        Ok(result) => Some(result),
        Err(errors) => {
            invalid.0.extend(errors.0);
            None
        }
    };
    let files = invalid.check(cited_files(&mut tx, &product.org_id, &input.evidence_ids).await?);
    let (test_case, result, files) = invalid.finish(|| Some((test_case?, result?, files?)))?;

    let record = TestResultRecord {
        id: new_id(),
        case_id: case.case_id.clone(),
        test_case_id: test_case.clone(),
        outcome: result.outcome,
        remedial_action: result.remedial_action.clone(),
        recorded_by: actor.label().to_string(),
        recorded_at: micros(now),
        evidence: files,
    };
    let previous = test_results::replace(tx.conn(), &record).await?;
    let view = scal_view_on(tx.conn(), app, before.scal.clone(), product.clone()).await?;
    let after = read_on(tx.conn(), view).await?;
    let status = after.case(service.as_str()).map(|c| c.status);
    tx.audit(audit_entry(
        actor,
        now,
        "testing.result_recorded",
        Some(&product.org_id),
        &before.scal.id,
        previous.as_ref().map(result_json),
        Some(serde_json::json!({
            "round": round,
            "service": case.service.code.as_str(),
            "result": result_json(&record),
            "status": status.map(TestingStatus::as_str),
            "testing_complete": after.complete(),
        })),
    ))
    .await?;
    tell_supplier(&mut tx, &before, &after, &case.service, &record, now).await?;
    tx.commit().await?;
    Ok(after)
}

fn result_json(r: &TestResultRecord) -> serde_json::Value {
    serde_json::json!({
        "test_case_id": r.test_case_id,
        "outcome": r.outcome.as_str(),
        "remedial_action": r.remedial_action,
        "evidence": r.evidence.iter().map(|f| serde_json::json!({"id": f.id, "file": f.file_name, "sha256": f.sha256})).collect::<Vec<_>>(),
        "recorded_by": r.recorded_by,
        "recorded_at": r.recorded_at,
    })
}

/// The cited files, each once in the order given: the supplier's own evidence, read inside the
/// transaction. Another organisation's file is refused as an unknown one.
async fn cited_files(
    tx: &mut scal_store::Tx,
    org_id: &str,
    ids: &[String],
) -> Result<Result<Vec<EvidenceRecord>, FieldError>> {
    let refuse = |message: String| Ok(Err(FieldError::new("evidence_ids", message)));
    if ids.len() > MAX_EVIDENCE {
        return refuse(format!("Choose at most {MAX_EVIDENCE} files"));
    }
    let mut files: Vec<EvidenceRecord> = Vec::new();
    for id in ids {
        let id = scal_domain::field::trim(id);
        let file = match crate::known_id(id) {
            Ok(id) => evidence::get(tx.conn(), id).await?,
            Err(_) => None,
        };
        match file {
            Some(file) if file.org_id == org_id => {
                if !files.iter().any(|f| f.id == file.id) {
                    files.push(file);
                }
            }
            _ => return refuse(format!("There is no file {id} in the supplier's evidence")),
        }
    }
    Ok(Ok(files))
}

async fn tell_supplier(
    tx: &mut scal_store::Tx,
    before: &ScalTesting,
    after: &ScalTesting,
    service: &Service,
    record: &TestResultRecord,
    now: OffsetDateTime,
) -> Result<()> {
    let name = after.product.details.title();
    let link = format!("/scals/{}/testing", after.scal.id);
    let completed = !before.complete() && after.complete();
    if record.outcome != TestOutcome::RemedialActionNeeded && !completed {
        return Ok(());
    }
    let suppliers = crate::notifications::organisation_users(tx, &after.product.org_id).await?;
    if record.outcome == TestOutcome::RemedialActionNeeded {
        crate::notifications::tell(
            tx,
            &suppliers,
            "test_remedial_action",
            &format!("Remedial action needed: {name}"),
            &format!(
                "{name}: NHS England's witness test of {} ({}) needs remedial action: {}",
                record.test_case_id,
                service.name,
                record.remedial_action.as_deref().unwrap_or_default()
            ),
            &link,
            now,
        )
        .await?;
    }
    if completed {
        crate::notifications::tell(
            tx,
            &suppliers,
            "testing_complete",
            &format!("Technical testing complete: {name}"),
            &format!("{name}: every test case NHS England witnessed has passed or does not apply."),
            &link,
            now,
        )
        .await?;
    }
    Ok(())
}
