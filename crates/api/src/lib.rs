//! The HTTP side of synctv: one port for the API, HTTP-FLV and HLS.
//!
//! Layer: adapter (axum + hyper). [`serve`] owns the listener: it peeks at
//! each new connection and hands one that starts with `GET /flv/…` straight
//! to the live engine's raw HTTP-FLV writer (one vectored write per batch,
//! no per-viewer HTTP framing); everything else goes to the axum
//! [`router`], where a later `GET /flv/…` plays as a response body. Errors become
//! `{"error": {"code", "message"}}` with the right status in one place,
//! [`ApiError`]. Behind a load balancer, the client of a request is found
//! through [`TrustedProxies`] before any route runs.

mod admin;
mod audience;
mod auth;
mod cidr;
mod client_addr;
mod error;
mod flv_play;
mod hls;
mod json;
mod listener;
mod members;
mod metrics;
mod openapi;
mod path;
mod playlist;
mod rate;
mod readiness;
mod realtime;
mod rendezvous;
mod room_live;
mod room_routes;
mod room_settings;
mod room_stages;
mod router;
mod state;
mod status;
mod views;

pub use audience::AudienceCounts;
pub use cidr::{Cidr, CidrError};
pub use client_addr::TrustedProxies;
pub use error::ApiError;
pub use listener::{serve, HttpLimits};
pub use path::PathSegment;
pub use readiness::{readiness, NotReady, PROBE_WITHIN};
pub use router::router;
pub use state::AppState;
