//! The table `build.rs` writes from `dist/`.

/// One built file, compiled into the binary.
#[derive(Debug, PartialEq, Eq)]
pub struct EmbeddedFile {
    /// Path under `dist/`, with `/` separators (`assets/index-….js`).
    pub path: &'static str,
    pub body: &'static [u8],
    pub content_type: &'static str,
    /// A quoted fingerprint of the body.
    pub etag: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/files.rs"));

/// The file at `path`, if it was built.
pub(crate) fn find(path: &str) -> Option<&'static EmbeddedFile> {
    FILES.iter().find(|f| f.path == path)
}
