//! Storage: one code path over SQLite and PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver, so the same SQL text runs on both databases. To keep
//! that true, the schema uses only `TEXT` and `BIGINT` columns (flags are 0/1), placeholders are `$1`,
//! `$2`... in order of appearance, and times are microseconds since the epoch.
//!
//! **Invariant:** every change to assurance data happens inside a [`Tx`] and appends its audit
//! entry ([`Tx::audit`]) before the transaction commits, so a change and its audit entry land
//! together or not at all.
#![deny(clippy::unwrap_used, clippy::expect_used)]

mod error;
pub mod files;
mod migrate;
pub mod records;
mod rows;
mod tx;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

pub use error::StoreError;

/// The maintenance lock that `scal backup` and `scal files gc` both take, so they never overlap.
pub const FILES_MAINTENANCE: &str = "files";
pub use records::*;
pub use tx::{NewAuditEntry, Tx};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A database connection: a pooled one, or a transaction's (`Tx::conn`).
pub type Conn = sqlx::AnyConnection;
pub type PooledConn = sqlx::pool::PoolConnection<sqlx::Any>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(StoreError::Config(
                "the database URL must start with sqlite: or postgres://".into(),
            ))
        }
    }
}

/// The database handle shared by the whole process. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite allows one writer at a time; writers in this process queue here instead of failing
    /// with `SQLITE_BUSY` when two deferred transactions both try to upgrade. PostgreSQL needs no
    /// such lock (row locks do the work), so it is `None` there.
    write_lock: Option<Arc<tokio::sync::Mutex<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// The SQLite URL for a database file in `data_dir`, created when absent.
pub fn sqlite_url_in(data_dir: &Path) -> String {
    format!("sqlite://{}?mode=rwc", data_dir.join("scal.db").display())
}

/// The file a SQLite URL names (for a backup's restore, which puts the file there).
pub fn sqlite_path(url: &str) -> Result<std::path::PathBuf> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url)
        .map_err(|e| StoreError::Config(format!("the database URL is not valid: {e}")))?;
    Ok(options.get_filename().to_path_buf())
}

impl Store {
    /// Connects (creating a SQLite file when needed) without running migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        // Validate the URL with the driver's own parser first: its message is clearer than the
        // pool's, and it never echoes the password.
        match backend {
            Backend::Sqlite => sqlx::sqlite::SqliteConnectOptions::from_str(url).map(|_| ()),
            Backend::Postgres => sqlx::postgres::PgConnectOptions::from_str(url).map(|_| ()),
        }
        .map_err(|e| StoreError::Config(format!("the database URL is not valid: {e}")))?;
        let options = AnyPoolOptions::new().max_connections(max_connections);
        let options = match backend {
            Backend::Sqlite => options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                    conn.execute("PRAGMA busy_timeout = 5000").await?;
                    conn.execute("PRAGMA synchronous = NORMAL").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        let pool = options.connect(url).await.map_err(StoreError::Connect)?;
        let write_lock = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        Ok(Self {
            pool,
            backend,
            write_lock,
        })
    }

    /// Connects and brings the schema up to date.
    pub async fn open(url: &str, max_connections: u32) -> Result<Self> {
        let store = Self::connect(url, max_connections).await?;
        store.migrate().await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For reads outside a transaction.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// One connection for several reads that should share it (the same code can then run on a
    /// transaction's connection instead).
    pub async fn acquire(&self) -> Result<PooledConn> {
        Ok(self.pool.acquire().await?)
    }

    pub async fn migrate(&self) -> Result<Vec<String>> {
        migrate::run(self).await
    }

    /// Starts a write transaction.
    pub async fn begin(&self) -> Result<Tx> {
        let guard = match &self.write_lock {
            Some(lock) => Some(Arc::clone(lock).lock_owned().await),
            None => None,
        };
        let inner = self.pool.begin().await?;
        Ok(Tx::new(inner, guard, self.backend))
    }

    /// `SELECT 1`, for readiness probes.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Whether the database holds no scal tables yet (a restore goes only into an empty one).
    pub async fn is_empty(&self) -> Result<bool> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
            Backend::Postgres => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()",
        };
        let (tables,): (i64,) = sqlx::query_as(sql).fetch_one(&self.pool).await?;
        Ok(tables == 0)
    }

    /// A consistent copy of a SQLite database in a new file at `path`, taken while the server runs
    /// (`VACUUM INTO` reads one snapshot; writers carry on meanwhile). PostgreSQL is copied with
    /// `pg_dump` instead, which the backup command drives.
    pub async fn snapshot_sqlite_into(&self, path: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Config(
                "only a SQLite database is copied with VACUUM INTO".into(),
            ));
        }
        let path = path
            .to_str()
            .ok_or_else(|| StoreError::Config(format!("the path {} is not UTF-8", path.display())))?;
        // VACUUM INTO takes an expression; a bound parameter keeps the path out of the SQL text.
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Takes the maintenance lock `name` for as long as the returned guard lives, across
    /// processes and hosts, or `None` at once if someone holds it (two maintenance commands that
    /// must not overlap, such as a backup and a files collection). PostgreSQL: a session advisory
    /// lock on a connection of its own, released by [`MaintenanceLock::release`] (or, dropped,
    /// when the server sees the connection closed, even if the process dies). SQLite: an OS file
    /// lock on `<database file>.<name>.lock`, beside the database (left out of backups).
    pub async fn try_maintenance_lock(&self, name: &str) -> Result<Option<MaintenanceLock>> {
        match self.backend {
            Backend::Postgres => {
                // Detached: the connection never goes back to the pool still holding the lock.
                let mut conn = self.pool.acquire().await?.detach();
                // The two-key form, whose keys PostgreSQL keeps apart from the one-key form
                // `Tx::lock_key` uses: a key's hash colliding with this lock's must not make a
                // sign-in or an upload (or gc's own per-file locks) wait for a whole backup.
                let (taken,): (bool,) = sqlx::query_as("SELECT pg_try_advisory_lock($1, hashtext($2))")
                    .bind(MAINTENANCE_LOCK_SPACE)
                    .bind(name)
                    .fetch_one(&mut conn)
                    .await?;
                Ok(taken.then_some(MaintenanceLock::Postgres(conn)))
            }
            Backend::Sqlite => {
                let (main,): (String,) = sqlx::query_as("SELECT file FROM pragma_database_list WHERE name = 'main'")
                    .fetch_one(&self.pool)
                    .await?;
                if main.is_empty() {
                    // An in-memory database belongs to this process alone.
                    return Ok(Some(MaintenanceLock::Memory));
                }
                let path = std::path::PathBuf::from(format!("{main}.{name}.lock"));
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(|e| StoreError::Config(format!("cannot open {}: {e}", path.display())))?;
                match file.try_lock() {
                    Ok(()) => Ok(Some(MaintenanceLock::File(file))),
                    Err(std::fs::TryLockError::WouldBlock) => Ok(None),
                    Err(std::fs::TryLockError::Error(e)) => {
                        Err(StoreError::Config(format!("cannot lock {}: {e}", path.display())))
                    }
                }
            }
        }
    }
}

/// The first key of [`Store::try_maintenance_lock`]'s two-key advisory locks ("scal").
const MAINTENANCE_LOCK_SPACE: i32 = 0x5CA1;

/// Held while a maintenance command runs ([`Store::try_maintenance_lock`]); dropping it releases
/// the lock too, but on PostgreSQL only once the server notices the connection closed.
#[derive(Debug)]
pub enum MaintenanceLock {
    Postgres(sqlx::AnyConnection),
    File(std::fs::File),
    Memory,
}

impl MaintenanceLock {
    /// Releases the lock now: on PostgreSQL unlocked and the connection closed before this returns.
    pub async fn release(self) {
        if let Self::Postgres(mut conn) = self {
            use sqlx::Connection as _;
            let _ = sqlx::query("SELECT pg_advisory_unlock_all()").execute(&mut conn).await;
            let _ = conn.close().await;
        }
    }
}
