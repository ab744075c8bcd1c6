//! An immutable view of the playlist and its segments for HTTP readers.

use bytes::Bytes;

/// The playlist and the segments it lists, as of the last segment closed.
///
/// The segmenter builds one whenever its window changes and hands it out as
/// an `Arc`; readers keep the `Arc` and answer requests from it without
/// going back to the segmenter. Lookups are an index into a vector.
#[derive(Debug, Clone, Default)]
pub struct HlsSnapshot {
    pub(crate) playlist: Bytes,
    pub(crate) first_seq: u64,
    pub(crate) segments: Vec<Bytes>,
    pub(crate) ended: bool,
}

impl HlsSnapshot {
    /// The playlist text (`application/vnd.apple.mpegurl`).
    pub fn playlist(&self) -> Bytes {
        self.playlist.clone()
    }

    /// Segment `seq` (`{seq}.ts`) if the playlist lists it.
    pub fn segment(&self, seq: u64) -> Option<Bytes> {
        let index = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        self.segments.get(index).cloned()
    }

    /// The sequence number of the first listed segment (EXT-X-MEDIA-SEQUENCE).
    pub fn media_sequence(&self) -> u64 {
        self.first_seq
    }

    /// How many segments the playlist lists.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The playlist carries EXT-X-ENDLIST.
    pub fn is_ended(&self) -> bool {
        self.ended
    }
}
