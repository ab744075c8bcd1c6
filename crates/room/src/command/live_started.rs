//! `LiveStarted`: the live engine reports a publisher.

use crate::caller::Caller;
use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::Actor;
use crate::room::Room;

/// The room's stream went live (server only). A publisher that takes over
/// a live stream changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveStarted;

impl LiveStarted {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        Caller::require_system(actor)?;
        if room.live.live {
            return Ok(());
        }
        room.live.live = true;
        room.live.started_at_ms = Some(now_ms);
        room.live.viewers = 0;
        room.emit(now_ms, EventKind::LiveStarted);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{LiveEnded, ViewerCount};
    use crate::testing::{TestRoom, CREATOR};

    #[test]
    fn live_status_follows_the_engine() {
        let mut t = TestRoom::new();
        t.system(LiveStarted).unwrap();
        t.system(LiveStarted).unwrap();
        t.system(ViewerCount { viewers: 12 }).unwrap();
        t.system(ViewerCount { viewers: 12 }).unwrap();
        let live = t.live();
        assert!(live.live);
        assert_eq!((live.started_at_ms, live.viewers), (Some(t.now), 12));
        t.system(LiveEnded).unwrap();
        let ended = [
            EventKind::LiveStarted,
            EventKind::ViewerCount { viewers: 12 },
            EventKind::LiveEnded,
        ];
        assert_eq!(t.events(), ended);
        assert!(!t.live().live);
    }

    #[test]
    fn a_member_cannot_claim_the_stream_is_live() {
        let mut t = TestRoom::new();
        assert_eq!(t.run(CREATOR, LiveStarted), Err(RoomError::SystemOnly));
    }
}
