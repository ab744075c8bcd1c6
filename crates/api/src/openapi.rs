//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every HTTP
//! route, written by hand in `openapi.json` beside this file and embedded
//! in the binary. docs/api.md is its prose counterpart; the tests check
//! that it names every route of the router and nothing else.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The document, as served.
const DOCUMENT: &str = include_str!("openapi.json");

pub(crate) async fn document() -> Response {
    let mut response = DOCUMENT.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
