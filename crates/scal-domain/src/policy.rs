//! Who may do what. Every route, UI and API, and every CLI command reaches the data through the
//! application services, and every service asks [`authorize`] first: this module is the only place
//! access rules live.
//!
//! Two kinds of refusal, deliberately different:
//! - [`Denied::NotFound`]: the resource belongs to an organisation the actor may not see. It must
//!   look exactly like an ID that does not exist, so IDs of other tenants leak nothing.
//! - [`Denied::Forbidden`]: the actor can see the resource (or the action has no resource) but their
//!   role may not do this.

use crate::organisation::OrgKind;
use crate::user::Role;

/// Who is acting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user (browser session or API token).
    User {
        user_id: String,
        org_id: String,
        role: Role,
        email: String,
    },
    /// The operator at the `scal` command line, who owns the installation.
    System,
}

impl Actor {
    pub fn user_id(&self) -> Option<&str> {
        match self {
            Self::User { user_id, .. } => Some(user_id),
            Self::System => None,
        }
    }

    pub fn org_id(&self) -> Option<&str> {
        match self {
            Self::User { org_id, .. } => Some(org_id),
            Self::System => None,
        }
    }

    /// How the actor appears in the audit log.
    pub fn label(&self) -> &str {
        match self {
            Self::User { email, .. } => email,
            Self::System => "cli",
        }
    }

    pub fn role(&self) -> Option<Role> {
        match self {
            Self::User { role, .. } => Some(*role),
            Self::System => None,
        }
    }

    pub fn is_nhse(&self) -> bool {
        match self {
            Self::User { role, .. } => role.org_kind() == OrgKind::Nhse,
            Self::System => true,
        }
    }

    /// Whether data owned by `org_id` is visible at all. NHS England staff see every organisation;
    /// everyone else sees only their own.
    pub fn can_see_org(&self, org_id: &str) -> bool {
        match self {
            Self::User { org_id: own, role, .. } => role.org_kind() == OrgKind::Nhse || own == org_id,
            Self::System => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ReadOrganisation,
    CreateOrganisation,
    EditOrganisation,
    ReadUsers,
    ManageUsers,
    ReadProducts,
    CreateProduct,
    EditProduct,
    ReadServices,
    ManageServices,
    /// Create, list and revoke one's own API tokens.
    ManageOwnTokens,
    ReadAudit,
    /// Sign a checkpoint of the audit chain's head (the operator, and `serve` daily), and make or
    /// rotate the keys that sign (the operator).
    SignAuditCheckpoint,
    /// See published SCAL templates (drafts: NHS England only, decided by the service).
    ReadTemplates,
    /// Import, version and publish templates.
    ManageTemplates,
    /// Issue template sheets to a product's SCAL.
    IssueScal,
    /// Answer a product's SCAL, attach evidence, declare use cases, submit.
    AnswerScal,
    /// Ask NHS England for a SCAL (an enquiry).
    RequestScal,
    /// See enquiries and submissions (of one's own organisation; NHS England: all).
    ReadOnboarding,
    /// Return a submission for changes, and later review it (NHS England).
    ReviewSubmission,
    /// Read and write NHS England's internal review notes. They are NHS England's own working
    /// papers: to anyone else they do not exist, so the refusal is *not found*, never forbidden.
    InternalNotes,
    /// Record NHS England's witness-test results of an accepted SCAL's test cases.
    RecordTestResults,
    /// Publish connection agreement versions (NHS England administrators).
    PublishAgreementVersion,
    /// Prepare a connection agreement for a certified product, naming the signatory, and approve
    /// go-live (NHS England).
    PrepareAgreement,
    ApproveGoLive,
    /// Accept a connection agreement: a supplier administrator, and only the one it names (the
    /// service checks the name).
    AcceptAgreement,
    /// Share a product's accepted SCAL with an end user organisation, choose the files shared,
    /// revoke a share (supplier administrators).
    ShareScal,
    /// See shares: a supplier its own, NHS England every one, an EUO those made to it while
    /// active (the service decides which; this is the role's part).
    ReadShares,
    /// Publish a product's acceptable use policy versions (supplier administrators).
    PublishUsePolicy,
    /// Acknowledge a shared product's acceptable use policy and keep its DCB0160 local assurance
    /// (the end user organisation's members).
    LocalAssurance,
    /// See one's own notifications.
    ReadOwnNotifications,
    /// Change one's own password (knowing the current one).
    ChangeOwnPassword,
    /// Send a user a link to set a new password: administrators, for the users they administer.
    SendPasswordReset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    NotFound,
    Forbidden,
}

/// Decides whether `actor` may perform `action` on data owned by `owner` (the organisation ID), or
/// on no particular organisation's data when `owner` is `None`.
pub fn authorize(actor: &Actor, action: Action, owner: Option<&str>) -> Result<(), Denied> {
    if let Some(owner) = owner {
        if !actor.can_see_org(owner) {
            return Err(Denied::NotFound);
        }
    }
    let role = match actor {
        Actor::System => return Ok(()),
        Actor::User { role, .. } => *role,
    };
    if role_allows(role, action) {
        Ok(())
    } else if action == Action::InternalNotes {
        Err(Denied::NotFound)
    } else {
        Err(Denied::Forbidden)
    }
}

/// The capability table. Visibility (own organisation or, for NHS England, all) is checked before
/// this, in [`authorize`].
fn role_allows(role: Role, action: Action) -> bool {
    use Action::*;
    use Role::*;
    match action {
        ReadOrganisation | ReadUsers | ReadServices | ManageOwnTokens | ReadTemplates | ReadOwnNotifications
        | ChangeOwnPassword => true,
        ManageTemplates | IssueScal | ReviewSubmission | InternalNotes | RecordTestResults | PrepareAgreement
        | ApproveGoLive => {
            matches!(role, NhseAdmin | NhseReviewer)
        }
        AnswerScal | RequestScal => matches!(role, SupplierAdmin | SupplierMember),
        ReadOnboarding => !matches!(role, EuoMember),
        CreateOrganisation
        | EditOrganisation
        | ManageServices
        | ReadAudit
        | SignAuditCheckpoint
        | PublishAgreementVersion => role == NhseAdmin,
        AcceptAgreement | ShareScal | PublishUsePolicy => role == SupplierAdmin,
        ReadShares => true,
        LocalAssurance => role == EuoMember,
        ManageUsers | SendPasswordReset => matches!(role, NhseAdmin | SupplierAdmin),
        ReadProducts => !matches!(role, EuoMember),
        CreateProduct => matches!(role, SupplierAdmin | SupplierMember),
        EditProduct => matches!(role, SupplierAdmin | SupplierMember | NhseAdmin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, org: &str) -> Actor {
        Actor::User {
            user_id: "u".into(),
            org_id: org.into(),
            role,
            email: "u@x.org".into(),
        }
    }

    #[test]
    fn supplier_administrators_share_and_only_the_euo_keeps_its_local_assurance() {
        let acme = |role| user(role, "acme");
        assert!(authorize(&acme(Role::SupplierAdmin), Action::ShareScal, Some("acme")).is_ok());
        assert_eq!(
            authorize(&acme(Role::SupplierMember), Action::ShareScal, Some("acme")),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(&acme(Role::SupplierAdmin), Action::ShareScal, Some("other")),
            Err(Denied::NotFound)
        );
        let euo = user(Role::EuoMember, "riverside");
        assert!(authorize(&euo, Action::LocalAssurance, Some("riverside")).is_ok());
        assert_eq!(
            authorize(&euo, Action::ShareScal, Some("riverside")),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(
                &user(Role::NhseAdmin, "nhse"),
                Action::LocalAssurance,
                Some("riverside")
            ),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn only_nhs_england_prepares_and_approves_and_only_supplier_administrators_accept() {
        let nhse = |role| user(role, "nhse");
        assert!(authorize(&nhse(Role::NhseAdmin), Action::PublishAgreementVersion, None).is_ok());
        assert_eq!(
            authorize(&nhse(Role::NhseReviewer), Action::PublishAgreementVersion, None),
            Err(Denied::Forbidden)
        );
        for action in [Action::PrepareAgreement, Action::ApproveGoLive] {
            assert!(authorize(&nhse(Role::NhseReviewer), action, None).is_ok());
            assert_eq!(
                authorize(&user(Role::SupplierAdmin, "acme"), action, Some("acme")),
                Err(Denied::Forbidden)
            );
        }
        assert!(authorize(
            &user(Role::SupplierAdmin, "acme"),
            Action::AcceptAgreement,
            Some("acme")
        )
        .is_ok());
        assert_eq!(
            authorize(
                &user(Role::SupplierMember, "acme"),
                Action::AcceptAgreement,
                Some("acme")
            ),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(
                &user(Role::SupplierAdmin, "bright"),
                Action::AcceptAgreement,
                Some("acme")
            ),
            Err(Denied::NotFound)
        );
        assert_eq!(
            authorize(&nhse(Role::NhseAdmin), Action::AcceptAgreement, Some("acme")),
            Err(Denied::Forbidden)
        );
    }

    #[test]
    fn other_tenants_data_is_not_found_whatever_the_role_allows() {
        for role in [Role::SupplierAdmin, Role::SupplierMember, Role::EuoMember] {
            for action in [
                Action::ReadOrganisation,
                Action::ReadProducts,
                Action::EditProduct,
                Action::ManageUsers,
            ] {
                assert_eq!(
                    authorize(&user(role, "a"), action, Some("b")),
                    Err(Denied::NotFound),
                    "{role:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn nhs_england_sees_everything_but_only_admins_administer() {
        let reviewer = user(Role::NhseReviewer, "nhse");
        assert_eq!(authorize(&reviewer, Action::ReadProducts, Some("supplier")), Ok(()));
        assert_eq!(
            authorize(&reviewer, Action::EditProduct, Some("supplier")),
            Err(Denied::Forbidden)
        );
        assert_eq!(authorize(&reviewer, Action::ReadAudit, None), Err(Denied::Forbidden));
        let admin = user(Role::NhseAdmin, "nhse");
        assert_eq!(authorize(&admin, Action::ReadAudit, None), Ok(()));
        assert_eq!(authorize(&admin, Action::ManageUsers, Some("supplier")), Ok(()));
    }

    #[test]
    fn supplier_members_cannot_manage_users_of_their_own_organisation() {
        assert_eq!(
            authorize(&user(Role::SupplierMember, "a"), Action::ManageUsers, Some("a")),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(&user(Role::SupplierAdmin, "a"), Action::ManageUsers, Some("a")),
            Ok(())
        );
    }

    #[test]
    fn internal_notes_do_not_exist_for_anyone_outside_nhs_england() {
        for role in [Role::SupplierAdmin, Role::SupplierMember, Role::EuoMember] {
            assert_eq!(
                authorize(&user(role, "a"), Action::InternalNotes, Some("a")),
                Err(Denied::NotFound),
                "{role:?}"
            );
        }
        for role in [Role::NhseAdmin, Role::NhseReviewer] {
            assert_eq!(authorize(&user(role, "n"), Action::InternalNotes, Some("a")), Ok(()));
        }
    }

    #[test]
    fn password_resets_are_sent_by_administrators_for_users_they_can_see() {
        let send = Action::SendPasswordReset;
        assert_eq!(authorize(&user(Role::SupplierAdmin, "a"), send, Some("a")), Ok(()));
        assert_eq!(
            authorize(&user(Role::SupplierAdmin, "a"), send, Some("b")),
            Err(Denied::NotFound)
        );
        assert_eq!(
            authorize(&user(Role::SupplierMember, "a"), send, Some("a")),
            Err(Denied::Forbidden)
        );
        assert_eq!(
            authorize(&user(Role::NhseReviewer, "n"), send, Some("a")),
            Err(Denied::Forbidden)
        );
        assert_eq!(authorize(&user(Role::NhseAdmin, "n"), send, Some("a")), Ok(()));
        assert_eq!(
            authorize(&user(Role::EuoMember, "e"), send, Some("e")),
            Err(Denied::Forbidden)
        );
        for role in Role::ALL {
            assert_eq!(authorize(&user(role, "a"), Action::ChangeOwnPassword, None), Ok(()));
        }
    }
}
