//! Commands: one file each, one enum to dispatch.
//!
//! Every command checks everything it needs before it changes anything, so
//! a refused command leaves the room as it was and emits nothing.

mod add_item;
mod ban;
mod clear_playlist;
mod close;
mod delete_item;
mod edit_item;
mod join;
mod kick;
mod leave;
mod live_ended;
mod live_started;
mod move_item;
mod pause;
mod play;
mod seek;
mod send_chat;
mod send_danmaku;
mod set_current;
mod set_permissions;
mod set_rate;
mod set_role;
mod unban;
mod update_settings;
mod viewer_count;

pub use add_item::AddItem;
pub use ban::Ban;
pub use clear_playlist::ClearPlaylist;
pub use close::Close;
pub use delete_item::DeleteItem;
pub use edit_item::EditItem;
pub use join::Join;
pub use kick::Kick;
pub use leave::Leave;
pub use live_ended::LiveEnded;
pub use live_started::LiveStarted;
pub use move_item::MoveItem;
pub use pause::Pause;
pub use play::Play;
pub use seek::Seek;
pub use send_chat::SendChat;
pub use send_danmaku::SendDanmaku;
pub use set_current::SetCurrent;
pub use set_permissions::SetPermissions;
pub use set_rate::SetRate;
pub use set_role::SetRole;
pub use unban::Unban;
pub use update_settings::UpdateSettings;
pub use viewer_count::ViewerCount;

use crate::error::RoomError;
use crate::id::{Actor, RequestId};
use crate::room::Room;

/// Which per-member rate limit a command draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bucket {
    Chat,
    Danmaku,
    Control,
}

macro_rules! commands {
    ($($variant:ident($ty:ident) = $name:literal, $bucket:expr;)*) => {
        /// Everything that can be asked of a room.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum RoomCommand {
            $(
                #[doc = concat!("See [`", stringify!($ty), "`].")]
                $variant($ty),
            )*
        }

        impl RoomCommand {
            /// The command's name, for logs and metrics.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)*
                }
            }

            pub(crate) fn bucket(&self) -> Option<Bucket> {
                match self {
                    $(Self::$variant(_) => $bucket,)*
                }
            }

            pub(crate) fn apply(
                self,
                room: &mut Room,
                actor: Actor,
                now_ms: i64,
            ) -> Result<(), RoomError> {
                match self {
                    $(Self::$variant(command) => command.apply(room, actor, now_ms),)*
                }
            }
        }

        $(
            impl From<$ty> for RoomCommand {
                fn from(command: $ty) -> Self {
                    Self::$variant(command)
                }
            }
        )*
    };
}

commands! {
    Join(Join) = "join", None;
    Leave(Leave) = "leave", None;
    Kick(Kick) = "kick", Some(Bucket::Control);
    Ban(Ban) = "ban", Some(Bucket::Control);
    Unban(Unban) = "unban", Some(Bucket::Control);
    SetRole(SetRole) = "set_role", Some(Bucket::Control);
    SetPermissions(SetPermissions) = "set_permissions", Some(Bucket::Control);
    UpdateSettings(UpdateSettings) = "update_settings", Some(Bucket::Control);
    AddItem(AddItem) = "add_item", Some(Bucket::Control);
    EditItem(EditItem) = "edit_item", Some(Bucket::Control);
    DeleteItem(DeleteItem) = "delete_item", Some(Bucket::Control);
    MoveItem(MoveItem) = "move_item", Some(Bucket::Control);
    ClearPlaylist(ClearPlaylist) = "clear_playlist", Some(Bucket::Control);
    SetCurrent(SetCurrent) = "set_current", Some(Bucket::Control);
    Play(Play) = "play", Some(Bucket::Control);
    Pause(Pause) = "pause", Some(Bucket::Control);
    Seek(Seek) = "seek", Some(Bucket::Control);
    SetRate(SetRate) = "set_rate", Some(Bucket::Control);
    Chat(SendChat) = "chat", Some(Bucket::Chat);
    Danmaku(SendDanmaku) = "danmaku", Some(Bucket::Danmaku);
    LiveStarted(LiveStarted) = "live_started", None;
    LiveEnded(LiveEnded) = "live_ended", None;
    ViewerCount(ViewerCount) = "viewer_count", None;
    Close(Close) = "close", None;
}

impl RoomCommand {
    /// The client request id, for commands that carry one. A retry with
    /// the same `(user, request id)` applies once.
    pub fn request_id(&self) -> Option<&RequestId> {
        match self {
            Self::SetCurrent(c) => Some(&c.request_id),
            Self::Play(c) => Some(&c.request_id),
            Self::Pause(c) => Some(&c.request_id),
            Self::Seek(c) => Some(&c.request_id),
            Self::SetRate(c) => Some(&c.request_id),
            Self::AddItem(c) => c.request_id.as_ref(),
            Self::Chat(c) => c.request_id.as_ref(),
            Self::Danmaku(c) => c.request_id.as_ref(),
            _ => None,
        }
    }
}
