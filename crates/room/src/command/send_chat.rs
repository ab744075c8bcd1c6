//! `SendChat`: a chat message.

use crate::chat::ChatMessage;
use crate::error::{Field, RoomError};
use crate::event::EventKind;
use crate::id::{Actor, RequestId};
use crate::permission::Permissions;
use crate::room::Room;
use crate::text::{check_text, Lines};

/// Sends a chat message: trimmed, not empty, within the length limit, no
/// control characters but newlines and tabs; within the member's chat
/// rate. It is kept in the room's history (the last N messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendChat {
    /// The text.
    pub text: String,
    /// Makes a retried send appear once.
    pub request_id: Option<RequestId>,
}

impl SendChat {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        let user = caller.person()?;
        caller.require(Permissions::CHAT)?;
        let text = check_text(Field::Chat, &self.text, room.limits.chat_chars, Lines::Many)?;
        let name = room
            .roster
            .seat(user)
            .map(|seat| seat.member.name.clone())
            .unwrap_or_default();
        let message = ChatMessage {
            seq: room.next_seq(),
            user,
            name,
            text,
            at_ms: now_ms,
        };
        room.chat.push(message.clone());
        room.emit(now_ms, EventKind::Chat { message });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::RoomLimits;
    use crate::rate_limit::RateLimit;
    use crate::settings::RoomSettings;
    use crate::testing::{TestRoom, ALICE, CREATOR};

    fn chat(text: &str) -> SendChat {
        SendChat {
            text: text.into(),
            request_id: None,
        }
    }

    fn unlimited() -> TestRoom {
        let limits = RoomLimits {
            chat_rate: RateLimit {
                burst: u32::MAX,
                every_ms: 0,
            },
            ..RoomLimits::default()
        };
        TestRoom::with(RoomSettings::new("r"), limits)
    }

    #[test]
    fn a_message_carries_its_seq_sender_and_time() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        t.events();
        t.run(ALICE, chat(" hello ")).unwrap();
        let events = t.drain();
        let EventKind::Chat { message } = &events[0].kind else {
            panic!("{events:?}");
        };
        assert_eq!(message.seq, events[0].seq);
        assert_eq!((message.user, message.text.as_str()), (ALICE, "hello"));
        assert_eq!((message.name.as_str(), message.at_ms), ("user2", t.now));
    }

    #[test]
    fn chat_is_limited_to_500_characters() {
        let mut t = TestRoom::new();
        t.run(CREATOR, chat(&"é".repeat(500))).unwrap();
        let err = t.run(CREATOR, chat(&"é".repeat(501))).unwrap_err();
        assert_eq!(err.code(), "too_long");
        assert_eq!(t.run(CREATOR, chat("   ")).unwrap_err().code(), "empty");
    }

    #[test]
    fn a_member_who_chats_too_fast_is_rate_limited() {
        let mut t = TestRoom::new();
        for _ in 0..5 {
            t.run(CREATOR, chat("spam")).unwrap();
        }
        let err = t.run(CREATOR, chat("spam")).unwrap_err();
        assert_eq!(
            err,
            RoomError::RateLimited {
                retry_after_ms: 1000
            }
        );
        t.advance(1000);
        t.run(CREATOR, chat("again")).unwrap();
    }

    #[test]
    fn chat_keeps_the_last_500_messages() {
        let mut t = unlimited();
        for i in 0..600 {
            t.run(CREATOR, chat(&format!("m{i}"))).unwrap();
        }
        t.events();
        let all = t.chat_history(None, usize::MAX);
        assert_eq!(all.len(), 100, "a page is capped");
        assert_eq!(all.last().unwrap().text, "m599");
        let mut oldest = all[0].seq;
        let mut kept = all.len();
        loop {
            let page = t.chat_history(Some(oldest), 100);
            let Some(first) = page.first() else { break };
            oldest = first.seq;
            kept += page.len();
        }
        assert_eq!(kept, 500);
        assert_eq!(t.chat_history(Some(oldest + 1), 1)[0].text, "m100");
    }

    #[test]
    fn the_server_cannot_chat_as_nobody() {
        let mut t = TestRoom::new();
        assert_eq!(t.system(chat("hi")), Err(RoomError::NotAMember));
    }
}
