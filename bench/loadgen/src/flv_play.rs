//! One HTTP-FLV viewer: GET the stream, scan tags until the deadline.

use crate::flv::{FlvScanner, TagKind};
use crate::http::{BodyEnd, HttpConn};
use crate::net::{self, Url};
use crate::viewer::{ErrorKind, Viewer, ViewerError};

pub async fn run(url: &Url, v: &mut Viewer) -> Result<(), ViewerError> {
    let addr = url.socket_addr().map_err(|e| ViewerError::new(ErrorKind::Connect, e))?;
    let mut conn = HttpConn::open(addr, url.authority(), v).await?;
    let Some(head) = conn.get(&url.path, v).await? else {
        return Ok(());
    };
    if head.status != 200 {
        return Err(ViewerError::new(ErrorKind::HttpStatus, format!("HTTP {}", head.status)));
    }
    v.handle_setup(std::time::Instant::now());
    net::apply_low_water_mark(&conn.stream, v)?;
    let mut scanner = FlvScanner::new();
    let end = conn
        .body(head.body, v, |v, data, now| {
            scanner
                .feed(data, |tag| {
                    if !tag.is_media_frame() {
                        return;
                    }
                    if tag.kind == TagKind::Video && tag.keyframe {
                        v.handle_keyframe(tag.ts_ms, now);
                    } else {
                        v.handle_media(tag.ts_ms, now);
                    }
                })
                .map_err(|e| ViewerError::new(ErrorKind::Protocol, e))
        })
        .await?;
    match end {
        BodyEnd::Deadline => Ok(()),
        BodyEnd::Complete => Err(ViewerError::new(ErrorKind::Closed, "the server ended the FLV body")),
    }
}
