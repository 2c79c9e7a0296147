//! The success banner after an action: every form that changes something redirects with a
//! [`Notice`], and the page it lands on shows it once, at the top (the NHS.UK notification
//! banner). The notice travels in a short-lived cookie holding only its code, so the text shown
//! comes from the fixed list below (nothing from the address or the user is echoed), a reload or
//! a bookmark does not show it again (the cookie is cleared once a page has shown it), and any
//! instance behind a load balancer can show it.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};

use crate::session::set_cookie;

/// What was just done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    AnswerSaved,
    AnswerSavedButBlocks,
    SheetAnswered,
    UseCaseSaved,
    InformationConfirmed,
    EvidenceUploaded,
    EvidenceLinked,
    EvidenceUnlinked,
    EvidenceDeleted,
    ScalIssued,
    TemplatePublished,
    SubmissionReturned,
    ReviewAssigned,
    ProductSaved,
    OrganisationSaved,
    UserSaved,
    ServiceSaved,
    ReviewersChanged,
    NotificationsRead,
    TokenRevoked,
    VerdictSaved,
    RoundAccepted,
    RoundWithdrawn,
    EnquiryQuestionSent,
    EnquiryDeclined,
    EnquiryAnswered,
    ThreadOpened,
    ReplySent,
    ThreadResolved,
    NoteAdded,
    ReviewWorkbookRecorded,
    ReviewWorkbookUnchanged,
    CertificateIssued,
    CertificateRevoked,
    ConditionMet,
    ConditionConfirmed,
    TestResultSaved,
    TestingComplete,
    AgreementVersionPublished,
    AgreementAcceptanceRequested,
    AgreementPrepared,
    AgreementAccepted,
    AgreementSignatoryChanged,
    AgreementWithdrawn,
    GoLiveApproved,
    ShareCreated,
    ShareFilesSaved,
    ShareRevoked,
    UsePolicyPublished,
    UsePolicyAcknowledged,
    LocalAssuranceSaved,
    LocalDecisionRecorded,
    GoLiveDateRecorded,
    ScalsUplifted,
    ProductChangeDeclared,
    ChangeConfirmed,
}

impl Notice {
    const ALL: [Notice; 56] = [
        Self::AnswerSaved,
        Self::AnswerSavedButBlocks,
        Self::SheetAnswered,
        Self::UseCaseSaved,
        Self::InformationConfirmed,
        Self::EvidenceUploaded,
        Self::EvidenceLinked,
        Self::EvidenceUnlinked,
        Self::EvidenceDeleted,
        Self::ScalIssued,
        Self::TemplatePublished,
        Self::SubmissionReturned,
        Self::ReviewAssigned,
        Self::ProductSaved,
        Self::OrganisationSaved,
        Self::UserSaved,
        Self::ServiceSaved,
        Self::ReviewersChanged,
        Self::NotificationsRead,
        Self::TokenRevoked,
        Self::VerdictSaved,
        Self::RoundAccepted,
        Self::RoundWithdrawn,
        Self::EnquiryQuestionSent,
        Self::EnquiryDeclined,
        Self::EnquiryAnswered,
        Self::ThreadOpened,
        Self::ReplySent,
        Self::ThreadResolved,
        Self::NoteAdded,
        Self::ReviewWorkbookRecorded,
        Self::ReviewWorkbookUnchanged,
        Self::CertificateIssued,
        Self::CertificateRevoked,
        Self::ConditionMet,
        Self::ConditionConfirmed,
        Self::TestResultSaved,
        Self::TestingComplete,
        Self::AgreementVersionPublished,
        Self::AgreementAcceptanceRequested,
        Self::AgreementPrepared,
        Self::AgreementAccepted,
        Self::AgreementSignatoryChanged,
        Self::AgreementWithdrawn,
        Self::GoLiveApproved,
        Self::ShareCreated,
        Self::ShareFilesSaved,
        Self::ShareRevoked,
        Self::UsePolicyPublished,
        Self::UsePolicyAcknowledged,
        Self::LocalAssuranceSaved,
        Self::LocalDecisionRecorded,
        Self::GoLiveDateRecorded,
        Self::ScalsUplifted,
        Self::ProductChangeDeclared,
        Self::ChangeConfirmed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::AnswerSaved => "answer-saved",
            Self::AnswerSavedButBlocks => "answer-saved-blocks",
            Self::SheetAnswered => "sheet-answered",
            Self::UseCaseSaved => "use-case-saved",
            Self::InformationConfirmed => "information-confirmed",
            Self::EvidenceUploaded => "evidence-uploaded",
            Self::EvidenceLinked => "evidence-linked",
            Self::EvidenceUnlinked => "evidence-unlinked",
            Self::EvidenceDeleted => "evidence-deleted",
            Self::ScalIssued => "scal-issued",
            Self::TemplatePublished => "template-published",
            Self::SubmissionReturned => "submission-returned",
            Self::ReviewAssigned => "review-assigned",
            Self::ProductSaved => "product-saved",
            Self::OrganisationSaved => "organisation-saved",
            Self::UserSaved => "user-saved",
            Self::ServiceSaved => "service-saved",
            Self::ReviewersChanged => "reviewers-changed",
            Self::NotificationsRead => "notifications-read",
            Self::TokenRevoked => "token-revoked",
            Self::VerdictSaved => "verdict-saved",
            Self::RoundAccepted => "round-accepted",
            Self::RoundWithdrawn => "round-withdrawn",
            Self::EnquiryQuestionSent => "enquiry-question-sent",
            Self::EnquiryDeclined => "enquiry-declined",
            Self::EnquiryAnswered => "enquiry-answered",
            Self::ThreadOpened => "thread-opened",
            Self::ReplySent => "reply-sent",
            Self::ThreadResolved => "thread-resolved",
            Self::NoteAdded => "note-added",
            Self::ReviewWorkbookRecorded => "review-workbook-recorded",
            Self::ReviewWorkbookUnchanged => "review-workbook-unchanged",
            Self::CertificateIssued => "certificate-issued",
            Self::CertificateRevoked => "certificate-revoked",
            Self::ConditionMet => "condition-met",
            Self::ConditionConfirmed => "condition-confirmed",
            Self::TestResultSaved => "test-result-saved",
            Self::TestingComplete => "testing-complete",
            Self::AgreementVersionPublished => "agreement-version-published",
            Self::AgreementAcceptanceRequested => "agreement-acceptance-requested",
            Self::AgreementPrepared => "agreement-prepared",
            Self::AgreementAccepted => "agreement-accepted",
            Self::AgreementSignatoryChanged => "agreement-signatory-changed",
            Self::AgreementWithdrawn => "agreement-withdrawn",
            Self::GoLiveApproved => "go-live-approved",
            Self::ShareCreated => "share-created",
            Self::ShareFilesSaved => "share-files-saved",
            Self::ShareRevoked => "share-revoked",
            Self::UsePolicyPublished => "use-policy-published",
            Self::UsePolicyAcknowledged => "use-policy-acknowledged",
            Self::LocalAssuranceSaved => "local-assurance-saved",
            Self::LocalDecisionRecorded => "local-decision-recorded",
            Self::GoLiveDateRecorded => "go-live-date-recorded",
            Self::ScalsUplifted => "scals-uplifted",
            Self::ProductChangeDeclared => "product-change-declared",
            Self::ChangeConfirmed => "change-confirmed",
        }
    }

    /// Whether this is a warning (the action worked, but something still needs doing).
    pub fn is_warning(self) -> bool {
        matches!(self, Self::AnswerSavedButBlocks)
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.code() == code)
    }

    /// The banner's heading and, where it helps, what happens next.
    pub fn text(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::AnswerSaved => ("Your answer has been saved", None),
            Self::AnswerSavedButBlocks => (
                "Your answer has been saved, but it will stop you submitting",
                Some("A No to a MUST needs a justification, a mitigation and a target date before the SCAL can be submitted."),
            ),
            Self::SheetAnswered => (
                "Your answer has been saved: every question on this sheet is answered",
                Some("Check the red and amber items, then check your answers and submit from the SCAL page."),
            ),
            Self::UseCaseSaved => ("The use case has been saved", None),
            Self::InformationConfirmed => (
                "The supplier and product information has been confirmed",
                Some("You can submit the SCAL once every step is complete."),
            ),
            Self::EvidenceUploaded => ("The file has been uploaded", None),
            Self::EvidenceLinked => ("The file has been linked to the question", None),
            Self::EvidenceUnlinked => ("The file has been unlinked from the question", None),
            Self::EvidenceDeleted => ("The file has been deleted", None),
            Self::ScalIssued => (
                "The SCAL has been issued",
                Some("The supplier has been told and can start answering it."),
            ),
            Self::TemplatePublished => (
                "The version has been published",
                Some("It can now be issued to suppliers. A published version never changes."),
            ),
            Self::SubmissionReturned => (
                "The SCAL has been returned to the supplier",
                Some("They have been told what to change and can submit it again."),
            ),
            Self::ReviewAssigned => ("The review has a reviewer", None),
            Self::ProductSaved => ("The product has been saved", None),
            Self::OrganisationSaved => ("The organisation has been saved", None),
            Self::UserSaved => ("The user has been saved", None),
            Self::ServiceSaved => ("The service has been saved", None),
            Self::ReviewersChanged => ("The reviewers have been changed", None),
            Self::NotificationsRead => ("Every notification has been marked as read", None),
            Self::TokenRevoked => ("The API token has been revoked", None),
            Self::VerdictSaved => ("Your verdict has been saved", None),
            Self::RoundAccepted => (
                "The round has been accepted",
                Some("It is now the accepted SCAL and the supplier has been told. It can no longer be changed."),
            ),
            Self::EnquiryQuestionSent => (
                "Your question has been sent to the supplier",
                Some("The request waits for their answer; you will be told when they reply."),
            ),
            Self::EnquiryDeclined => ("The request has been declined", Some("The supplier has been told why.")),
            Self::EnquiryAnswered => (
                "Your answer has been sent to NHS England",
                Some("They will issue the SCAL or ask something else."),
            ),
            Self::RoundWithdrawn => (
                "The round has been withdrawn",
                Some("NHS England has been told. You can change the SCAL and submit it again."),
            ),
            Self::ThreadOpened => (
                "Your question has been sent to the supplier",
                Some("They have been told and can answer here. You will be told when they do."),
            ),
            Self::ReplySent => ("Your reply has been sent", Some("The other side has been told.")),
            Self::ThreadResolved => ("The thread has been resolved", None),
            Self::NoteAdded => ("The internal note has been saved", Some("Only NHS England can see it.")),
            Self::ReviewWorkbookRecorded => (
                "The verdicts in the workbook have been recorded",
                Some("Rows you did not change were left as they were."),
            ),
            Self::CertificateIssued => (
                "The certificate has been issued",
                Some("It is signed, the supplier has been told, and anyone can check it on its verify page."),
            ),
            Self::CertificateRevoked => ("The certificate has been revoked", Some("The supplier has been told.")),
            Self::ConditionMet => (
                "NHS England has been told the condition is met",
                Some("It counts once NHS England confirms it."),
            ),
            Self::ConditionConfirmed => ("The condition has been confirmed as met", None),
            Self::ReviewWorkbookUnchanged => (
                "No verdict was recorded: nothing in the workbook had changed",
                None,
            ),
            Self::TestResultSaved => (
                "The test result has been saved",
                Some("The supplier can see it, and has been told if remedial action is needed."),
            ),
            Self::AgreementVersionPublished => (
                "The agreement version has been published",
                Some("NHS England can now prepare agreements on it, or ask existing parties to accept it."),
            ),
            Self::AgreementAcceptanceRequested => (
                "Acceptance of the new version has been requested",
                Some("Each party's signatory has been told."),
            ),
            Self::AgreementPrepared => (
                "The agreement has been prepared",
                Some("The signatory has been told and can accept it."),
            ),
            Self::AgreementAccepted => (
                "You have accepted the agreement",
                Some("Your acceptance is sealed. NHS England has been told."),
            ),
            Self::AgreementSignatoryChanged => (
                "The signatory has been changed",
                Some("The new signatory has been told and can accept it."),
            ),
            Self::AgreementWithdrawn => (
                "The agreement has been withdrawn",
                Some("Its signatory has been told. You can prepare a new one."),
            ),
            Self::GoLiveApproved => ("Go-live has been approved", Some("The supplier has been told: it is live.")),
            Self::ShareCreated => ("The SCAL has been shared", None),
            Self::ShareFilesSaved => ("The files shared have been saved", None),
            Self::ShareRevoked => ("The share has been revoked", Some("The organisation can no longer see the SCAL or its files.")),
            Self::UsePolicyPublished => ("The acceptable use policy has been published", Some("Every organisation it is shared with has been asked to acknowledge it.")),
            Self::UsePolicyAcknowledged => ("You have acknowledged the acceptable use policy", None),
            Self::LocalAssuranceSaved => ("Your local assurance has been saved", None),
            Self::LocalDecisionRecorded => ("Your decision has been recorded", None),
            Self::GoLiveDateRecorded => ("The go-live date has been recorded", None),
            Self::ScalsUplifted => ("The SCALs have been uplifted", Some("Each supplier has been told what changed and when it is due.")),
            Self::ProductChangeDeclared => ("NHS England has been told about the change", Some("Check the sheets reopened, confirm them and submit the SCAL again.")),
            Self::ChangeConfirmed => ("Confirmed", None),
            Self::TestingComplete => (
                "The test result has been saved: testing is complete",
                Some("Every test case has passed or does not apply. The supplier is told when testing completes."),
            ),
        }
    }
}

/// The notice cookie's name: `__Host-scal_notice` when cookies are Secure.
pub fn notice_cookie(secure: bool) -> &'static str {
    if secure {
        "__Host-scal_notice"
    } else {
        "scal_notice"
    }
}

/// A 303 to `to` that shows `notice` on the page it lands on.
pub fn see_other_with(secure: bool, to: &str, notice: Notice) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = HeaderValue::from_str(&set_cookie(notice_cookie(secure), notice.code(), 120, secure)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The `Set-Cookie` that forgets a notice once a page has shown it.
pub fn cleared(secure: bool) -> Option<HeaderValue> {
    HeaderValue::from_str(&set_cookie(notice_cookie(secure), "", 0, secure)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_and_unknown_codes_show_nothing() {
        for notice in Notice::ALL {
            assert_eq!(Notice::parse(notice.code()), Some(notice));
        }
        assert_eq!(Notice::parse("<script>"), None);
    }
}
