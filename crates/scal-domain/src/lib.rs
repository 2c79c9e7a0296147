//! The SCAL domain: what organisations, users, products and services are, which values are valid,
//! who may do what, and how the audit chain is hashed.
//!
//! **Invariant:** this crate does no I/O. It has no async, no database, no HTTP and never reads the
//! clock or a random source: time and identifiers are passed in by the caller.
#![deny(clippy::unwrap_used, clippy::expect_used)]

pub mod agreement;
pub mod audit;
pub mod certificate;
pub mod check;
pub mod enquiry;
pub mod evidence;
pub mod field;
pub mod local_assurance;
pub mod manifest;
pub mod ods;
pub mod onboarding;
pub mod organisation;
pub mod password;
pub mod policy;
pub mod product;
pub mod reminder;
pub mod review;
pub mod service;
pub mod share;
pub mod signin;
pub mod signing;
pub mod snapshot;
pub mod status;
pub mod template;
pub mod testing;
pub mod thread;
pub mod uplift;
pub mod use_policy;
pub mod user;

pub use field::{FieldError, Invalid};
pub use ods::OdsCode;
