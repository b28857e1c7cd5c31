//! `citykit-sim`: the simulated city platform CityKit is tested against.
//!
//! * [`fixtures`]: the fictitious citizens, enterprises and agent links (with independent
//!   GB 11643 / GB 32100 validators).
//! * [`server`]: the HTTPS OpenID provider (PAR, PKCE S256, DPoP, refresh rotation) and city
//!   API described in `docs/platform-api.md`, with fault injection for tests.

pub mod fixtures;
pub mod server;

pub use fixtures::Fixtures;
pub use server::{
    serve_forever, Fault, IdTokenFault, RegisteredClient, SimConfig, SimError, SimHandle, SimStats,
    Simulator,
};
