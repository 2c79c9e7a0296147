//! The key ring: scal's Ed25519 signing keys, kept outside the database.
//!
//! Either a **directory** (`<data_dir>/keys/` by default): one file per key, `<kid>.key`, holding
//! its 32-byte seed as 64 hex digits and readable by scal's user only (0600; a key file anyone else
//! may read is refused), and `ring.json`, saying when each key was made and, for all but the
//! active one, when it was retired. `generate` makes the first key, `rotate` a new active one,
//! retiring (not deleting) the old. Or **settings** (`signing_keys` in `scal.toml`, or
//! `SCAL_SIGNING_KEYS` comma-separated): seeds in hex, the first active and the rest retired;
//! they are then rotated by editing the settings.
//!
//! Every key, active or retired, is published in the JWKS, so what a retired key signed keeps
//! verifying. The directory is read afresh on each use, so a running server publishes and signs
//! with a key rotated at the command line without a restart.
//!
//! **Invariant:** a private key is never written to the database or a log, and never leaves this
//! module but as a [`Signer`] (whose `Debug` hides it) or the key file itself.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use scal_domain::policy::{authorize, Action, Actor};
use scal_domain::signing::{Jwks, KeyStatus, Signer};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{AppError, Result};

/// The name of the index file in a key directory.
pub const INDEX: &str = "ring.json";

/// Where the keys come from.
#[derive(Clone)]
pub struct KeyRing {
    source: Source,
    /// The keys last read from the directory, and the index file they were read under: reused
    /// while the index is the same file, unchanged (every rotation writes a new one and renames it
    /// into place, from this process or `scal keys rotate` in another). Reading and checking the
    /// key files and deriving each public key was most of the cost of a request that shows a
    /// certificate's status.
    loaded: Arc<std::sync::Mutex<Option<(IndexStamp, Keys)>>>,
}

/// Which `ring.json` keys were read under: its inode, length and modification time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct IndexStamp {
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl IndexStamp {
    fn of(dir: &Path) -> Option<Self> {
        let meta = std::fs::metadata(dir.join(INDEX)).ok()?;
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        Some(Self {
            inode,
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

#[derive(Clone)]
enum Source {
    Directory(PathBuf),
    Settings(Arc<Vec<Signer>>),
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.source {
            Source::Directory(dir) => write!(f, "KeyRing(directory {})", dir.display()),
            Source::Settings(keys) => write!(f, "KeyRing({} key(s) from settings)", keys.len()),
        }
    }
}

/// One key of the ring, as listed.
#[derive(Debug, Clone)]
pub struct RingKey {
    pub signer: Signer,
    pub status: KeyStatus,
    /// Microseconds; unknown for keys from settings.
    pub created_at: Option<i64>,
    pub retired_at: Option<i64>,
}

/// The keys as they stand: the active one first, then the retired ones, newest first.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub keys: Vec<RingKey>,
}

impl Keys {
    pub fn active(&self) -> Option<&Signer> {
        self.keys
            .iter()
            .find(|k| k.status == KeyStatus::Active)
            .map(|k| &k.signer)
    }

    /// The public keys, active and retired, with their status.
    pub fn jwks(&self) -> Jwks {
        Jwks {
            keys: self.keys.iter().map(|k| k.signer.public_jwk(Some(k.status))).collect(),
        }
    }

    /// A compact JWS of `payload`'s canonical JSON, signed with the active key.
    pub fn sign_json<T: Serialize + ?Sized>(&self, typ: &str, payload: &T) -> Result<String> {
        let signer = self.active().ok_or_else(|| {
            AppError::Conflict("There is no signing key yet: create one with `scal keys generate`.".into())
        })?;
        signer
            .sign_json(typ, payload)
            .map_err(|e| AppError::Internal(e.to_string()))
    }
}

/// `ring.json`.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    keys: Vec<IndexEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexEntry {
    kid: String,
    /// Microseconds since the epoch, as every stored time.
    created_at: i64,
    retired_at: Option<i64>,
}

impl KeyRing {
    /// Keys kept as files in `dir`.
    pub fn directory(dir: impl Into<PathBuf>) -> Self {
        Self {
            source: Source::Directory(dir.into()),
            loaded: Arc::default(),
        }
    }

    /// Keys from the settings: 64-hex-digit seeds, the first active, the rest retired.
    pub fn from_settings(seeds: &[&str]) -> Result<Self> {
        let signers = seeds
            .iter()
            .enumerate()
            .map(|(n, seed)| {
                parse_seed(seed)
                    .map(|seed| Signer::from_seed(&seed))
                    .ok_or_else(|| AppError::invalid("signing_keys", format!("key {} is not 64 hex digits", n + 1)))
            })
            .collect::<Result<Vec<_>>>()?;
        if signers.is_empty() {
            return Err(AppError::invalid("signing_keys", "name at least one key"));
        }
        Ok(Self {
            source: Source::Settings(Arc::new(signers)),
            loaded: Arc::default(),
        })
    }

    /// The key directory, when the keys are kept as files.
    pub fn dir(&self) -> Option<&Path> {
        match &self.source {
            Source::Directory(dir) => Some(dir),
            Source::Settings(_) => None,
        }
    }

    /// The keys as they are now: read from the directory when its index changed since the last
    /// read (see `loaded`).
    pub fn load(&self) -> Result<Keys> {
        match &self.source {
            Source::Settings(signers) => Ok(Keys {
                keys: signers
                    .iter()
                    .enumerate()
                    .map(|(n, signer)| RingKey {
                        signer: signer.clone(),
                        status: if n == 0 { KeyStatus::Active } else { KeyStatus::Retired },
                        created_at: None,
                        retired_at: None,
                    })
                    .collect(),
            }),
            Source::Directory(dir) => {
                if let Some(keys) = self.cached(dir) {
                    return Ok(keys);
                }
                let stamp = IndexStamp::of(dir);
                let keys = load_dir(dir)?;
                // Kept only when the index did not change while it was read.
                if let Some(stamp) = stamp.filter(|s| IndexStamp::of(dir).as_ref() == Some(s)) {
                    if let Ok(mut loaded) = self.loaded.lock() {
                        *loaded = Some((stamp, keys.clone()));
                    }
                }
                Ok(keys)
            }
        }
    }

    /// The keys read before, when the index is still the one they were read under.
    fn cached(&self, dir: &Path) -> Option<Keys> {
        let stamp = IndexStamp::of(dir)?;
        let loaded = self.loaded.lock().ok()?;
        loaded
            .as_ref()
            .filter(|(read_under, _)| *read_under == stamp)
            .map(|(_, keys)| keys.clone())
    }

    /// [`KeyRing::load`], reading the directory on tokio's blocking pool when it must (a check of
    /// the index file's metadata is all an unchanged ring costs).
    pub async fn load_async(&self) -> Result<Keys> {
        match &self.source {
            Source::Settings(_) => return self.load(),
            Source::Directory(dir) => {
                if let Some(keys) = self.cached(dir) {
                    return Ok(keys);
                }
            }
        }
        let ring = self.clone();
        tokio::task::spawn_blocking(move || ring.load())
            .await
            .map_err(|e| AppError::Internal(format!("reading the signing keys stopped: {e}")))?
    }

    /// Makes the first key. Refuses when the ring already has one.
    pub fn generate(&self, now: OffsetDateTime) -> Result<RingKey> {
        let dir = self.writable_dir()?;
        let index = read_index(dir)?;
        if let Some(existing) = index.keys.iter().find(|k| k.retired_at.is_none()) {
            return Err(AppError::Conflict(format!(
                "A signing key already exists ({}); use `scal keys rotate` to replace it.",
                existing.kid
            )));
        }
        self.add_active(dir, index, now)
    }

    /// Makes a new active key and retires the one before it, which stays published.
    pub fn rotate(&self, now: OffsetDateTime) -> Result<(RingKey, String)> {
        let dir = self.writable_dir()?;
        let mut index = read_index(dir)?;
        let at = crate::micros(now);
        let retired = index
            .keys
            .iter_mut()
            .find(|k| k.retired_at.is_none())
            .map(|k| {
                k.retired_at = Some(at);
                k.kid.clone()
            })
            .ok_or_else(|| {
                AppError::Conflict("There is no signing key to rotate yet: use `scal keys generate`.".into())
            })?;
        let new = self.add_active(dir, index, now)?;
        Ok((new, retired))
    }

    /// Makes the first key unless there is one. `Some` is the key made.
    pub fn ensure(&self, now: OffsetDateTime) -> Result<Option<RingKey>> {
        match &self.source {
            Source::Settings(_) => Ok(None),
            Source::Directory(_) => {
                if self.load()?.active().is_some() {
                    Ok(None)
                } else {
                    self.generate(now).map(Some)
                }
            }
        }
    }

    fn writable_dir(&self) -> Result<&Path> {
        match &self.source {
            Source::Directory(dir) => Ok(dir),
            Source::Settings(_) => Err(AppError::Conflict(
                "The signing keys come from the settings (signing_keys): change them there.".into(),
            )),
        }
    }

    fn add_active(&self, dir: &Path, mut index: Index, now: OffsetDateTime) -> Result<RingKey> {
        let mut seed = [0u8; 32];
        getrandom::getrandom(&mut seed).map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
        let signer = Signer::from_seed(&seed);
        create_private_dir(dir)?;
        write_key_file(&dir.join(format!("{}.key", signer.kid())), &signer)?;
        let created_at = crate::micros(now);
        index.keys.push(IndexEntry {
            kid: signer.kid().to_string(),
            created_at,
            retired_at: None,
        });
        write_index(dir, &index)?;
        Ok(RingKey {
            signer,
            status: KeyStatus::Active,
            created_at: Some(created_at),
            retired_at: None,
        })
    }
}

/// `scal keys generate`: makes the first key, with an audit entry (`keys.generated`, its `kid`) in
/// the same transaction; nothing is committed unless the key file was written. (If the commit
/// itself fails after, the key exists without its entry: `scal keys list` shows it.)
pub async fn generate(app: &crate::App, actor: &Actor, now: OffsetDateTime) -> Result<RingKey> {
    authorize(actor, Action::SignAuditCheckpoint, None)?;
    let mut tx = app.store.begin().await?;
    let ring = app.keys.clone();
    let made = tokio::task::spawn_blocking(move || ring.generate(now))
        .await
        .map_err(|e| AppError::Internal(format!("making the key stopped: {e}")))??;
    tx.audit(crate::audit_entry(
        actor,
        now,
        "keys.generated",
        None,
        made.signer.kid(),
        None,
        Some(serde_json::json!({"kid": made.signer.kid()})),
    ))
    .await?;
    tx.commit().await?;
    Ok(made)
}

/// `serve` and `demo` on a fresh machine: the first key when there is none, with an audit entry
/// (`keys.generated`, `"first": true`) in the same transaction, like `scal keys generate`.
pub async fn ensure(app: &crate::App, now: OffsetDateTime) -> Result<Option<RingKey>> {
    let mut tx = app.store.begin().await?;
    let ring = app.keys.clone();
    let made = tokio::task::spawn_blocking(move || ring.ensure(now))
        .await
        .map_err(|e| AppError::Internal(format!("making the key stopped: {e}")))??;
    if let Some(made) = &made {
        tx.audit(crate::audit_entry(
            &Actor::System,
            now,
            "keys.generated",
            None,
            made.signer.kid(),
            None,
            Some(serde_json::json!({"kid": made.signer.kid(), "first": true})),
        ))
        .await?;
        tx.commit().await?;
    }
    Ok(made)
}

/// `scal keys rotate`: a new active key, the old one retired, with an audit entry
/// (`keys.rotated`: the new `kid` and the retired one) in the same transaction. Returns the new
/// key and the retired key's `kid`.
pub async fn rotate(app: &crate::App, actor: &Actor, now: OffsetDateTime) -> Result<(RingKey, String)> {
    authorize(actor, Action::SignAuditCheckpoint, None)?;
    let mut tx = app.store.begin().await?;
    let ring = app.keys.clone();
    let (made, retired) = tokio::task::spawn_blocking(move || ring.rotate(now))
        .await
        .map_err(|e| AppError::Internal(format!("rotating the key stopped: {e}")))??;
    tx.audit(crate::audit_entry(
        actor,
        now,
        "keys.rotated",
        None,
        made.signer.kid(),
        Some(serde_json::json!({"kid": retired})),
        Some(serde_json::json!({"kid": made.signer.kid(), "retired": retired})),
    ))
    .await?;
    tx.commit().await?;
    Ok((made, retired))
}

/// The keys the JWKS publishes: what `/.well-known/jwks.json` serves.
pub async fn jwks(app: &crate::App) -> Result<Jwks> {
    Ok(app.keys.load_async().await?.jwks())
}

fn parse_seed(text: &str) -> Option<[u8; 32]> {
    hex::decode(text.trim()).ok()?.try_into().ok()
}

fn io_error(what: &str, path: &Path, error: std::io::Error) -> AppError {
    AppError::Internal(format!("cannot {what} {}: {error}", path.display()))
}

fn read_index(dir: &Path) -> Result<Index> {
    let path = dir.join(INDEX);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| AppError::Internal(format!("{} is not a key index: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index::default()),
        Err(e) => Err(io_error("read", &path, e)),
    }
}

fn load_dir(dir: &Path) -> Result<Keys> {
    let index = read_index(dir)?;
    let mut keys = Vec::with_capacity(index.keys.len());
    for entry in &index.keys {
        let path = dir.join(format!("{}.key", entry.kid));
        let signer = read_key_file(&path)?;
        if signer.kid() != entry.kid {
            return Err(AppError::Internal(format!(
                "{} holds key {}, not the key its name says",
                path.display(),
                signer.kid()
            )));
        }
        keys.push(RingKey {
            signer,
            status: if entry.retired_at.is_none() {
                KeyStatus::Active
            } else {
                KeyStatus::Retired
            },
            created_at: Some(entry.created_at),
            retired_at: entry.retired_at,
        });
    }
    if keys.iter().filter(|k| k.status == KeyStatus::Active).count() > 1 {
        return Err(AppError::Internal(format!(
            "{} names more than one active key",
            dir.join(INDEX).display()
        )));
    }
    // Active first, then retired, the most recently retired first.
    keys.sort_by_key(|k| (k.status == KeyStatus::Retired, std::cmp::Reverse(k.retired_at)));
    Ok(Keys { keys })
}

fn read_key_file(path: &Path) -> Result<Signer> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path)
            .map_err(|e| io_error("read", path, e))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(AppError::Internal(format!(
                "{} may be read by other users (mode {:o}): make it readable by scal's user only (chmod 600)",
                path.display(),
                mode & 0o777
            )));
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| io_error("read", path, e))?;
    let seed = parse_seed(&text)
        .ok_or_else(|| AppError::Internal(format!("{} does not hold a key (64 hex digits)", path.display())))?;
    Ok(Signer::from_seed(&seed))
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| io_error("create", dir, e))
}

/// A new key file, readable and writable by its owner only, never overwriting one.
fn write_key_file(path: &Path, signer: &Signer) -> Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_error("create", path, e))?;
    let mut text = hex::encode(signer.seed());
    text.push('\n');
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io_error("write", path, e))
}

/// The index, written to a temporary file and renamed over the old one, so a reader never sees
/// half of it.
fn write_index(dir: &Path, index: &Index) -> Result<()> {
    let path = dir.join(INDEX);
    let temporary = dir.join(format!("{INDEX}.new"));
    let bytes = serde_json::to_vec_pretty(index).map_err(|e| AppError::Internal(e.to_string()))?;
    std::fs::write(&temporary, bytes).map_err(|e| io_error("write", &temporary, e))?;
    std::fs::rename(&temporary, &path).map_err(|e| io_error("write", &path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        time::macros::datetime!(2026-11-24 09:00 UTC)
    }

    #[test]
    fn generate_refuses_a_second_key_and_rotate_retires_the_old_one() {
        let dir = std::env::temp_dir().join(format!("scal-keys-{}", crate::new_id()));
        let ring = KeyRing::directory(&dir);
        assert!(ring.load().unwrap().keys.is_empty());
        assert!(matches!(ring.rotate(now()), Err(AppError::Conflict(_))));
        let first = ring.generate(now()).unwrap();
        assert!(matches!(ring.generate(now()), Err(AppError::Conflict(_))));
        let (second, retired) = ring.rotate(now() + time::Duration::days(1)).unwrap();
        assert_eq!(retired, first.signer.kid());
        let keys = ring.load().unwrap();
        assert_eq!(keys.active().map(Signer::kid), Some(second.signer.kid()));
        let statuses: Vec<_> = keys
            .keys
            .iter()
            .map(|k| (k.signer.kid().to_string(), k.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (second.signer.kid().to_string(), KeyStatus::Active),
                (first.signer.kid().to_string(), KeyStatus::Retired)
            ]
        );
        assert_eq!(keys.jwks().keys.len(), 2);
        assert!(ring.ensure(now()).unwrap().is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn settings_keys_are_read_and_cannot_be_rotated_here() {
        let ring = KeyRing::from_settings(&[&"11".repeat(32), &"22".repeat(32)]).unwrap();
        let keys = ring.load().unwrap();
        assert_eq!(
            keys.active().map(Signer::kid),
            Some(Signer::from_seed(&[0x11; 32]).kid())
        );
        assert_eq!(keys.keys[1].status, KeyStatus::Retired);
        assert!(matches!(ring.rotate(now()), Err(AppError::Conflict(_))));
        assert!(KeyRing::from_settings(&["nothex"]).is_err());
        assert!(!format!("{ring:?}").contains("1111"));
    }
}
