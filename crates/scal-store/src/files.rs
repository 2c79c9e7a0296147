//! Where uploaded files' bytes live. The database holds their metadata; the bytes go to a
//! [`FileStore`]. [`DirectoryStore`] keeps them under the data directory; an object store can
//! implement the same trait.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::SystemTime;

use tokio::io::AsyncWriteExt;

use crate::{Result, StoreError};

pub type FileFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Content-addressed file storage: a key is the SHA-256 of the bytes, so storing the same file
/// twice keeps one copy. Bytes are written before the database row that refers to them commits;
/// what a rolled-back upload leaves behind is removed by `scal files gc` (see [`collect`]).
pub trait FileStore: Send + Sync + std::fmt::Debug {
    /// Stores the bytes under `key`. Storing a key that is already there marks it as just
    /// written, so a collection running meanwhile does not take it for a leftover.
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> FileFuture<'a, ()>;
    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>>;
    /// Every stored key, with when it was last written.
    fn list(&self) -> FileFuture<'_, Vec<StoredFile>>;
    /// When `key` was last written (`None`: not stored).
    fn written_at<'a>(&'a self, key: &'a str) -> FileFuture<'a, Option<SystemTime>>;
    fn delete<'a>(&'a self, key: &'a str) -> FileFuture<'a, ()>;
    /// Removes what interrupted writes left (none for an object store, whose writes are atomic)
    /// when older than `before`; returns how many.
    fn sweep_partials(&self, before: SystemTime) -> FileFuture<'_, usize>;
}

/// A stored file: its key and when it was last written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    pub key: String,
    pub written_at: SystemTime,
}

/// What a collection did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Collected {
    /// Files a row refers to, or written within the grace period.
    pub kept: usize,
    /// Files no row refers to, older than the grace period: removed.
    pub removed: usize,
    /// Leftovers of interrupted writes, removed.
    pub partials: usize,
}

/// Files under a directory, fanned out by the key's first two characters.
#[derive(Debug, Clone)]
pub struct DirectoryStore {
    root: PathBuf,
}

impl DirectoryStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn path(&self, key: &str) -> Result<PathBuf> {
        check_key(key)?;
        Ok(self.root.join(&key[..2]).join(key))
    }
}

/// A key is a SHA-256 in lower-case hex, exactly: nothing else under the store's root is taken
/// for one of its files (and so nothing else is ever collected).
fn check_key(key: &str) -> Result<()> {
    if key.len() != 64 || !key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(StoreError::Corrupt(format!("file key {key:?}")));
    }
    Ok(())
}

fn io(error: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("file store: {error}"))
}

impl FileStore for DirectoryStore {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> FileFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            // Already there: marked as just written (see `collect`); if it went meanwhile, written.
            let touched = std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|file| file.set_modified(SystemTime::now()));
            match touched {
                Ok(()) => return Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(e)),
            }
            if let Some(dir) = path.parent() {
                tokio::fs::create_dir_all(dir).await.map_err(io)?;
            }
            // Written aside and renamed, so a reader never sees half a file. Through a `File`, which
            // hands the bytes to the blocking pool a bounded chunk at a time, rather than
            // `tokio::fs::write`, which would first copy the whole upload.
            let partial = path.with_extension(format!("partial-{}", uuid::Uuid::new_v4()));
            let mut file = tokio::fs::File::create(&partial).await.map_err(io)?;
            file.write_all(bytes).await.map_err(io)?;
            file.sync_all().await.map_err(io)?;
            drop(file);
            tokio::fs::rename(&partial, &path).await.map_err(io)?;
            // The new name is flushed too, so that after a power cut the file is there under it.
            if let Some(dir) = path.parent() {
                let dir = dir.to_path_buf();
                tokio::task::spawn_blocking(move || std::fs::File::open(dir).and_then(|d| d.sync_all()))
                    .await
                    .map_err(|e| StoreError::Corrupt(format!("file store: {e}")))?
                    .map_err(io)?;
            }
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>> {
        Box::pin(async move { tokio::fs::read(self.path(key)?).await.map_err(io) })
    }

    fn list(&self) -> FileFuture<'_, Vec<StoredFile>> {
        Box::pin(async move {
            let mut found = Vec::new();
            for (name, written_at) in self.entries().await? {
                if self.path(&name).is_ok() {
                    found.push(StoredFile { key: name, written_at });
                }
            }
            Ok(found)
        })
    }

    fn written_at<'a>(&'a self, key: &'a str) -> FileFuture<'a, Option<SystemTime>> {
        Box::pin(async move {
            match tokio::fs::metadata(self.path(key)?).await {
                Ok(meta) => Ok(Some(meta.modified().map_err(io)?)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io(e)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> FileFuture<'a, ()> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.path(key)?).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io(e)),
                _ => Ok(()),
            }
        })
    }

    fn sweep_partials(&self, before: SystemTime) -> FileFuture<'_, usize> {
        Box::pin(async move {
            let mut removed = 0;
            for (name, written_at) in self.entries().await? {
                let Some((key, _)) = name.split_once(".partial-") else {
                    continue;
                };
                if written_at < before && self.path(key).is_ok() {
                    let path = self.root.join(&key[..2]).join(&name);
                    match tokio::fs::remove_file(path).await {
                        Ok(()) => removed += 1,
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => return Err(io(e)),
                    }
                }
            }
            Ok(removed)
        })
    }
}

impl DirectoryStore {
    /// Every file's name under the two-character directories, with its modification time.
    async fn entries(&self) -> Result<Vec<(String, SystemTime)>> {
        let mut found = Vec::new();
        let mut top = match tokio::fs::read_dir(&self.root).await {
            Ok(top) => top,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
            Err(e) => return Err(io(e)),
        };
        while let Some(dir) = top.next_entry().await.map_err(io)? {
            if !dir.file_type().await.map_err(io)?.is_dir() {
                continue;
            }
            let mut files = tokio::fs::read_dir(dir.path()).await.map_err(io)?;
            while let Some(file) = files.next_entry().await.map_err(io)? {
                let meta = file.metadata().await.map_err(io)?;
                if meta.is_file() {
                    let name = file.file_name().to_string_lossy().into_owned();
                    found.push((name, meta.modified().map_err(io)?));
                }
            }
        }
        Ok(found)
    }
}

/// Where files live, from the `file_store_url` setting: a directory (`file:///path`, or a plain
/// path), or an S3-compatible bucket (`s3://bucket/optional/prefix?endpoint=...&region=...`, the
/// credentials from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`). `None`: `default_dir`.
pub fn open(
    url: Option<&str>,
    default_dir: &std::path::Path,
) -> std::result::Result<std::sync::Arc<dyn FileStore>, String> {
    let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
        return Ok(std::sync::Arc::new(DirectoryStore::new(default_dir)));
    };
    if let Some(path) = url.strip_prefix("file://") {
        if path.is_empty() {
            return Err("file_store_url: file:// needs a path".into());
        }
        return Ok(std::sync::Arc::new(DirectoryStore::new(path)));
    }
    if url.starts_with("s3://") {
        return Ok(std::sync::Arc::new(BucketStore::open(url)?));
    }
    if !url.contains("://") {
        return Ok(std::sync::Arc::new(DirectoryStore::new(url)));
    }
    Err(format!(
        "file_store_url: {:?} is neither a directory (file:///path) nor a bucket (s3://bucket?endpoint=...&region=...)",
        url.split('?').next().unwrap_or_default()
    ))
}

/// Files in an S3-compatible bucket, through `object_store`: `<prefix>/<first two>/<key>`.
/// Writes are atomic (a PUT replaces the object whole), so nothing is ever half written.
#[derive(Debug)]
pub struct BucketStore {
    bucket: object_store::aws::AmazonS3,
    prefix: object_store::path::Path,
    /// For messages: `s3://bucket/prefix`, without the query.
    name: String,
}

impl BucketStore {
    pub fn open(url: &str) -> std::result::Result<Self, String> {
        use object_store::aws::AmazonS3Builder;
        let parsed = url::Url::parse(url).map_err(|e| format!("file_store_url: {e}"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(
                "file_store_url: put no credentials in the URL; scal reads them from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
                    .into(),
            );
        }
        let bucket = parsed
            .host_str()
            .filter(|b| !b.is_empty())
            .ok_or("file_store_url: s3:// needs a bucket name")?;
        // reqwest is built with no TLS provider of its own: rustls with ring, installed once per
        // process (a second call finds it installed, which is fine).
        let _ = rustls::crypto::ring::default_provider().install_default();
        // The environment gives the credentials and nothing else; everything else comes from the
        // URL, so stray AWS_* variables (an endpoint, skipping signatures) cannot point the store
        // elsewhere. Without credentials, object_store asks the instance's metadata service.
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(bucket)
            .with_virtual_hosted_style_request(false);
        for (variable, key) in [
            ("AWS_ACCESS_KEY_ID", object_store::aws::AmazonS3ConfigKey::AccessKeyId),
            (
                "AWS_SECRET_ACCESS_KEY",
                object_store::aws::AmazonS3ConfigKey::SecretAccessKey,
            ),
            ("AWS_SESSION_TOKEN", object_store::aws::AmazonS3ConfigKey::Token),
        ] {
            if let Ok(value) = std::env::var(variable) {
                builder = builder.with_config(key, value);
            }
        }
        let mut region = false;
        for (key, value) in parsed.query_pairs() {
            match key.as_ref() {
                "endpoint" => {
                    if url::Url::parse(&value).is_ok_and(|e| !e.username().is_empty() || e.password().is_some()) {
                        return Err("file_store_url: put no credentials in the endpoint".into());
                    }
                    builder = builder
                        .with_allow_http(value.starts_with("http://"))
                        .with_endpoint(value.as_ref());
                }
                "region" => {
                    region = true;
                    builder = builder.with_region(value.as_ref());
                }
                other => {
                    return Err(format!(
                        "file_store_url: unknown option {other:?} (endpoint and region are known)"
                    ))
                }
            }
        }
        if !region {
            return Err("file_store_url: give the bucket's region (?region=...)".into());
        }
        let bucket_store = builder.build().map_err(|e| format!("file_store_url: {e}"))?;
        let prefix = object_store::path::Path::from(parsed.path().trim_matches('/'));
        Ok(Self {
            bucket: bucket_store,
            name: format!("s3://{bucket}{}", parsed.path().trim_end_matches('/')),
            prefix,
        })
    }

    fn location(&self, key: &str) -> Result<object_store::path::Path> {
        check_key(key)?;
        Ok(self.prefix.clone().join(&key[..2]).join(key))
    }

    fn failed(&self, error: object_store::Error) -> StoreError {
        StoreError::Corrupt(format!("file store {}: {error}", self.name))
    }
}

impl FileStore for BucketStore {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> FileFuture<'a, ()> {
        Box::pin(async move {
            use object_store::ObjectStoreExt as _;
            // Always written, even when there: that is what marks it as just written.
            let payload = object_store::PutPayload::from(bytes.to_vec());
            self.bucket
                .put(&self.location(key)?, payload)
                .await
                .map_err(|e| self.failed(e))?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>> {
        Box::pin(async move {
            use object_store::ObjectStoreExt as _;
            let found = self
                .bucket
                .get(&self.location(key)?)
                .await
                .map_err(|e| self.failed(e))?;
            Ok(found.bytes().await.map_err(|e| self.failed(e))?.to_vec())
        })
    }

    fn list(&self) -> FileFuture<'_, Vec<StoredFile>> {
        Box::pin(async move {
            use futures_util::TryStreamExt as _;
            use object_store::ObjectStore as _;
            let prefix = (!self.prefix.as_ref().is_empty()).then_some(&self.prefix);
            let objects: Vec<object_store::ObjectMeta> = self
                .bucket
                .list(prefix)
                .try_collect()
                .await
                .map_err(|e| self.failed(e))?;
            Ok(objects
                .into_iter()
                .filter_map(|meta| {
                    let key = meta.location.filename()?.to_string();
                    // Only what this store wrote: anything else in the bucket is not ours to judge.
                    (self.location(&key).ok()? == meta.location).then(|| StoredFile {
                        key,
                        written_at: meta.last_modified.into(),
                    })
                })
                .collect())
        })
    }

    fn written_at<'a>(&'a self, key: &'a str) -> FileFuture<'a, Option<SystemTime>> {
        Box::pin(async move {
            use object_store::ObjectStoreExt as _;
            match self.bucket.head(&self.location(key)?).await {
                Ok(meta) => Ok(Some(meta.last_modified.into())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(self.failed(e)),
            }
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> FileFuture<'a, ()> {
        Box::pin(async move {
            use object_store::ObjectStoreExt as _;
            match self.bucket.delete(&self.location(key)?).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
                Err(e) => Err(self.failed(e)),
            }
        })
    }

    fn sweep_partials(&self, _before: SystemTime) -> FileFuture<'_, usize> {
        Box::pin(async { Ok(0) })
    }
}
