//! Per-request stream frames: one stream per pull or API call.
//!
//! `PULL`: the client sends [`Pull`]; the server answers with [`Tag`]
//! frames (whole FLV tags) until either side sends [`End`] or stops the
//! stream. `API`: one [`ApiRequest`] answered by one [`ApiResponse`].

use bytes::Bytes;

use super::buf::{Reader, Writer};
use super::control::{REASON_MAX, STREAM_NAME_MAX};
use super::FrameError;

/// Longest HTTP method, in bytes.
pub const METHOD_MAX: usize = 16;
/// Longest path, in bytes.
pub const PATH_MAX: usize = 2048;
/// Longest query string, in bytes.
pub const QUERY_MAX: usize = 4096;
/// Most headers in one request or response.
pub const HEADERS_MAX: usize = 64;
/// Longest header name, in bytes.
pub const HEADER_NAME_MAX: usize = 256;
/// Longest header value, in bytes.
pub const HEADER_VALUE_MAX: usize = 8192;
/// Largest API request or response body, in bytes.
pub const BODY_MAX: usize = 8 * 1024 * 1024;

/// Headers in order, names as sent.
pub type Headers = Vec<(String, String)>;

/// Asks for a live stream of the other side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pull {
    pub stream: String,
}

impl Pull {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            stream: r.text("stream", STREAM_NAME_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.text("stream", &self.stream, STREAM_NAME_MAX)
    }
}

/// One whole FLV tag (header, body and previous-tag-size), shared as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub data: Bytes,
}

impl Tag {
    pub(super) fn read(r: &mut Reader) -> Self {
        Self { data: r.rest() }
    }

    pub(super) fn write(&self, w: &mut Writer) {
        w.raw(&self.data);
    }
}

/// The sender stops this request stream, with a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct End {
    pub reason: String,
}

impl End {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            reason: r.text("reason", REASON_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.text("reason", &self.reason, REASON_MAX)
    }
}

/// An HTTP request relayed to the other side's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Headers,
    pub body: Bytes,
}

impl ApiRequest {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            method: r.text("method", METHOD_MAX)?,
            path: r.text("path", PATH_MAX)?,
            query: r.text("query", QUERY_MAX)?,
            headers: read_headers(r)?,
            body: r.body("body", BODY_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.text("method", &self.method, METHOD_MAX)?;
        w.text("path", &self.path, PATH_MAX)?;
        w.text("query", &self.query, QUERY_MAX)?;
        write_headers(w, &self.headers)?;
        w.body("body", &self.body, BODY_MAX)
    }
}

/// The relayed API's real status, headers and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: Headers,
    pub body: Bytes,
}

impl ApiResponse {
    pub(super) fn read(r: &mut Reader) -> Result<Self, FrameError> {
        Ok(Self {
            status: r.u16()?,
            headers: read_headers(r)?,
            body: r.body("body", BODY_MAX)?,
        })
    }

    pub(super) fn write(&self, w: &mut Writer) -> Result<(), FrameError> {
        w.u16(self.status);
        write_headers(w, &self.headers)?;
        w.body("body", &self.body, BODY_MAX)
    }
}

fn read_headers(r: &mut Reader) -> Result<Headers, FrameError> {
    let count = usize::from(r.u8()?);
    if count > HEADERS_MAX {
        return Err(FrameError::TooManyHeaders {
            count,
            max: HEADERS_MAX,
        });
    }
    let mut headers = Vec::with_capacity(count);
    for _ in 0..count {
        let name = r.text("header name", HEADER_NAME_MAX)?;
        let value = r.text("header value", HEADER_VALUE_MAX)?;
        headers.push((name, value));
    }
    Ok(headers)
}

fn write_headers(w: &mut Writer, headers: &Headers) -> Result<(), FrameError> {
    let count = headers.len();
    let count8 = u8::try_from(count).ok().filter(|_| count <= HEADERS_MAX);
    let count8 = count8.ok_or(FrameError::TooManyHeaders {
        count,
        max: HEADERS_MAX,
    })?;
    w.u8(count8);
    for (name, value) in headers {
        w.text("header name", name, HEADER_NAME_MAX)?;
        w.text("header value", value, HEADER_VALUE_MAX)?;
    }
    Ok(())
}
