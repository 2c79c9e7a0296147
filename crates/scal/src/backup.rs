//! `scal backup` and `scal restore`: one compressed archive (tar + gzip) of the database and the
//! data directory's files, taken while the server runs, and put back into an empty place.
//!
//! The archive holds:
//! - `database/scal.db` (SQLite, copied with `VACUUM INTO`: one consistent snapshot) or
//!   `database/scal.pgdump` (PostgreSQL, `pg_dump --format=custom`: one consistent snapshot);
//! - `files/...`: every file under the data directory but the SQLite database itself (evidence and
//!   certificate files under their SHA-256, the signing key ring, the latest audit checkpoint);
//! - `manifest.json`, last: the format, the scal version, when, the database kind and every file's
//!   size and SHA-256. A restore checks every byte against it before it puts anything in place.
//!
//! Order makes the copy consistent without stopping the server. The latest audit checkpoint is
//! read *before* the database snapshot (so the restored log is never shorter than the checkpoint
//! says, which `scal audit verify` would rightly call a truncation); evidence files and keys are
//! copied *after* it (a file is written under its hash before the row naming it commits, and is
//! never changed, so every file the snapshot refers to is already there; a few newer ones are
//! harmless).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Component, Path, PathBuf};

use scal_store::{Backend, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::settings::{describe_database, Settings};
use crate::Failure;

const FORMAT: &str = "scal-backup";
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const SQLITE_ENTRY: &str = "database/scal.db";
const PG_ENTRY: &str = "database/scal.pgdump";
/// The audit checkpoint file, read before the database snapshot (see the module docs).
const CHECKPOINT: &str = scal_app::audit::LATEST_CHECKPOINT_FILE;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    format_version: u32,
    scal_version: String,
    created_at: String,
    /// "sqlite" or "postgres".
    database: String,
    files: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Entry {
    path: String,
    bytes: u64,
    sha256: String,
}

fn fail(what: impl std::fmt::Display) -> Failure {
    Failure(what.to_string())
}

/// What `scal backup` wrote.
pub struct Written {
    pub database: &'static str,
    pub files: usize,
    pub bytes: u64,
}

pub async fn backup(settings: &Settings, out: &Path, now: OffsetDateTime) -> Result<Written, Failure> {
    let url = settings.database_url.expose();
    let backend = Backend::from_url(url)?;
    if out.exists() {
        return Err(fail(format!(
            "{} already exists: choose a new file name",
            out.display()
        )));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // Everything is staged beside the archive, so the finished archive appears in one rename.
    let staging = tempfile::Builder::new()
        .prefix(".scal-backup-")
        .tempdir_in(&parent)
        .map_err(|e| fail(format!("cannot write in {}: {e}", parent.display())))?;

    // Not while files are collected: a file the snapshot refers to could go before it is copied.
    let maintenance_store = Store::connect(url, 1).await?;
    let Some(maintenance) = maintenance_store
        .try_maintenance_lock(scal_store::FILES_MAINTENANCE)
        .await?
    else {
        return Err(fail(scal_app::evidence::MAINTENANCE_BUSY.to_string()));
    };
    let written = backup_locked(settings, out, now, backend, staging).await;
    maintenance.release().await;
    maintenance_store.close().await;
    written
}

async fn backup_locked(
    settings: &Settings,
    out: &Path,
    now: OffsetDateTime,
    backend: Backend,
    staging: tempfile::TempDir,
) -> Result<Written, Failure> {
    let url = settings.database_url.expose();
    let data_dir = &settings.data_dir;
    let sqlite_file = match backend {
        Backend::Sqlite => Some(scal_store::sqlite_path(url)?),
        Backend::Postgres => None,
    };
    // 1. The latest checkpoint, before the snapshot.
    let checkpoint = std::fs::read(data_dir.join(CHECKPOINT)).ok();
    // 2. The database.
    let (db_entry, db_file) = match backend {
        Backend::Sqlite => {
            let file = staging.path().join("scal.db");
            let store = Store::connect(url, 1).await?;
            let copied = store.snapshot_sqlite_into(&file).await;
            store.close().await;
            copied?;
            (SQLITE_ENTRY, file)
        }
        Backend::Postgres => {
            let file = staging.path().join("scal.pgdump");
            pg_tool(
                "pg_dump",
                &["--format=custom", "--no-owner", "--no-privileges", "--file"],
                &file,
                url,
            )
            .await?;
            (PG_ENTRY, file)
        }
    };
    // 3. The files, after it.
    let files = data_files(data_dir, sqlite_file.as_deref(), out, staging.path())?;

    let partial = staging.path().join("archive.tar.gz");
    let mut manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        scal_version: env!("CARGO_PKG_VERSION").into(),
        created_at: now
            .format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| fail(e.to_string()))?,
        database: match backend {
            Backend::Sqlite => "sqlite".into(),
            Backend::Postgres => "postgres".into(),
        },
        files: Vec::new(),
    };
    {
        let file = File::create(&partial).map_err(|e| fail(format!("cannot create the archive: {e}")))?;
        let gz = flate2::write::GzEncoder::new(BufWriter::new(file), flate2::Compression::default());
        let mut tar = tar::Builder::new(gz);
        let io_err = |e: io::Error| fail(format!("cannot write the archive: {e}"));
        let add = |tar: &mut tar::Builder<_>, name: &str, reader: &mut dyn Read, len: u64| -> Result<Entry, Failure> {
            let mut header = tar::Header::new_gnu();
            header.set_size(len);
            header.set_mode(0o600);
            header.set_mtime(now.unix_timestamp().max(0) as u64);
            let mut hashing = Hashing::new(reader);
            tar.append_data(&mut header, name, &mut hashing).map_err(io_err)?;
            if hashing.bytes != len {
                return Err(fail(format!("{name} changed while it was copied")));
            }
            Ok(Entry {
                path: name.to_string(),
                bytes: hashing.bytes,
                sha256: hex::encode(hashing.hasher.finalize()),
            })
        };
        let len = std::fs::metadata(&db_file).map_err(io_err)?.len();
        let mut reader = File::open(&db_file).map_err(io_err)?;
        manifest.files.push(add(&mut tar, db_entry, &mut reader, len)?);
        if let Some(bytes) = &checkpoint {
            let name = format!("files/{CHECKPOINT}");
            manifest
                .files
                .push(add(&mut tar, &name, &mut bytes.as_slice(), bytes.len() as u64)?);
        }
        for relative in &files {
            if relative == Path::new(CHECKPOINT) {
                continue;
            }
            let full = data_dir.join(relative);
            let name = format!("files/{}", slash_path(relative)?);
            // A file can vanish (a partial upload cleaned up): skip it rather than fail.
            let Ok(mut reader) = File::open(&full) else { continue };
            let len = reader.metadata().map_err(io_err)?.len();
            manifest.files.push(add(&mut tar, &name, &mut reader, len)?);
        }
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| fail(e.to_string()))?;
        let mut header = tar::Header::new_gnu();
        header.set_size(json.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(now.unix_timestamp().max(0) as u64);
        tar.append_data(&mut header, MANIFEST, json.as_slice())
            .map_err(io_err)?;
        let gz = tar.into_inner().map_err(io_err)?;
        let buffered = gz.finish().map_err(io_err)?;
        let file = buffered.into_inner().map_err(|e| io_err(e.into_error()))?;
        file.sync_all().map_err(io_err)?;
    }
    std::fs::rename(&partial, out).map_err(|e| fail(format!("cannot write {}: {e}", out.display())))?;
    let bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    Ok(Written {
        database: if backend == Backend::Sqlite {
            "SQLite"
        } else {
            "PostgreSQL"
        },
        files: manifest.files.len() - 1,
        bytes,
    })
}

/// What `scal restore` put back.
pub struct Restored {
    pub database: String,
    pub files: usize,
    pub created_at: String,
    pub manifest: serde_json::Value,
}

pub async fn restore(settings: &Settings, archive: &Path) -> Result<Restored, Failure> {
    let url = settings.database_url.expose();
    let backend = Backend::from_url(url)?;
    let data_dir = &settings.data_dir;
    std::fs::create_dir_all(data_dir)
        .map_err(|e| fail(format!("cannot create the data directory {}: {e}", data_dir.display())))?;

    // Only into an empty place: a restore never mixes two histories.
    let sqlite_file = match backend {
        Backend::Sqlite => Some(scal_store::sqlite_path(url)?),
        Backend::Postgres => None,
    };
    let occupied = match &sqlite_file {
        // A SQLite file that does not exist yet (or is empty) is an empty database.
        Some(file) => std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) > 0 && !database_is_empty(url).await?,
        None => !database_is_empty(url).await?,
    };
    if occupied {
        return Err(fail(format!(
            "the database {} is not empty: restore into a new, empty database",
            describe_database(url)
        )));
    }
    let existing = data_files(data_dir, sqlite_file.as_deref(), archive, data_dir)?;
    if !existing.is_empty() {
        return Err(fail(format!(
            "the data directory {} already holds files (such as {}): restore into an empty one",
            data_dir.display(),
            existing[0].display()
        )));
    }

    // Unpack into a staging directory and check every byte before anything is put in place.
    let staging = tempfile::Builder::new()
        .prefix(".scal-restore-")
        .tempdir_in(data_dir)
        .map_err(|e| fail(format!("cannot write in {}: {e}", data_dir.display())))?;
    let (manifest, unpacked) = unpack(archive, staging.path())?;
    let wanted = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    if manifest.database != wanted {
        return Err(fail(format!(
            "the backup holds a {} database and the database URL names a {} one: restore it with a {} database URL",
            manifest.database, wanted, manifest.database
        )));
    }
    let db_entry = if backend == Backend::Sqlite {
        SQLITE_ENTRY
    } else {
        PG_ENTRY
    };
    if !unpacked.iter().any(|e| e.path == db_entry) {
        return Err(fail(format!("the backup has no {db_entry}")));
    }

    // The database first: if it fails, nothing else has been put in place.
    let staged_db = staging.path().join(db_entry);
    match &sqlite_file {
        Some(file) => {
            if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent)
                    .map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
            }
            for suffix in ["-wal", "-shm"] {
                let side = PathBuf::from(format!("{}{suffix}", file.display()));
                let _ = std::fs::remove_file(side);
            }
            std::fs::rename(&staged_db, file).map_err(|e| fail(format!("cannot write {}: {e}", file.display())))?;
        }
        None => {
            pg_tool(
                "pg_restore",
                &[
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                ],
                &staged_db,
                url,
            )
            .await?;
        }
    }
    let mut files = 0;
    for entry in &unpacked {
        let Some(relative) = entry.path.strip_prefix("files/") else {
            continue;
        };
        let target = data_dir.join(relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fail(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::rename(staging.path().join(&entry.path), &target)
            .map_err(|e| fail(format!("cannot write {}: {e}", target.display())))?;
        files += 1;
    }
    Ok(Restored {
        database: manifest.database.clone(),
        files,
        created_at: manifest.created_at.clone(),
        manifest: serde_json::json!({
            "created_at": manifest.created_at,
            "scal_version": manifest.scal_version,
            "database": manifest.database,
            "files": files,
        }),
    })
}

async fn database_is_empty(url: &str) -> Result<bool, Failure> {
    let store = Store::connect(url, 1).await?;
    let empty = store.is_empty().await;
    store.close().await;
    Ok(empty?)
}

/// Unpacks the archive into `into`, refusing anything but plain files at plain relative paths,
/// and checks every file against the manifest (which must list exactly what is there).
fn unpack(archive: &Path, into: &Path) -> Result<(Manifest, Vec<Entry>), Failure> {
    let name = archive.display();
    let file = File::open(archive).map_err(|e| fail(format!("cannot open {name}: {e}")))?;
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(BufReader::new(file)));
    let bad = |e: io::Error| fail(format!("{name} is not a scal backup (a .tar.gz archive): {e}"));
    let mut found = Vec::new();
    let mut manifest: Option<Manifest> = None;
    for entry in tar.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let path = entry.path().map_err(bad)?.into_owned();
        let shown = path.display().to_string();
        if !entry.header().entry_type().is_file() {
            return Err(fail(format!(
                "{name}: {shown} is not a plain file; a scal backup holds only files"
            )));
        }
        let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
        let relative = slash_path(&path).ok().filter(|_| plain);
        let Some(relative) = relative else {
            return Err(fail(format!("{name}: {shown} is not a plain relative path")));
        };
        if relative == MANIFEST {
            if manifest.is_some() {
                return Err(fail(format!("{name} holds two manifests")));
            }
            let mut json = Vec::new();
            entry
                .by_ref()
                .take(16 * 1024 * 1024)
                .read_to_end(&mut json)
                .map_err(bad)?;
            let parsed: Manifest = serde_json::from_slice(&json)
                .map_err(|e| fail(format!("{name}: manifest.json cannot be read: {e}")))?;
            if parsed.format != FORMAT {
                return Err(fail(format!(
                    "{name} is not a scal backup (its manifest says {:?})",
                    parsed.format
                )));
            }
            if parsed.format_version > FORMAT_VERSION {
                return Err(fail(format!(
                    "{name} was written in backup format {} by scal {}; this scal reads format {FORMAT_VERSION}: upgrade scal first",
                    parsed.format_version, parsed.scal_version
                )));
            }
            manifest = Some(parsed);
            continue;
        }
        if !(relative.starts_with("database/") || relative.starts_with("files/")) {
            return Err(fail(format!("{name}: {shown} is neither database/ nor files/")));
        }
        if found.iter().any(|e: &Entry| e.path == relative) {
            return Err(fail(format!("{name} holds {shown} twice")));
        }
        let target = into.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fail(format!("cannot unpack {shown}: {e}")))?;
        }
        // Owner-only, like the originals: the archive holds signing keys and the database.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let created = options
            .open(&target)
            .map_err(|e| fail(format!("cannot unpack {shown}: {e}")))?;
        let mut out = BufWriter::new(created);
        let mut hashing = Hashing::new(&mut entry);
        io::copy(&mut hashing, &mut out).map_err(bad)?;
        out.flush().map_err(|e| fail(format!("cannot unpack {shown}: {e}")))?;
        let file = out
            .into_inner()
            .map_err(|e| fail(format!("cannot unpack {shown}: {}", e.error())))?;
        file.sync_all()
            .map_err(|e| fail(format!("cannot unpack {shown}: {e}")))?;
        found.push(Entry {
            path: relative,
            bytes: hashing.bytes,
            sha256: hex::encode(hashing.hasher.finalize()),
        });
    }
    let Some(manifest) = manifest else {
        return Err(fail(format!(
            "{name} has no manifest.json: it is incomplete or not a scal backup"
        )));
    };
    for listed in &manifest.files {
        match found.iter().find(|f| f.path == listed.path) {
            None => {
                return Err(fail(format!(
                    "{name}: {} is listed in the manifest but missing",
                    listed.path
                )))
            }
            Some(f) if f != listed => {
                return Err(fail(format!(
                    "{name}: {} does not match the manifest (damaged: {} bytes, SHA-256 {})",
                    listed.path, f.bytes, f.sha256
                )))
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = found.iter().find(|f| !manifest.files.iter().any(|l| l.path == f.path)) {
        return Err(fail(format!("{name}: {} is not in the manifest", extra.path)));
    }
    Ok((manifest, found))
}

/// The data directory's files, relative to it, but the SQLite database (and its journal), the
/// archive being written, staging directories and uploads still being written.
fn data_files(data_dir: &Path, sqlite: Option<&Path>, out: &Path, staging: &Path) -> Result<Vec<PathBuf>, Failure> {
    let canonical = |p: &Path| std::fs::canonicalize(p).ok();
    let mut skip: Vec<PathBuf> = Vec::new();
    if let Some(db) = sqlite {
        // The maintenance lock's file (`Store::try_maintenance_lock`).
        let lock = format!(".{}.lock", scal_store::FILES_MAINTENANCE);
        for suffix in ["", "-wal", "-shm", "-journal", lock.as_str()] {
            if let Some(c) = canonical(Path::new(&format!("{}{suffix}", db.display()))) {
                skip.push(c);
            }
        }
    }
    skip.extend(canonical(out));
    let staging = canonical(staging);
    let mut found = Vec::new();
    let mut dirs = vec![data_dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let read = match std::fs::read_dir(&dir) {
            Ok(read) => read,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(fail(format!("cannot read {}: {e}", dir.display()))),
        };
        for entry in read {
            let entry = entry.map_err(|e| fail(format!("cannot read {}: {e}", dir.display())))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".scal-backup-") || name.starts_with(".scal-restore-") || name.contains(".partial-") {
                continue;
            }
            let kind = entry
                .file_type()
                .map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
            let full = canonical(&path);
            if full.is_some() && (full == staging || skip.contains(full.as_ref().unwrap_or(&path))) {
                continue;
            }
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file() {
                if let Ok(relative) = path.strip_prefix(data_dir) {
                    found.push(relative.to_path_buf());
                }
            }
        }
    }
    found.sort();
    Ok(found)
}

/// A relative path with `/` separators, as tar names it.
fn slash_path(path: &Path) -> Result<String, Failure> {
    let parts: Option<Vec<&str>> = path.components().map(|c| c.as_os_str().to_str()).collect();
    parts
        .map(|p| p.join("/"))
        .ok_or_else(|| fail(format!("{} is not a UTF-8 path", path.display())))
}

/// Runs `pg_dump` or `pg_restore` on `file` for the database at `url`. The password goes in the
/// environment (`PGPASSWORD`), not on the command line, where other users of the machine could
/// read it.
async fn pg_tool(tool: &str, args: &[&str], file: &Path, url: &str) -> Result<(), Failure> {
    let tool = tool.to_string();
    let mut parsed = url::Url::parse(url).map_err(|e| fail(format!("the database URL is not valid: {e}")))?;
    let password = parsed
        .password()
        .map(|p| urlencoding::decode(p).map_or_else(|_| p.to_string(), |d| d.into_owned()));
    let _ = parsed.set_password(None);
    let mut command = std::process::Command::new(&tool);
    command.args(args);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    if tool == "pg_dump" {
        command.arg(file).arg("--dbname").arg(parsed.as_str());
    } else {
        command.arg("--dbname").arg(parsed.as_str()).arg(file);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .map_err(|e| fail(format!("{tool} stopped: {e}")))?;
    let output = match output {
        Ok(output) => output,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(fail(format!(
                "{tool} is not installed: install PostgreSQL's client programs (the server's major version or newer) to back up or restore a PostgreSQL database"
            )))
        }
        Err(e) => return Err(fail(format!("cannot run {tool}: {e}"))),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(fail(format!("{tool} failed ({}): {}", output.status, stderr.trim())));
    }
    Ok(())
}

/// A reader that hashes and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
