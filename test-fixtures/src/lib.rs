//! `citykit-sim`: the simulated city platform CityKit is tested against.
//!
//! * [`fixtures`]: the fictitious citizens, enterprises and agent links (with independent
//!   GB 11643 / GB 32100 validators).
//! * [`server`]: the HTTPS OpenID provider (PAR, PKCE S256, DPoP, refresh rotation), city
//!   API, licence-issuing offices (SD-JWT VC licences, Token Status Lists), the service
//!   catalogue (`data/catalogue.json`) and cases (verified materials, 秒批, working-day due
//!   dates, co-signing, ratings, inbox) described in `docs/platform-api.md`, with fault
//!   injection and a movable case clock for tests.
//! * [`population`]: synthetic populations (persons and enterprises with multi-year life-event
//!   and service-use trajectories, seeded) and the leave-last-out evaluation of the core's
//!   recommender against baselines (`docs/population.md`).

pub mod fixtures;
pub mod population;
pub mod server;
pub mod testing;

pub use fixtures::Fixtures;
pub use server::{
    licence_offices, serve_forever, DpopNonceMode, Fault, IdTokenFault, LicenceOffice, LicenceValidity, PushedRequest, RatingCounts,
    RatingStats, RecordedRequest, RegisteredClient, ServiceCatalogue, ServiceItem, SimCase, SimConfig, SimError, SimHandle, SimStats,
    Simulator, LICENCE_OFFICES,
};
