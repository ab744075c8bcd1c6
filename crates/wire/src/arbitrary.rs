//! Strategies for property tests: any message of the schema, including
//! enum values this side does not know.

use proptest::collection::vec;
use proptest::option::of;
use proptest::prelude::*;

use crate::pb::{self, client_message::Kind as C, server_message::Kind as S};

fn text() -> impl Strategy<Value = String> {
    ".{0,12}"
}

fn by() -> impl Strategy<Value = Option<u64>> {
    of(any::<u64>())
}

/// Mostly known values, sometimes any.
fn enum_value() -> impl Strategy<Value = i32> {
    prop_oneof![4 => 0..6i32, 1 => any::<i32>()]
}

pub(crate) fn client_message() -> impl Strategy<Value = pb::ClientMessage> {
    client_kind().prop_map(pb::ClientMessage::new)
}

pub(crate) fn server_message() -> impl Strategy<Value = pb::ServerMessage> {
    (any::<u64>(), any::<i64>(), server_kind())
        .prop_map(|(seq, time, kind)| pb::ServerMessage::new(seq, time, kind))
}

fn client_kind() -> impl Strategy<Value = C> {
    prop_oneof![
        (of(any::<u64>()), text())
            .prop_map(|(last_seq, password)| C::from(pb::Join { last_seq, password })),
        (text(), text()).prop_map(|(text, request_id)| C::from(pb::SendChat { text, request_id })),
        (text(), any::<u32>(), enum_value(), of(any::<u64>()), text()).prop_map(
            |(text, color, mode, media_position_ms, request_id)| C::from(pb::SendDanmaku {
                text,
                color,
                mode,
                media_position_ms,
                request_id,
            })
        ),
        text().prop_map(|request_id| C::from(pb::Play { request_id })),
        text().prop_map(|request_id| C::from(pb::Pause { request_id })),
        (any::<u64>(), text()).prop_map(|(position_ms, request_id)| C::from(pb::Seek {
            position_ms,
            request_id
        })),
        (any::<u32>(), text()).prop_map(|(rate_milli, request_id)| C::from(pb::SetRate {
            rate_milli,
            request_id
        })),
        (any::<u64>(), text()).prop_map(|(item_id, request_id)| C::from(pb::SetCurrent {
            item_id,
            request_id
        })),
        any::<i64>().prop_map(|client_time_ms| C::from(pb::TimePing { client_time_ms })),
        Just(C::from(pb::Heartbeat {})),
    ]
}

fn server_kind() -> impl Strategy<Value = S> {
    prop_oneof![reply_kind(), member_kind(), playlist_kind(), media_kind()]
}

fn reply_kind() -> impl Strategy<Value = S> {
    prop_oneof![
        welcome().prop_map(S::from),
        (any::<u64>(), any::<u64>())
            .prop_map(|(user_id, missed)| S::from(pb::Resumed { user_id, missed })),
        (text(), any::<u64>(), any::<bool>()).prop_map(|(request_id, applied_seq, replayed)| {
            S::from(pb::Ack {
                request_id,
                applied_seq,
                replayed,
            })
        }),
        (text(), text(), text(), of(any::<u64>())).prop_map(
            |(code, message, request_id, retry_after_ms)| S::from(pb::ErrorReply {
                code,
                message,
                request_id,
                retry_after_ms,
            })
        ),
        (any::<i64>(), any::<i64>()).prop_map(|(client_time_ms, received_ms)| {
            S::from(pb::TimePong {
                client_time_ms,
                received_ms,
            })
        }),
    ]
}

fn member_kind() -> impl Strategy<Value = S> {
    prop_oneof![
        (of(member()), any::<bool>(), any::<u64>()).prop_map(|(member, first_time, online)| {
            S::from(pb::MemberJoined {
                member,
                first_time,
                online,
            })
        }),
        (any::<u64>(), any::<u64>())
            .prop_map(|(user_id, online)| S::from(pb::MemberLeft { user_id, online })),
        (vec(member(), 0..3), vec(any::<u64>(), 0..3), any::<u64>()).prop_map(
            |(joined, left, online)| S::from(pb::MembersChanged {
                joined,
                left,
                online
            })
        ),
        (of(member()), by()).prop_map(|(member, by)| S::from(pb::MemberUpdated { member, by })),
        (any::<u64>(), by()).prop_map(|(user_id, by)| S::from(pb::MemberKicked { user_id, by })),
        (any::<u64>(), by()).prop_map(|(user_id, by)| S::from(pb::MemberBanned { user_id, by })),
        (any::<u64>(), by()).prop_map(|(user_id, by)| S::from(pb::MemberUnbanned { user_id, by })),
        (of(settings()), by())
            .prop_map(|(settings, by)| S::from(pb::SettingsChanged { settings, by })),
    ]
}

fn playlist_kind() -> impl Strategy<Value = S> {
    prop_oneof![
        of(item()).prop_map(|item| S::from(pb::ItemAdded { item })),
        (of(item()), by()).prop_map(|(item, by)| S::from(pb::ItemEdited { item, by })),
        (any::<u64>(), by()).prop_map(|(item_id, by)| S::from(pb::ItemDeleted { item_id, by })),
        (any::<u64>(), of(any::<u64>()), by())
            .prop_map(|(item_id, after, by)| S::from(pb::ItemMoved { item_id, after, by })),
        by().prop_map(|by| S::from(pb::PlaylistCleared { by })),
        playback().prop_map(S::from),
    ]
}

fn media_kind() -> impl Strategy<Value = S> {
    prop_oneof![
        (any::<u64>(), text(), text()).prop_map(|(user_id, name, text)| S::from(pb::Chat {
            user_id,
            name,
            text
        })),
        (
            any::<u64>(),
            text(),
            any::<u32>(),
            enum_value(),
            any::<u64>()
        )
            .prop_map(|(user_id, text, color, mode, media_position_ms)| S::from(
                pb::Danmaku {
                    user_id,
                    text,
                    color,
                    mode,
                    media_position_ms,
                }
            )),
        live().prop_map(S::from),
        any::<u64>().prop_map(|viewers| S::from(pb::ViewerCount { viewers })),
        Just(S::from(pb::RoomClosed {})),
    ]
}

fn welcome() -> impl Strategy<Value = pb::Welcome> {
    (
        any::<u64>(),
        of(settings()),
        vec(member(), 0..3),
        vec(item(), 0..3),
        of(playback()),
        of(live()),
        any::<u64>(),
        vec(chat_record(), 0..3),
        any::<u64>(),
    )
        .prop_map(
            |(user_id, settings, members, playlist, playback, live, live_viewers, chat, count)| {
                pb::Welcome {
                    user_id,
                    settings,
                    members,
                    playlist,
                    playback,
                    live,
                    live_viewers,
                    chat,
                    member_count: count,
                }
            },
        )
}

fn member() -> impl Strategy<Value = pb::Member> {
    (
        any::<u64>(),
        text(),
        enum_value(),
        any::<u32>(),
        any::<bool>(),
    )
        .prop_map(|(user_id, name, role, permissions, online)| pb::Member {
            user_id,
            name,
            role,
            permissions,
            online,
        })
}

fn item() -> impl Strategy<Value = pb::PlaylistItem> {
    (
        any::<u64>(),
        text(),
        enum_value(),
        text(),
        of(any::<u64>()),
        by(),
        any::<i64>(),
    )
        .prop_map(
            |(id, title, kind, url, duration_ms, added_by, added_at_ms)| pb::PlaylistItem {
                id,
                title,
                kind,
                url,
                duration_ms,
                added_by,
                added_at_ms,
            },
        )
}

fn settings() -> impl Strategy<Value = pb::RoomSettings> {
    (
        text(),
        any::<bool>(),
        enum_value(),
        any::<bool>(),
        any::<(u32, u32, u32)>(),
    )
        .prop_map(
            |(name, has_password, visibility, guests_allowed, (admin, member, guest))| {
                pb::RoomSettings {
                    name,
                    has_password,
                    visibility,
                    guests_allowed,
                    admin_permissions: admin,
                    member_permissions: member,
                    guest_permissions: guest,
                }
            },
        )
}

fn playback() -> impl Strategy<Value = pb::PlaybackState> {
    (
        of(any::<u64>()),
        any::<bool>(),
        any::<u64>(),
        any::<i64>(),
        any::<u32>(),
        by(),
    )
        .prop_map(
            |(item_id, playing, position_ms, at_ms, rate_milli, by)| pb::PlaybackState {
                item_id,
                playing,
                position_ms,
                at_ms,
                rate_milli,
                by,
            },
        )
}

fn live() -> impl Strategy<Value = pb::LiveStatus> {
    (any::<bool>(), of(any::<i64>())).prop_map(|(live, started_at_ms)| pb::LiveStatus {
        live,
        started_at_ms,
    })
}

fn chat_record() -> impl Strategy<Value = pb::ChatRecord> {
    (any::<u64>(), any::<i64>(), any::<u64>(), text(), text()).prop_map(
        |(id, at_ms, user_id, name, text)| pb::ChatRecord {
            id,
            at_ms,
            user_id,
            name,
            text,
        },
    )
}
