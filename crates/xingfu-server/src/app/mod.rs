//! What every request stands on: the shared state, sign-in and sessions, stored files, errors,
//! the audit log's start-up check and form versions.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod error;
pub mod files;
pub mod reads;
pub mod replica;
pub mod state;
pub mod versions;
