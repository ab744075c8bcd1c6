//! The two HTTP calls a load needs: register the rooms' creator and create
//! rooms that admit guests. HTTP/1.1 with `Connection: close`, by hand.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TIMEOUT: Duration = Duration::from_secs(10);

/// POSTs `body` as JSON; the status and the parsed JSON answer.
async fn post(addr: &str, path: &str, token: Option<&str>, body: &Value) -> Result<(u16, Value), String> {
    let body = body.to_string();
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{auth}\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let mut sock = TcpStream::connect(addr).await.map_err(|e| format!("connect {addr}: {e}"))?;
        sock.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        sock.read_to_end(&mut answer).await.map_err(|e| e.to_string())?;
        Ok::<Vec<u8>, String>(answer)
    };
    let answer = tokio::time::timeout(TIMEOUT, exchange)
        .await
        .map_err(|_| format!("POST {path}: no answer in {TIMEOUT:?}"))??;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("POST {path}: no HTTP header"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("POST {path}: bad status line"))?;
    let json = serde_json::from_str(body).unwrap_or(Value::Null);
    Ok((status, json))
}

/// Registers `username` and returns its session token.
pub async fn register(addr: &str, username: &str) -> Result<String, String> {
    let body = serde_json::json!({"username": username, "password": "bench-password"});
    let (status, json) = post(addr, "/api/v1/auth/register", None, &body).await?;
    match json.get("token").and_then(Value::as_str) {
        Some(token) if status == 201 => Ok(token.to_owned()),
        _ => Err(format!("register: {status} {json}")),
    }
}

/// Creates a public room that guests may join; its id.
pub async fn create_room(addr: &str, token: &str, name: &str) -> Result<String, String> {
    let body = serde_json::json!({"name": name, "guests_allowed": true});
    let (status, json) = post(addr, "/api/v1/rooms", Some(token), &body).await?;
    match json.get("id") {
        Some(Value::String(id)) if status == 201 => Ok(id.clone()),
        Some(Value::Number(id)) if status == 201 => Ok(id.to_string()),
        _ => Err(format!("create room: {status} {json}")),
    }
}
