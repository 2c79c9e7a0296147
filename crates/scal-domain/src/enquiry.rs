//! A supplier's request for a SCAL (an enquiry) and where it stands.

/// Where an enquiry stands. Stored as its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnquiryStatus {
    /// Waiting for NHS England.
    Open,
    /// NHS England asked the supplier something and waits for their answer.
    MoreInformation,
    /// NHS England declined it: final.
    Declined,
    /// NHS England issued the SCAL.
    Issued,
}

impl EnquiryStatus {
    pub const ALL: [EnquiryStatus; 4] = [Self::Open, Self::MoreInformation, Self::Declined, Self::Issued];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::MoreInformation => "more_information",
            Self::Declined => "declined",
            Self::Issued => "issued",
        }
    }

    /// A stored code; anything else is not an enquiry status.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }
}
