//! The browser app of synctv, embedded in the binary and served at `/`.
//!
//! Layer: adapter (axum). The app's source is `web/` at the top of the
//! repository (TypeScript, built with Vite); what it builds to is committed
//! under `crates/web/dist/` and compiled in by `build.rs`, which writes a
//! table of the files with their content types and ETags. Serving is a
//! lookup in that table: hashed assets (`assets/…`) are cached for a year
//! as immutable, `index.html` is revalidated on every load (`no-cache`),
//! and any other path that is not a file gets `index.html`, so the app's
//! own routes (`/rooms/{id}`, `/login`, …) load the app. The `api` crate
//! hands this router only the requests no API route took and that are not
//! under `/api`, `/flv` or `/hls` (those keep their JSON 404s).

mod files;

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;

pub use files::EmbeddedFile;

/// `Cache-Control` of hashed assets: their name changes with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of everything else: always ask whether it changed.
const REVALIDATE: &str = "no-cache";

/// The router that serves the embedded app (mount it as a fallback).
pub fn router() -> Router {
    Router::new().fallback(serve)
}

/// What a request path names among the embedded files.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// A file, served as it is.
    File(&'static EmbeddedFile),
    /// A path of the app itself: `index.html` answers it.
    App(&'static EmbeddedFile),
    /// A missing asset, or no app built into this binary.
    NotFound,
}

/// Decides what answers `path` (the URI path, with its leading `/`).
pub fn resolve(path: &str) -> Resolved {
    let index = files::find("index.html");
    let rel = path.trim_start_matches('/');
    if rel.is_empty() {
        return index.map_or(Resolved::NotFound, Resolved::File);
    }
    if let Some(file) = files::find(rel) {
        return Resolved::File(file);
    }
    // An asset that is not here is stale or mistyped: answering it with
    // HTML would only hide that behind a script parse error.
    if rel.starts_with("assets/") {
        return Resolved::NotFound;
    }
    index.map_or(Resolved::NotFound, Resolved::App)
}

async fn serve(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        let mut response = (StatusCode::METHOD_NOT_ALLOWED, "method not allowed\n").into_response();
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let file = match resolve(uri.path()) {
        Resolved::File(file) | Resolved::App(file) => file,
        Resolved::NotFound => return (StatusCode::NOT_FOUND, "not found\n").into_response(),
    };
    respond(file, &headers, method == Method::HEAD)
}

fn respond(file: &'static EmbeddedFile, request: &HeaderMap, head: bool) -> Response {
    let cache = if file.path.starts_with("assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|t| t.trim() == file.etag || t.trim() == "*")
        });
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if head {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(file.body.len()));
        r
    } else {
        (StatusCode::OK, file.body).into_response()
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::ETAG, HeaderValue::from_static(file.etag));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// Every embedded file (for tests and diagnostics).
pub fn files() -> &'static [EmbeddedFile] {
    files::FILES
}
