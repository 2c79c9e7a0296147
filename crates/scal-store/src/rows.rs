//! Turning rows back into domain values. A value that no longer parses means the database was
//! edited outside scal; that is reported as [`StoreError::Corrupt`], never a panic.

use scal_domain::FieldError;
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::{Result, StoreError};

pub(crate) fn text(row: &AnyRow, column: &str) -> Result<String> {
    Ok(row.try_get::<String, _>(column)?)
}

pub(crate) fn opt_text(row: &AnyRow, column: &str) -> Result<Option<String>> {
    Ok(row.try_get::<Option<String>, _>(column)?)
}

pub(crate) fn int(row: &AnyRow, column: &str) -> Result<i64> {
    Ok(row.try_get::<i64, _>(column)?)
}

pub(crate) fn opt_int(row: &AnyRow, column: &str) -> Result<Option<i64>> {
    Ok(row.try_get::<Option<i64>, _>(column)?)
}

/// Flags are stored as BIGINT 0/1: sqlx's `Any` driver cannot decode SQLite booleans.
pub(crate) fn boolean(row: &AnyRow, column: &str) -> Result<bool> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}

pub(crate) fn parsed<T>(row: &AnyRow, column: &str, parse: impl FnOnce(&str) -> Result<T, FieldError>) -> Result<T> {
    let raw = text(row, column)?;
    parse(&raw).map_err(|e| StoreError::Corrupt(format!("column {column} holds {raw:?}: {}", e.message)))
}
