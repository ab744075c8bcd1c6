//! One member's connection, whatever carries it: the join, then commands
//! in and the room's messages out, until either side ends it.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use room::UserId;
use store::{RoomId, RoomRepo};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use wire::{pb, ClientMessage, Inbound, JoinRequest, ServerMessage, WireError};

use rooms::{Closing, ConnId, Entry, Outgoing, Rooms, RoomsError, Shared};

use crate::auth::now_ms;
use crate::rate::RateLimiter;
use crate::ApiError;

/// How long one message may take to be written.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the goodbye may take before the connection is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// The two directions of a connection, as a session drives them.
pub(crate) trait Transport: Send {
    /// The next client message; `None` once the peer is gone.
    fn recv(&mut self) -> impl Future<Output = Option<Result<ClientMessage, WireError>>> + Send;
    /// Writes one message; `false` if the peer is gone.
    fn send(&mut self, message: &Shared) -> impl Future<Output = bool> + Send;
    /// Ends the connection, telling the peer why.
    fn close(&mut self, closing: Closing) -> impl Future<Output = ()> + Send;
}

/// Who the connection acts as.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) user: UserId,
    pub(crate) name: String,
    pub(crate) guest: bool,
}

/// Everything a session needs.
#[derive(Debug, Clone)]
pub(crate) struct SessionContext {
    pub(crate) rooms: Rooms,
    pub(crate) store: store::Store,
    pub(crate) room: RoomId,
    pub(crate) who: Identity,
    /// Room password attempts share the login limit of the peer's address.
    pub(crate) limiter: Arc<RateLimiter>,
    pub(crate) peer: Option<IpAddr>,
    /// Counts the connection while its member is joined.
    pub(crate) audience: Arc<crate::audience::Audience>,
    /// Where the member's live heartbeats go, if stages run.
    pub(crate) stages: Option<Arc<dyn stages::StageControl>>,
}

/// Drives one connection to its end.
pub(crate) async fn run<T: Transport>(mut transport: T, ctx: SessionContext) {
    let Some(joined) = join(&mut transport, &ctx).await else {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, transport.close(Closing::JoinRefused)).await;
        return;
    };
    let conn = joined.conn;
    let online = ctx.audience.member_online();
    let closing = drive(&mut transport, &ctx, joined).await;
    drop(online);
    let _ = ctx.rooms.leave(&ctx.room, conn).await;
    if let Some(closing) = closing {
        let _ = tokio::time::timeout(CLOSE_TIMEOUT, transport.close(closing)).await;
    }
}

struct Joined {
    conn: ConnId,
    queue: mpsc::Receiver<Shared>,
    closed: oneshot::Receiver<Closing>,
    last_seq: u64,
}

/// Waits for `join`, checks the password and enters the room; sends the
/// welcome (or what was missed). `None` when the connection ends here.
async fn join<T: Transport>(transport: &mut T, ctx: &SessionContext) -> Option<Joined> {
    let join_timeout = ctx.rooms.config().join_timeout;
    let request = match tokio::time::timeout(join_timeout, transport.recv()).await {
        Ok(Some(Ok(message))) => match Inbound::try_from(message) {
            Ok(Inbound::Join(request)) => request,
            Ok(_) => {
                return refuse(transport, "join_first", "the first message must be join").await
            }
            Err(e) => return refuse_wire(transport, &e).await,
        },
        Ok(Some(Err(e))) => return refuse_wire(transport, &e).await,
        Ok(None) | Err(_) => return None,
    };
    let password_ok = match check_password(ctx, &request).await {
        Ok(ok) => ok,
        Err(e) => {
            let message = ServerMessage::new(0, now_ms(), api_error_reply(&e));
            send_within(transport, &Outgoing::new(message)).await;
            return None;
        }
    };
    let entry = Entry {
        user: ctx.who.user,
        name: ctx.who.name.clone(),
        guest: ctx.who.guest,
        password_ok,
        last_seq: request.last_seq,
    };
    let member = match ctx.rooms.join(&ctx.room, &entry).await {
        Ok(member) => member,
        Err(e) => {
            let error = match e {
                RoomsError::Room(refused) => pb::ErrorReply::from(&refused),
                other => api_error_reply(&other.into()),
            };
            let message = ServerMessage::new(0, now_ms(), error);
            send_within(transport, &Outgoing::new(message)).await;
            return None;
        }
    };
    let mut last_seq = 0;
    for message in &member.first {
        if !send_within(transport, message).await {
            return None;
        }
        last_seq = last_seq.max(message.seq());
    }
    Some(Joined {
        conn: member.conn,
        queue: member.queue,
        closed: member.closed,
        last_seq,
    })
}

/// Whether the given password is the room's (false when none was given or
/// the room has none: the room asks only newcomers of a room with one).
async fn check_password(ctx: &SessionContext, request: &JoinRequest) -> Result<bool, ApiError> {
    if request.password.is_empty() {
        return Ok(false);
    }
    let Some(hash) = ctx.store.room_password_hash(&ctx.room).await? else {
        return Ok(false);
    };
    ctx.limiter
        .take(ctx.peer, now_ms())
        .map_err(|retry_after_ms| ApiError::RateLimited { retry_after_ms })?;
    let password = request.password.clone();
    tokio::task::spawn_blocking(move || store::password::verify(&password, &hash))
        .await
        .map_err(|_| ApiError::Unavailable)?
        .map_err(ApiError::from)
}

/// The joined phase. Returns why the server ends the connection, if it
/// does (`None`: the peer left).
async fn drive<T: Transport>(
    transport: &mut T,
    ctx: &SessionContext,
    joined: Joined,
) -> Option<Closing> {
    let Joined {
        conn,
        mut queue,
        mut closed,
        mut last_seq,
    } = joined;
    // Only what the client sends counts: a busy room keeps no dead client.
    let silence = ctx.rooms.config().silence_timeout;
    let mut heard_until = Instant::now() + silence;
    let mut live_beat = super::live_beat::LiveBeat::new(ctx);
    loop {
        let out = tokio::select! {
            biased;
            closing = &mut closed => return farewell(transport, &mut queue, closing.ok()).await,
            message = queue.recv() => match message {
                Some(message) => message,
                None => return None,
            },
            () = tokio::time::sleep_until(heard_until) => return None,
            incoming = transport.recv() => {
                let incoming = incoming?;
                heard_until = Instant::now() + silence;
                live_beat.handle_heard(Instant::now());
                match on_message(ctx, conn, incoming, last_seq).await {
                    Some(reply) => reply,
                    None => continue,
                }
            }
        };
        if let Err(closing) = send_or_close(transport, &out, &mut closed).await {
            return closing;
        }
        last_seq = last_seq.max(out.seq());
    }
}

/// A member removed on purpose (kicked, banned, room closed) first gets
/// what is already queued, which says why; a stalled one gets nothing more.
async fn farewell<T: Transport>(
    transport: &mut T,
    queue: &mut mpsc::Receiver<Shared>,
    closing: Option<Closing>,
) -> Option<Closing> {
    if closing.is_some_and(|c| c != Closing::TooSlow) {
        while let Ok(message) = queue.try_recv() {
            if !send_within(transport, &message).await {
                break;
            }
        }
    }
    closing
}

/// Writes one message unless the server closes the connection meanwhile.
/// `Err(None)`: the peer is gone; `Err(Some(why))`: the server closes it.
async fn send_or_close<T: Transport>(
    transport: &mut T,
    message: &Shared,
    closed: &mut oneshot::Receiver<Closing>,
) -> Result<(), Option<Closing>> {
    tokio::select! {
        biased;
        closing = closed => Err(closing.ok()),
        sent = send_within(transport, message) => if sent { Ok(()) } else { Err(None) },
    }
}

async fn send_within<T: Transport>(transport: &mut T, message: &Shared) -> bool {
    matches!(
        tokio::time::timeout(WRITE_TIMEOUT, transport.send(message)).await,
        Ok(true)
    )
}

/// Handles one client message; the reply to send at once, if any.
async fn on_message(
    ctx: &SessionContext,
    conn: ConnId,
    incoming: Result<ClientMessage, WireError>,
    last_seq: u64,
) -> Option<Shared> {
    let received_ms = now_ms();
    let message = match incoming {
        Ok(message) => message,
        Err(e) => return Some(error_message(last_seq, pb::ErrorReply::from(&e))),
    };
    let request_id = message.request_id().unwrap_or_default().to_owned();
    let inbound = match Inbound::try_from(message) {
        Ok(inbound) => inbound,
        Err(e) => {
            let error = pb::ErrorReply::from(&e).with_request_id(Some(&request_id));
            return Some(error_message(last_seq, error));
        }
    };
    match inbound {
        Inbound::Command(command) => {
            let sent = ctx
                .rooms
                .command(&ctx.room, conn, ctx.who.user, command, request_id)
                .await;
            match sent {
                Ok(()) => None,
                Err(e) => Some(error_message(last_seq, api_error_reply(&e.into()))),
            }
        }
        Inbound::TimePing { client_time_ms } => {
            let pong = pb::TimePong {
                client_time_ms,
                received_ms,
            };
            Some(Outgoing::new(ServerMessage::new(last_seq, now_ms(), pong)))
        }
        Inbound::Heartbeat => None,
        Inbound::Join(_) => {
            let error = pb::ErrorReply {
                code: "already_joined".into(),
                message: "this connection has already joined".into(),
                request_id: String::new(),
                retry_after_ms: None,
            };
            Some(error_message(last_seq, error))
        }
    }
}

fn error_message(last_seq: u64, error: pb::ErrorReply) -> Shared {
    Outgoing::new(ServerMessage::new(last_seq, now_ms(), error))
}

fn api_error_reply(error: &ApiError) -> pb::ErrorReply {
    let retry_after_ms = match error {
        ApiError::RateLimited { retry_after_ms } => u64::try_from(*retry_after_ms).ok(),
        _ => None,
    };
    pb::ErrorReply {
        code: error.code().to_owned(),
        message: error.to_string(),
        request_id: String::new(),
        retry_after_ms,
    }
}

async fn refuse<T: Transport>(
    transport: &mut T,
    code: &'static str,
    message: &'static str,
) -> Option<Joined> {
    let error = pb::ErrorReply {
        code: code.to_owned(),
        message: message.to_owned(),
        request_id: String::new(),
        retry_after_ms: None,
    };
    send_within(transport, &error_message(0, error)).await;
    None
}

async fn refuse_wire<T: Transport>(transport: &mut T, error: &WireError) -> Option<Joined> {
    let reply = pb::ErrorReply::from(error);
    send_within(transport, &error_message(0, reply)).await;
    None
}
