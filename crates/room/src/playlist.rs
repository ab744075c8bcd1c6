//! The playlist: ordered items with room-assigned ids.

use crate::error::{Field, RoomError};
use crate::id::{ItemId, UserId};
use crate::text::{check_text, Lines};
use crate::url::{check_url, infer_kind};

/// The media types a browser player in the room can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// MP4 (progressive).
    Mp4,
    /// WebM.
    Webm,
    /// HLS (an `.m3u8` playlist).
    Hls,
    /// FLV (over HTTP).
    Flv,
}

impl MediaKind {
    /// The kind's name as stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mp4 => "mp4",
            Self::Webm => "webm",
            Self::Hls => "hls",
            Self::Flv => "flv",
        }
    }
}

/// What an item plays.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ItemSource {
    /// A direct media URL (checked: http or https, bounded length).
    Url {
        /// The URL.
        url: String,
        /// Its media type.
        kind: MediaKind,
    },
    /// The room's own live stream.
    Live,
}

/// A source as a client proposes it, before checks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NewSource {
    /// A direct media URL; without a kind, the path's extension decides.
    Url {
        /// The URL.
        url: String,
        /// The media type, when the URL does not tell.
        kind: Option<MediaKind>,
    },
    /// The room's own live stream.
    Live,
}

impl NewSource {
    pub(crate) fn checked(&self, max_url_bytes: usize) -> Result<ItemSource, RoomError> {
        match self {
            Self::Live => Ok(ItemSource::Live),
            Self::Url { url, kind } => {
                let url = check_url(url, max_url_bytes)?;
                let kind = kind
                    .or_else(|| infer_kind(&url))
                    .ok_or(RoomError::UnsupportedMedia)?;
                Ok(ItemSource::Url { url, kind })
            }
        }
    }
}

/// One entry of the playlist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistItem {
    /// Its id, assigned by the room.
    pub id: ItemId,
    /// Its title.
    pub title: String,
    /// What it plays.
    pub source: ItemSource,
    /// Its length when known (never for the live stream).
    pub duration_ms: Option<u64>,
    /// Who added it (`None` for the server).
    pub added_by: Option<UserId>,
    /// When it was added.
    pub added_at_ms: i64,
}

impl PlaylistItem {
    /// Whether this is the room's live stream.
    pub fn is_live(&self) -> bool {
        self.source == ItemSource::Live
    }
}

/// Checks a title; an empty one is replaced by a default.
pub(crate) fn check_title(
    title: &str,
    source: &ItemSource,
    max_chars: usize,
) -> Result<String, RoomError> {
    if !title.trim().is_empty() {
        return check_text(Field::Title, title, max_chars, Lines::One);
    }
    let fallback = match source {
        ItemSource::Live => "Live",
        ItemSource::Url { url, .. } => default_title(url),
    };
    Ok(fallback.chars().take(max_chars).collect())
}

/// The last path segment of a URL, or the URL itself.
fn default_title(url: &str) -> &str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.rsplit('/')
        .find(|s| !s.is_empty())
        .filter(|s| !s.contains(':'))
        .unwrap_or(url)
}

/// The ordered items and the next id to hand out.
#[derive(Debug, Clone)]
pub(crate) struct Playlist {
    items: Vec<PlaylistItem>,
    next_id: u64,
}

impl Playlist {
    /// An empty playlist whose first item will be number 1.
    pub(crate) fn new() -> Self {
        Self::restore(Vec::new(), 1)
    }

    pub(crate) fn restore(items: Vec<PlaylistItem>, next_id: u64) -> Self {
        let past_last = items.iter().map(|i| i.id.0.saturating_add(1)).max();
        let next_id = next_id.max(past_last.unwrap_or(1)).max(1);
        Self { items, next_id }
    }

    pub(crate) fn items(&self) -> &[PlaylistItem] {
        &self.items
    }

    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    pub(crate) fn next_id(&self) -> u64 {
        self.next_id
    }

    pub(crate) fn find(&self, id: ItemId) -> Result<&PlaylistItem, RoomError> {
        self.items
            .iter()
            .find(|i| i.id == id)
            .ok_or(RoomError::ItemNotFound { id })
    }

    fn index(&self, id: ItemId) -> Result<usize, RoomError> {
        self.items
            .iter()
            .position(|i| i.id == id)
            .ok_or(RoomError::ItemNotFound { id })
    }

    /// Hands out the next id.
    pub(crate) fn allocate(&mut self) -> ItemId {
        let id = ItemId(self.next_id);
        self.next_id = self.next_id.saturating_add(1);
        id
    }

    pub(crate) fn push(&mut self, item: PlaylistItem) {
        self.items.push(item);
    }

    pub(crate) fn replace(&mut self, item: PlaylistItem) -> Result<(), RoomError> {
        let index = self.index(item.id)?;
        self.items[index] = item;
        Ok(())
    }

    pub(crate) fn remove(&mut self, id: ItemId) -> Result<PlaylistItem, RoomError> {
        let index = self.index(id)?;
        Ok(self.items.remove(index))
    }

    /// Moves `id` right after `after`, or to the top when `after` is `None`.
    /// Moving an item after itself leaves it where it is.
    pub(crate) fn move_after(
        &mut self,
        id: ItemId,
        after: Option<ItemId>,
    ) -> Result<(), RoomError> {
        let from = self.index(id)?;
        if let Some(after) = after {
            self.index(after)?;
        }
        if after == Some(id) {
            return Ok(());
        }
        let item = self.items.remove(from);
        let to = match after {
            None => 0,
            Some(after) => self.index(after)? + 1,
        };
        self.items.insert(to, item);
        Ok(())
    }

    pub(crate) fn clear(&mut self) {
        self.items.clear();
    }

    /// The item after `id`, if `id` is in the list and not last.
    pub(crate) fn next_after(&self, id: ItemId) -> Option<&PlaylistItem> {
        let index = self.index(id).ok()?;
        self.items.get(index + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: u64) -> PlaylistItem {
        PlaylistItem {
            id: ItemId(id),
            title: format!("t{id}"),
            source: ItemSource::Live,
            duration_ms: None,
            added_by: None,
            added_at_ms: 0,
        }
    }

    fn ids(p: &Playlist) -> Vec<u64> {
        p.items().iter().map(|i| i.id.0).collect()
    }

    #[test]
    fn items_move_after_another_or_to_the_top() {
        let mut p = Playlist::restore((1..=4).map(item).collect(), 5);
        p.move_after(ItemId(1), Some(ItemId(3))).unwrap();
        assert_eq!(ids(&p), [2, 3, 1, 4]);
        p.move_after(ItemId(4), None).unwrap();
        assert_eq!(ids(&p), [4, 2, 3, 1]);
        p.move_after(ItemId(2), Some(ItemId(2))).unwrap();
        assert_eq!(ids(&p), [4, 2, 3, 1], "after itself is where it is");
        p.move_after(ItemId(2), Some(ItemId(9))).unwrap_err();
        assert_eq!(ids(&p), [4, 2, 3, 1], "a failed move changes nothing");
    }

    #[test]
    fn restored_ids_never_go_back() {
        let mut p = Playlist::restore(vec![item(9)], 3);
        assert_eq!(p.allocate(), ItemId(10));
        let mut empty = Playlist::restore(Vec::new(), 0);
        assert_eq!(empty.allocate(), ItemId(1));
    }

    #[test]
    fn an_empty_title_becomes_the_file_name() {
        let source = NewSource::Url {
            url: "https://cdn.example/v/ep01.mp4?sig=1".into(),
            kind: None,
        }
        .checked(2048)
        .unwrap();
        assert_eq!(check_title(" ", &source, 200).unwrap(), "ep01.mp4");
        assert_eq!(check_title("", &ItemSource::Live, 200).unwrap(), "Live");
    }

    #[test]
    fn a_url_without_a_known_extension_needs_a_kind() {
        let bare = NewSource::Url {
            url: "https://x/watch?v=1".into(),
            kind: None,
        };
        assert_eq!(bare.checked(2048), Err(RoomError::UnsupportedMedia));
        let told = NewSource::Url {
            url: "https://x/watch?v=1".into(),
            kind: Some(MediaKind::Hls),
        };
        assert!(told.checked(2048).is_ok());
    }
}
