use std::sync::Arc;

use axum::extract::FromRef;
use live::Live;
use store::Store;

use crate::rate::RateLimiter;

/// What every route can reach: the live engine, storage and the limits.
#[derive(Debug, Clone)]
pub struct AppState {
    pub live: Arc<Live>,
    pub store: Store,
    pub(crate) auth_limiter: Arc<RateLimiter>,
}

impl AppState {
    pub fn new(live: Arc<Live>, store: Store) -> AppState {
        AppState {
            live,
            store,
            // Login and register: bursts of 10, then one every 6 s per address.
            auth_limiter: Arc::new(RateLimiter::new(10, 6_000)),
        }
    }
}

impl FromRef<AppState> for Arc<Live> {
    fn from_ref(state: &AppState) -> Arc<Live> {
        state.live.clone()
    }
}
