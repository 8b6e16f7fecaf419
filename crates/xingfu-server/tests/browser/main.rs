//! The pages people use, driven in headless Chromium through ChromeDriver against the real
//! server over HTTP. Screenshots land in `target/browser-screens/` for a human to look at.

#[path = "../common/mod.rs"]
mod common;

use std::time::Duration;

use common::browser::{Browser, serve};
use fantoccini::Locator;

mod account;
mod documents;
mod maps;
mod rounds;
