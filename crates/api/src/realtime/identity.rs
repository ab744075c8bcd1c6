//! Who a realtime connection acts as: an account, or a guest.

use std::sync::atomic::{AtomicU64, Ordering};

use room::UserId;

use super::session::Identity;
use crate::auth::session_user;
use crate::{ApiError, AppState};

/// Guests get ids from here up, far above any account id (and still exact
/// in a JavaScript number).
const FIRST_GUEST_ID: u64 = 1 << 52;

/// The account behind `token`, or a new guest named `name` when there is
/// no token. Whether guests may enter is the room's decision.
pub(crate) async fn identify(
    state: &AppState,
    token: Option<&str>,
    name: Option<&str>,
) -> Result<Identity, ApiError> {
    if let Some(token) = token {
        let user = session_user(state, token).await?;
        return Ok(Identity {
            user: user.id,
            name: user.username,
            guest: false,
        });
    }
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = name
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map_or_else(|| format!("guest-{}", n + 1), str::to_owned);
    Ok(Identity {
        user: UserId(FIRST_GUEST_ID + n),
        name,
        guest: true,
    })
}
