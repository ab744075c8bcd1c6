//! A path extractor whose rejections are API errors. A segment that cannot
//! name what its route names (not UTF-8 once percent-decoded, or not a
//! number where an id is one) is the JSON 404 of that thing, never axum's
//! plain-text 400: `/api/v1/rooms/%FF` is `404 room_not_found`.

use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, RawPathParams};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// What a route's path segment names, by its name in the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathSegment {
    /// `{id}`: a room.
    Room,
    /// `{item}`: a playlist item.
    Item,
    /// `{user}`: an account.
    User,
    /// `{stream}`: a live stream.
    Stream,
    /// `{file}`: an HLS playlist or segment.
    File,
}

impl PathSegment {
    fn named(key: &str) -> Option<PathSegment> {
        match key {
            "id" => Some(PathSegment::Room),
            "item" => Some(PathSegment::Item),
            "user" => Some(PathSegment::User),
            "stream" => Some(PathSegment::Stream),
            "file" => Some(PathSegment::File),
            _ => None,
        }
    }

    /// The thing's name, for messages.
    pub fn as_str(self) -> &'static str {
        match self {
            PathSegment::Room => "room",
            PathSegment::Item => "item",
            PathSegment::User => "user",
            PathSegment::Stream => "stream",
            PathSegment::File => "segment",
        }
    }
}

/// Like `axum::extract::Path`, with a JSON 404 for a segment that names
/// nothing (see the module).
#[derive(Debug)]
pub(crate) struct ApiPath<T>(pub(crate) T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                let key = offending_key(parts, state, &rejection).await;
                Err(match key.as_deref().and_then(PathSegment::named) {
                    Some(segment) => ApiError::NoSuch(segment),
                    None => ApiError::RouteNotFound,
                })
            }
        }
    }
}

/// The name of the segment a rejection is about, if it says (a tuple's
/// error gives its index: the name is the route's segment at that index).
async fn offending_key<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    rejection: &PathRejection,
) -> Option<String> {
    let PathRejection::FailedToDeserializePathParams(failed) = rejection else {
        return None;
    };
    let index = match failed.kind() {
        ErrorKind::InvalidUtf8InPathParam { key }
        | ErrorKind::ParseErrorAtKey { key, .. }
        | ErrorKind::DeserializeError { key, .. } => return Some(key.clone()),
        ErrorKind::ParseErrorAtIndex { index, .. } => *index,
        ErrorKind::ParseError { .. } => 0,
        _ => return None,
    };
    let params = RawPathParams::from_request_parts(parts, state).await.ok()?;
    params.iter().nth(index).map(|(key, _)| key.to_owned())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use axum::routing::get;
    use axum::Router;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn pair(ApiPath((id, item)): ApiPath<(String, u64)>) -> String {
        format!("{id}/{item}")
    }

    async fn one(ApiPath(user): ApiPath<u64>) -> String {
        user.to_string()
    }

    /// The status and error code a small router answers `uri` with.
    async fn answer(uri: &str) -> (StatusCode, String) {
        let app = Router::new()
            .route("/rooms/{id}/items/{item}", get(pair))
            .route("/users/{user}", get(one));
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let code = body["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (status, code)
    }

    #[tokio::test]
    async fn segments_that_name_nothing_are_json_404s_of_what_they_would_name() {
        assert_eq!(answer("/rooms/r1/items/7").await.0, StatusCode::OK);
        for (uri, code) in [
            ("/rooms/%FF/items/7", "room_not_found"),
            ("/rooms/r1/items/%FF", "item_not_found"),
            ("/rooms/r1/items/seven", "item_not_found"),
            ("/users/%C3%28", "user_not_found"),
            ("/users/-1", "user_not_found"),
        ] {
            let expected = (StatusCode::NOT_FOUND, code.to_owned());
            assert_eq!(answer(uri).await, expected, "{uri}");
        }
    }

    #[test]
    fn route_names_say_what_a_segment_names() {
        assert_eq!(PathSegment::named("id"), Some(PathSegment::Room));
        assert_eq!(PathSegment::named("item"), Some(PathSegment::Item));
        assert_eq!(PathSegment::named("file"), Some(PathSegment::File));
        assert_eq!(PathSegment::named("other"), None);
    }
}
