//! The HTTP/1.1 WebSocket upgrade (RFC 6455 §4.2), done here rather than
//! by the router's own extractor so the session owns a plain
//! `tokio_tungstenite` stream and can write a large message as several
//! bounded frames (see [`super::ws`]).

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::WebSocketStream;

use crate::ApiError;

/// The socket a session gets once the upgrade is through.
pub(crate) type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// A request that asked for a WebSocket, checked and ready to answer.
pub(crate) struct WsUpgrade {
    accept: HeaderValue,
    on_upgrade: OnUpgrade,
}

impl WsUpgrade {
    /// Answers 101 and runs `session` on the socket once the client's
    /// connection has switched protocols.
    pub(crate) fn respond<F, Fut>(self, config: WebSocketConfig, session: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let on_upgrade = self.on_upgrade;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let io = TokioIo::new(upgraded);
                    let socket = WebSocketStream::from_raw_socket(io, Role::Server, Some(config));
                    session(socket.await).await;
                }
                Err(e) => tracing::debug!("WebSocket upgrade did not complete: {e}"),
            }
        });
        let mut response = StatusCode::SWITCHING_PROTOCOLS.into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::SEC_WEBSOCKET_ACCEPT, self.accept);
        response
    }
}

/// Why a request is not a WebSocket upgrade this server takes.
fn not_websocket() -> ApiError {
    ApiError::Invalid {
        code: "not_websocket",
        message: "this route takes a WebSocket upgrade (HTTP/1.1 GET, version 13)",
    }
}

/// Whether a comma-separated header has `token` among its values.
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

impl<S: Send + Sync> FromRequestParts<S> for WsUpgrade {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let headers = &parts.headers;
        let asked = parts.method == Method::GET
            && parts.version == Version::HTTP_11
            && has_token(headers, header::CONNECTION, "upgrade")
            && has_token(headers, header::UPGRADE, "websocket")
            && headers
                .get(header::SEC_WEBSOCKET_VERSION)
                .is_some_and(|v| v.as_bytes() == b"13");
        let key = headers.get(header::SEC_WEBSOCKET_KEY).filter(|_| asked);
        let Some(key) = key else {
            return Err(not_websocket());
        };
        let accept = HeaderValue::from_str(&derive_accept_key(key.as_bytes()))
            .map_err(|_| not_websocket())?;
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or_else(not_websocket)?;
        Ok(WsUpgrade { accept, on_upgrade })
    }
}
