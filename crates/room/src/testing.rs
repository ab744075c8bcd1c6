//! A room driven by hand, for tests: time moves only when told.

use std::ops::{Deref, DerefMut};

use crate::command::{AddItem, Join, RoomCommand};
use crate::error::RoomError;
use crate::event::{EventKind, RoomEvent};
use crate::id::{Actor, ItemId, RequestId, UserId};
use crate::limits::RoomLimits;
use crate::playlist::NewSource;
use crate::room::{Receipt, Room};
use crate::settings::RoomSettings;

pub(crate) const T0: i64 = 1_700_000_000_000;
pub(crate) const CREATOR: UserId = UserId(1);
pub(crate) const ALICE: UserId = UserId(2);
pub(crate) const BOB: UserId = UserId(3);
pub(crate) const GUEST: UserId = UserId(1 << 63);

pub(crate) struct TestRoom {
    pub(crate) room: Room,
    pub(crate) now: i64,
}

impl TestRoom {
    /// A public room whose creator has joined; events drained.
    pub(crate) fn new() -> Self {
        Self::with(RoomSettings::new("movie night"), RoomLimits::default())
    }

    pub(crate) fn with(settings: RoomSettings, limits: RoomLimits) -> Self {
        let room = Room::new(CREATOR, "creator", settings, limits, T0).unwrap();
        let mut t = Self { room, now: T0 };
        t.join(CREATOR);
        t.events();
        t
    }

    pub(crate) fn advance(&mut self, ms: i64) {
        self.now += ms;
    }

    pub(crate) fn run(
        &mut self,
        user: UserId,
        command: impl Into<RoomCommand>,
    ) -> Result<Receipt, RoomError> {
        let now = self.now;
        self.room
            .handle_command(Actor::User(user), command.into(), now)
    }

    pub(crate) fn system(&mut self, command: impl Into<RoomCommand>) -> Result<Receipt, RoomError> {
        let now = self.now;
        self.room.handle_command(Actor::System, command.into(), now)
    }

    /// Joins `user` as an account holder with the password verified.
    pub(crate) fn join(&mut self, user: UserId) {
        let join = Join {
            name: format!("user{}", user.0),
            guest: false,
            password_ok: true,
        };
        self.run(user, join).unwrap();
    }

    /// Drains the outbox.
    pub(crate) fn drain(&mut self) -> Vec<RoomEvent> {
        std::iter::from_fn(|| self.room.poll_event()).collect()
    }

    /// Drains the outbox, keeping only what happened.
    pub(crate) fn events(&mut self) -> Vec<EventKind> {
        self.drain().into_iter().map(|e| e.kind).collect()
    }

    /// `user` adds an mp4 of `duration_ms` (if given); events drained.
    pub(crate) fn add(&mut self, user: UserId, duration_ms: Option<u64>) -> ItemId {
        let n = self.room.playlist().len();
        let add = AddItem {
            title: format!("video {n}"),
            source: NewSource::Url {
                url: format!("https://cdn.example/{n}.mp4"),
                kind: None,
            },
            duration_ms,
            request_id: None,
        };
        self.run(user, add).unwrap();
        self.events();
        self.room.playlist().last().unwrap().id
    }
}

pub(crate) fn rid(id: &str) -> RequestId {
    RequestId::new(id).unwrap()
}

impl Deref for TestRoom {
    type Target = Room;

    fn deref(&self) -> &Room {
        &self.room
    }
}

impl DerefMut for TestRoom {
    fn deref_mut(&mut self) -> &mut Room {
        &mut self.room
    }
}
