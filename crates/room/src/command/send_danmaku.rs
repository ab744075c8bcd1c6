//! `SendDanmaku`: a comment that flies over the video.

use crate::chat::{Danmaku, DanmakuMode};
use crate::error::{Field, RoomError};
use crate::event::EventKind;
use crate::id::{Actor, RequestId};
use crate::permission::Permissions;
use crate::room::Room;
use crate::text::{check_text, Lines};

/// Sends a danmaku: one line within the length limit, a `0xRRGGBB`
/// colour, within the member's danmaku rate. Broadcast only: it stays in
/// the event backlog and nowhere else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendDanmaku {
    /// The text.
    pub text: String,
    /// Colour as `0xRRGGBB`.
    pub color: u32,
    /// Where it flies.
    pub mode: DanmakuMode,
    /// The media position it belongs to; `None` means the clock's now.
    pub media_position_ms: Option<u64>,
    /// Makes a retried send appear once.
    pub request_id: Option<RequestId>,
}

impl SendDanmaku {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        let user = caller.person()?;
        caller.require(Permissions::DANMAKU)?;
        let limit = room.limits.danmaku_chars;
        let text = check_text(Field::Danmaku, &self.text, limit, Lines::One)?;
        if self.color > 0x00FF_FFFF {
            return Err(RoomError::InvalidColor { color: self.color });
        }
        let now_position = room.clock_at(now_ms).position_ms;
        let media_position_ms = self.media_position_ms.unwrap_or(now_position);
        if media_position_ms > room.limits.max_position_ms {
            let position_ms = media_position_ms;
            return Err(RoomError::InvalidPosition { position_ms });
        }
        let danmaku = Danmaku {
            user,
            text,
            color: self.color,
            mode: self.mode,
            media_position_ms,
        };
        room.emit(now_ms, EventKind::Danmaku { danmaku });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::SetCurrent;
    use crate::testing::{rid, TestRoom, CREATOR};

    fn danmaku(text: &str, color: u32) -> SendDanmaku {
        SendDanmaku {
            text: text.into(),
            color,
            mode: DanmakuMode::Scroll,
            media_position_ms: None,
            request_id: None,
        }
    }

    #[test]
    fn a_danmaku_is_broadcast_at_the_current_media_position() {
        let mut t = TestRoom::new();
        let id = t.add(CREATOR, None);
        t.run(
            CREATOR,
            SetCurrent {
                id,
                request_id: rid("c"),
            },
        )
        .unwrap();
        t.advance(12_000);
        t.events();
        t.run(CREATOR, danmaku("前方高能", 0xFF0000)).unwrap();
        let events = t.events();
        let [EventKind::Danmaku { danmaku }] = &events[..] else {
            panic!("{events:?}");
        };
        assert_eq!(danmaku.media_position_ms, 12_000);
        assert!(t.chat_history(None, 10).is_empty(), "not kept as chat");
    }

    #[test]
    fn a_danmaku_is_one_short_line_in_a_real_colour() {
        let mut t = TestRoom::new();
        let long = "x".repeat(101);
        assert_eq!(
            t.run(CREATOR, danmaku(&long, 0)).unwrap_err().code(),
            "too_long"
        );
        let two_lines = danmaku("a\nb", 0);
        assert_eq!(
            t.run(CREATOR, two_lines).unwrap_err().code(),
            "invalid_text"
        );
        let bad = danmaku("hi", 0x0100_0000);
        assert_eq!(t.run(CREATOR, bad).unwrap_err().code(), "invalid_color");
    }

    #[test]
    fn danmaku_has_its_own_rate_limit() {
        let mut t = TestRoom::new();
        for _ in 0..10 {
            t.run(CREATOR, danmaku("hi", 0xFFFFFF)).unwrap();
        }
        let err = t.run(CREATOR, danmaku("hi", 0xFFFFFF)).unwrap_err();
        assert_eq!(err.code(), "rate_limited");
        let chat = crate::command::SendChat {
            text: "still chatting".into(),
            request_id: None,
        };
        t.run(CREATOR, chat).unwrap();
    }
}
