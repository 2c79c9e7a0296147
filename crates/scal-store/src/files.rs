//! Where uploaded files' bytes live. The database holds their metadata; the bytes go to a
//! [`FileStore`]. [`DirectoryStore`] keeps them under the data directory; an object store can
//! implement the same trait.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use tokio::io::AsyncWriteExt;

use crate::{Result, StoreError};

pub type FileFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// Content-addressed file storage: a key is the SHA-256 of the bytes, so storing the same file
/// twice keeps one copy, and a file left behind by a rolled-back upload is harmless.
pub trait FileStore: Send + Sync + std::fmt::Debug {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> FileFuture<'a, ()>;
    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>>;
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
        if key.len() < 3 || !key.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(StoreError::Corrupt(format!("file key {key:?}")));
        }
        Ok(self.root.join(&key[..2]).join(key))
    }
}

fn io(error: std::io::Error) -> StoreError {
    StoreError::Corrupt(format!("file store: {error}"))
}

impl FileStore for DirectoryStore {
    fn put<'a>(&'a self, key: &'a str, bytes: &'a [u8]) -> FileFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path(key)?;
            if tokio::fs::try_exists(&path).await.map_err(io)? {
                return Ok(());
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
            Ok(())
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> FileFuture<'a, Vec<u8>> {
        Box::pin(async move { tokio::fs::read(self.path(key)?).await.map_err(io) })
    }
}
