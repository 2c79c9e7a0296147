use scal_domain::policy::Denied;
use scal_domain::Invalid;
use scal_store::StoreError;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Everything a service can refuse with. The web layer maps each variant to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("sign in to continue")]
    Unauthenticated,
    /// Also used for other organisations' data, so the two cannot be told apart.
    #[error("not found")]
    NotFound,
    #[error("you do not have permission to do this")]
    Forbidden,
    #[error("{0}")]
    Invalid(Invalid),
    #[error("too many failed sign-in attempts; try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: u64 },
    /// Too much of one kind of heavy work (workbook parsing, password hashing) is running; the
    /// client should retry after the given seconds.
    #[error("the service is busy; try again in {retry_after_secs} seconds")]
    Busy { retry_after_secs: u64 },
    /// A uniqueness rule refused the write: someone created the same thing between our check
    /// and our insert.
    #[error("{0}")]
    Conflict(String),
    /// The action waits on other things first (a round with items not yet accepted): each in
    /// words. Answered like a conflict, listing them.
    #[error("This cannot be done yet: {}", .0.join("; "))]
    Blocked(Vec<String>),
    #[error(transparent)]
    Store(StoreError),
    #[error("{0}")]
    Internal(String),
}

impl From<Denied> for AppError {
    fn from(denied: Denied) -> Self {
        match denied {
            Denied::NotFound => Self::NotFound,
            Denied::Forbidden => Self::Forbidden,
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        if error.is_unique_violation() {
            Self::Conflict(
                "This already exists: it may have just been created by someone else. Reload the page and check.".into(),
            )
        } else if error.is_nul_in_text() {
            Self::Invalid(Invalid::one(
                "text",
                "Text must not contain the NUL character (a control character that is never meaningful)",
            ))
        } else {
            Self::Store(error)
        }
    }
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        Self::Invalid(invalid)
    }
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(Invalid::one(field, message))
    }
}
