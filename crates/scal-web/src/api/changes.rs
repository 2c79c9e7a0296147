//! What changed since the last round: `GET /api/v1/submissions/{id}/changes`. The same JSON is
//! what `scal review diff --json` prints.

use axum::extract::{Path, State};
use axum::Json;
use scal_app::changes::RoundChanges;
use scal_domain::snapshot::{CaseDiff, EvidenceChange, FieldChange, ItemDiff, ScopeDiff, StepDiff};
use serde::Serialize;
use utoipa::ToSchema;

use super::{wire, ApiActor};
use crate::error::ErrorBody;
use crate::{ApiError, AppState};

/// A round compared with the round before it of the same SCAL. Round 1 has nothing to compare
/// with: `previous_round` is null and every list is empty.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundChangesOut {
    pub submission_id: String,
    pub scal_id: String,
    pub round: i64,
    /// The round compared with (`round - 1`); null for round 1.
    pub previous_round: Option<i64>,
    pub previous_submission_id: Option<String>,
    /// Requirements added, removed or changed in any way, in this round's order, then those
    /// only the previous round had. A requirement not listed is in both rounds and the same.
    pub items: Vec<ItemChangeOut>,
    /// Per sheet, requirements scoped out in one round and not the other.
    pub scoped_out: Vec<ScopeChangeOut>,
    /// Per service, a case added or removed, another use case, or steps in another state.
    pub cases: Vec<CaseChangeOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemChangeOut {
    /// The sheet's name.
    pub sheet: String,
    pub requirement_id: String,
    /// `added` (not in the previous round), `removed` (not in this one) or `changed`.
    pub change: wire::Presence,
    /// Its colour in the previous round; null when it was not there.
    pub rag_before: Option<wire::Rag>,
    /// The same in this round.
    pub rag_after: Option<wire::Rag>,
    /// The fields that differ. An added item lists every field it has, a removed one every
    /// field it had.
    pub fields: Vec<FieldChangeOut>,
    pub evidence: Vec<EvidenceChangeOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChangeOut {
    pub field: wire::ItemField,
    /// Null when empty. A level is `must`, `must_not`, `should`, `should_not`, `may` or
    /// `unspecified`.
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceChangeOut {
    pub file_name: String,
    /// `added`, `removed` or `replaced` (the same file name with other content).
    pub change: String,
    /// The file's SHA-256 in the previous round (null when added).
    pub sha256_before: Option<String>,
    /// In this round (null when removed).
    pub sha256_after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScopedOutRowOut {
    pub requirement_id: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScopeChangeOut {
    pub sheet: String,
    /// Scoped out in this round and not the previous one.
    pub added: Vec<ScopedOutRowOut>,
    /// Scoped out in the previous round and not this one.
    pub removed: Vec<ScopedOutRowOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UseCaseChangeOut {
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepChangeOut {
    #[schema(minimum = 1, maximum = 10)]
    pub number: u8,
    pub name: String,
    /// Null when the case was not there.
    pub before: Option<wire::StepState>,
    pub after: Option<wire::StepState>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseChangeOut {
    /// The service code.
    pub service: String,
    pub change: wire::Presence,
    /// Present when the use case differs.
    pub use_case: Option<UseCaseChangeOut>,
    /// The steps whose state differs, by number.
    pub steps: Vec<StepChangeOut>,
}

fn field(f: &FieldChange) -> FieldChangeOut {
    FieldChangeOut {
        field: f.field.as_str().into(),
        before: f.before.clone(),
        after: f.after.clone(),
    }
}

fn evidence(e: &EvidenceChange) -> EvidenceChangeOut {
    let (change, before, after) = match e {
        EvidenceChange::Added { sha256, .. } => ("added", None, Some(sha256.clone())),
        EvidenceChange::Removed { sha256, .. } => ("removed", Some(sha256.clone()), None),
        EvidenceChange::Replaced { before, after, .. } => ("replaced", Some(before.clone()), Some(after.clone())),
    };
    EvidenceChangeOut {
        file_name: e.name().into(),
        change: change.into(),
        sha256_before: before,
        sha256_after: after,
    }
}

fn item(i: &ItemDiff) -> ItemChangeOut {
    ItemChangeOut {
        sheet: i.sheet.clone(),
        requirement_id: i.id.clone(),
        change: i.presence.as_str().into(),
        rag_before: i.rag_before.map(|r| r.as_str().into()),
        rag_after: i.rag_after.map(|r| r.as_str().into()),
        fields: i.fields.iter().map(field).collect(),
        evidence: i.evidence.iter().map(evidence).collect(),
    }
}

fn scope(s: &ScopeDiff) -> ScopeChangeOut {
    let rows = |rows: &[(String, String)]| {
        rows.iter()
            .map(|(id, reason)| ScopedOutRowOut {
                requirement_id: id.clone(),
                reason: reason.clone(),
            })
            .collect()
    };
    ScopeChangeOut {
        sheet: s.sheet.clone(),
        added: rows(&s.added),
        removed: rows(&s.removed),
    }
}

fn step(s: &StepDiff) -> StepChangeOut {
    StepChangeOut {
        number: s.number,
        name: scal_domain::onboarding::Step::ALL
            .get(usize::from(s.number).saturating_sub(1))
            .map_or_else(|| format!("Step {}", s.number), |step| step.name().into()),
        before: s.before.map(|st| st.as_str().into()),
        after: s.after.map(|st| st.as_str().into()),
    }
}

fn case(c: &CaseDiff) -> CaseChangeOut {
    CaseChangeOut {
        service: c.service.clone(),
        change: c.presence.as_str().into(),
        use_case: c.use_case.as_ref().map(|(before, after)| UseCaseChangeOut {
            before: before.clone(),
            after: after.clone(),
        }),
        steps: c.steps.iter().map(step).collect(),
    }
}

impl From<&RoundChanges> for RoundChangesOut {
    fn from(changes: &RoundChanges) -> Self {
        let s = &changes.submission.submission;
        let diff = changes.diff.as_ref();
        Self {
            submission_id: s.id.clone(),
            scal_id: s.scal_id.clone(),
            round: s.round,
            previous_round: changes.previous.as_ref().map(|(_, round)| *round),
            previous_submission_id: changes.previous.as_ref().map(|(id, _)| id.clone()),
            items: diff.map(|d| d.items.iter().map(item).collect()).unwrap_or_default(),
            scoped_out: diff
                .map(|d| d.scoped_out.iter().map(scope).collect())
                .unwrap_or_default(),
            cases: diff.map(|d| d.cases.iter().map(case).collect()).unwrap_or_default(),
        }
    }
}

/// What changed in a round since the round before it of the same SCAL: per requirement the
/// answer, justification, mitigation, target date, level and wording (before and after) and the
/// linked files (added, removed, or the same name with another SHA-256); requirements scoped out;
/// and per service the use case and the ten steps' states. Compared as submitted, so it never
/// changes. Suppliers see their own rounds, NHS England every one.
#[utoipa::path(get, path = "/api/v1/submissions/{id}/changes", tag = "onboarding", security(("bearer" = [])),
    params(("id" = String, Path, format = Uuid, description = "Submission ID")),
    responses((status = 200, body = RoundChangesOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn round_changes(
    State(state): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<RoundChangesOut>, ApiError> {
    let changes = scal_app::changes::of_round(&state.app, &actor, &id).await?;
    Ok(Json(RoundChangesOut::from(&changes)))
}
