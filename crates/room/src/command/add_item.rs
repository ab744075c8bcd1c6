//! `AddItem`: append an item to the playlist.

use crate::error::RoomError;
use crate::event::EventKind;
use crate::id::{Actor, RequestId};
use crate::permission::Permissions;
use crate::playlist::{check_title, ItemSource, NewSource, PlaylistItem};
use crate::room::Room;

/// Appends a direct media URL or the room's live stream. The room assigns
/// the item id. The live stream has no duration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddItem {
    /// The title; empty means the URL's file name (or "Live").
    pub title: String,
    /// What it plays.
    pub source: NewSource,
    /// Its length, if the client knows it.
    pub duration_ms: Option<u64>,
    /// Makes a retried add apply once.
    pub request_id: Option<RequestId>,
}

impl AddItem {
    pub(crate) fn apply(self, room: &mut Room, actor: Actor, now_ms: i64) -> Result<(), RoomError> {
        let caller = room.caller(actor)?;
        caller.require(Permissions::ADD_ITEM)?;
        let max = room.limits.max_items;
        if room.playlist.len() >= max {
            return Err(RoomError::PlaylistFull { max });
        }
        let source = self.source.checked(room.limits.url_bytes)?;
        let title = check_title(&self.title, &source, room.limits.title_chars)?;
        let duration_ms = checked_duration(&source, self.duration_ms, room.limits.max_position_ms)?;
        let item = PlaylistItem {
            id: room.playlist.allocate(),
            title,
            source,
            duration_ms,
            added_by: caller.user,
            added_at_ms: now_ms,
        };
        room.playlist.push(item.clone());
        room.emit(now_ms, EventKind::ItemAdded { item });
        Ok(())
    }
}

/// A duration is positive and bounded; the live stream has none.
pub(crate) fn checked_duration(
    source: &ItemSource,
    duration_ms: Option<u64>,
    max_ms: u64,
) -> Result<Option<u64>, RoomError> {
    match (source, duration_ms) {
        (ItemSource::Live, _) | (_, None) => Ok(None),
        (_, Some(d)) if d == 0 || d > max_ms => Err(RoomError::InvalidPosition { position_ms: d }),
        (_, Some(d)) => Ok(Some(d)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UrlProblem;
    use crate::id::ItemId;
    use crate::limits::RoomLimits;
    use crate::playlist::MediaKind;
    use crate::settings::RoomSettings;
    use crate::testing::{TestRoom, ALICE, CREATOR, GUEST};

    fn add(url: &str) -> AddItem {
        AddItem {
            title: String::new(),
            source: NewSource::Url {
                url: url.into(),
                kind: None,
            },
            duration_ms: None,
            request_id: None,
        }
    }

    #[test]
    fn added_items_get_increasing_ids_never_reused() {
        let mut t = TestRoom::new();
        t.join(ALICE);
        let first = t.add(ALICE, None);
        let second = t.add(ALICE, None);
        assert_eq!((first, second), (ItemId(1), ItemId(2)));
        t.run(CREATOR, crate::command::ClearPlaylist).unwrap();
        assert_eq!(t.add(ALICE, None), ItemId(3));
    }

    #[test]
    fn each_kind_of_url_is_recognised() {
        let mut t = TestRoom::new();
        for (url, kind) in [
            ("https://x/a.mp4", MediaKind::Mp4),
            ("https://x/a.webm", MediaKind::Webm),
            ("http://x/live/index.m3u8", MediaKind::Hls),
            ("http://x/live.flv", MediaKind::Flv),
        ] {
            t.run(CREATOR, add(url)).unwrap();
            let item = t.playlist().last().unwrap();
            assert_eq!(
                item.source,
                ItemSource::Url {
                    url: url.into(),
                    kind
                }
            );
        }
    }

    #[test]
    fn a_bad_url_is_refused() {
        let mut t = TestRoom::new();
        let err = t.run(CREATOR, add("rtmp://x/live")).unwrap_err();
        let scheme = UrlProblem::Scheme;
        assert_eq!(err, RoomError::InvalidUrl { problem: scheme });
        let err = t.run(CREATOR, add("https://x/page.html")).unwrap_err();
        assert_eq!(err.code(), "unsupported_media");
        let long = format!("https://x/{}.mp4", "a".repeat(2048));
        assert_eq!(t.run(CREATOR, add(&long)).unwrap_err().code(), "too_long");
        assert!(t.playlist().is_empty());
    }

    #[test]
    fn the_live_stream_can_be_an_item() {
        let mut t = TestRoom::new();
        let live = AddItem {
            title: String::new(),
            source: NewSource::Live,
            duration_ms: Some(1000),
            request_id: None,
        };
        t.run(CREATOR, live).unwrap();
        let item = &t.playlist()[0];
        assert!(item.is_live());
        assert_eq!((item.title.as_str(), item.duration_ms), ("Live", None));
    }

    #[test]
    fn a_guest_cannot_add_by_default() {
        let mut settings = RoomSettings::new("r");
        settings.guests_allowed = true;
        let mut t = TestRoom::with(settings, RoomLimits::default());
        let join = crate::command::Join {
            name: "g".into(),
            guest: true,
            password_ok: false,
        };
        t.run(GUEST, join).unwrap();
        let err = t.run(GUEST, add("https://x/a.mp4")).unwrap_err();
        assert_eq!(err.code(), "permission_denied");
    }

    #[test]
    fn the_playlist_is_bounded() {
        let limits = RoomLimits {
            max_items: 2,
            ..RoomLimits::default()
        };
        let mut t = TestRoom::with(RoomSettings::new("r"), limits);
        t.add(CREATOR, None);
        t.add(CREATOR, None);
        let err = t.run(CREATOR, add("https://x/a.mp4")).unwrap_err();
        assert_eq!(err, RoomError::PlaylistFull { max: 2 });
    }

    #[test]
    fn a_retried_add_adds_once() {
        let mut t = TestRoom::new();
        let add = AddItem {
            request_id: Some(crate::testing::rid("add-1")),
            ..add("https://x/a.mp4")
        };
        t.run(CREATOR, add.clone()).unwrap();
        let again = t.run(CREATOR, add).unwrap();
        assert!(again.replayed);
        assert_eq!(t.playlist().len(), 1);
    }
}
