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
}
