#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database configuration: {0}")]
    Config(String),
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A stored value no longer parses; the database was changed outside scal.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("migration {name} failed: {source}")]
    Migration { name: String, source: sqlx::Error },
}

impl StoreError {
    /// True when a UNIQUE constraint refused the write (someone else created the same thing first).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            Self::Database(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }

    /// True when PostgreSQL refused a NUL character in text (SQLSTATE 22021): it can neither store
    /// nor compare one. Parsers refuse control characters in what is stored; this catches a NUL in
    /// a value only looked up (an email address, a requirement ID), which SQLite simply matches
    /// against nothing.
    pub fn is_nul_in_text(&self) -> bool {
        match self {
            Self::Database(sqlx::Error::Database(e)) => e.code().as_deref() == Some("22021"),
            _ => false,
        }
    }
}
