//! One module per table. Functions take any executor: the pool for reads, `tx.conn()` inside a
//! write transaction.

pub mod agreements;
pub mod audit;
pub mod cases;
pub mod certificates;
pub mod checkpoints;
pub mod enquiries;
pub mod evidence;
pub mod jobs;
pub mod local_assurances;
pub mod notifications;
pub mod organisations;
pub mod password_resets;
pub mod products;
pub mod reopenings;
pub mod scals;
pub mod services;
pub mod sessions;
pub mod shares;
pub mod submissions;
pub mod templates;
pub mod test_results;
pub mod threads;
pub mod tokens;
pub mod use_policies;
pub mod users;
pub mod verdicts;

pub use audit::{AuditFilter, StoredAudit};
pub use products::ProductRecord;
pub use sessions::SessionRecord;
pub use tokens::TokenRecord;
pub use users::UserRecord;
