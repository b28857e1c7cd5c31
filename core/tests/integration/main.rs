//! Integration tests: the core against the simulated city platform over real HTTPS on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod env;
mod envelope;
mod login;
mod logout;
mod net;
mod push;
mod recommend;
mod refresh;
mod services;
mod session;
mod verifier;
mod wallet;
