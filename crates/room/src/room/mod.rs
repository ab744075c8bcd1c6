//! The room: state, the command entry point and the event outbox.

use crate::backlog::{Backlog, Resume};
use crate::caller::Caller;
use crate::chat::{ChatLog, ChatMessage};
use crate::clock::PlaybackClock;
use crate::command::{Bucket, RoomCommand};
use crate::dedup::{AppliedRequest, Dedup};
use crate::error::{Field, RoomError};
use crate::event::{EventKind, RoomEvent};
use crate::id::{Actor, UserId};
use crate::limits::RoomLimits;
use crate::member::{Member, MemberInfo, Role, Roster, Seat};
use crate::permission::Permissions;
use crate::playlist::{Playlist, PlaylistItem};
use crate::presence::PresenceBatch;
use crate::settings::RoomSettings;
use crate::snapshot::{SavedRoom, Snapshot};
use crate::text::{check_text, Lines};

/// What the caller of an accepted command gets back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Receipt {
    /// The room seq once the command applied: a client that has seen this
    /// seq sees the command's effect.
    pub seq: u64,
    /// How many events the command produced.
    pub events: u64,
    /// Whether this is a retry of a command already applied (nothing was
    /// applied again and no event was produced now).
    pub replayed: bool,
}

/// The room's live stream as the live engine reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiveStatus {
    /// Whether someone is publishing.
    pub live: bool,
    /// When the current stream started.
    pub started_at_ms: Option<i64>,
    /// Viewers of the live stream.
    pub viewers: u64,
}

/// One room. See the crate documentation for the drive loop.
#[derive(Debug, Clone)]
pub struct Room {
    pub(crate) settings: RoomSettings,
    pub(crate) limits: RoomLimits,
    pub(crate) roster: Roster,
    pub(crate) playlist: Playlist,
    pub(crate) clock: PlaybackClock,
    pub(crate) live: LiveStatus,
    pub(crate) chat: ChatLog,
    pub(crate) closed: bool,
    /// Presence changes waiting for their batch (big rooms only).
    pub(crate) presence: PresenceBatch,
    backlog: Backlog,
    dedup: Dedup,
    seq: u64,
    /// The seq of the last event handed out by `poll_event`.
    delivered: u64,
}

impl Room {
    /// A new room owned by `creator` (who still has to join to be online).
    pub fn new(
        creator: UserId,
        creator_name: &str,
        settings: RoomSettings,
        limits: RoomLimits,
        now_ms: i64,
    ) -> Result<Self, RoomError> {
        let settings = settings.checked(limits.room_name_chars)?;
        let name = check_text(
            Field::DisplayName,
            creator_name,
            limits.display_name_chars,
            Lines::One,
        )?;
        let mut room = Self::empty(settings, limits, PlaybackClock::idle(now_ms), 0);
        room.roster.insert(Seat::new(Member {
            user: creator,
            name,
            role: Role::Creator,
            custom_permissions: None,
            joined_at_ms: now_ms,
        }));
        Ok(room)
    }

    /// A room rebuilt from storage. Everyone starts offline; the backlog is
    /// empty, so clients that resume get [`Resume::TooOld`] and a snapshot.
    pub fn restore(saved: SavedRoom, limits: RoomLimits) -> Self {
        let mut room = Self::empty(saved.settings, limits, saved.clock, saved.seq);
        for member in saved.members {
            room.roster.insert(Seat::new(member));
        }
        for user in saved.banned {
            room.roster.ban(user);
        }
        room.playlist = Playlist::restore(saved.playlist, saved.next_item_id);
        room.chat = ChatLog::restore(saved.chat, room.limits.chat_history);
        room.dedup.restore(saved.requests);
        if room
            .clock
            .item
            .is_some_and(|id| room.playlist.find(id).is_err())
        {
            room.clock = PlaybackClock::idle(room.clock.at_ms);
        }
        room
    }

    fn empty(settings: RoomSettings, limits: RoomLimits, clock: PlaybackClock, seq: u64) -> Self {
        Self {
            settings,
            roster: Roster::default(),
            playlist: Playlist::new(),
            clock,
            live: LiveStatus::default(),
            chat: ChatLog::new(limits.chat_history),
            closed: false,
            presence: PresenceBatch::default(),
            backlog: Backlog::new(limits.backlog),
            dedup: Dedup::new(limits.request_ids, limits.request_id_ttl_ms),
            seq,
            delivered: seq,
            limits,
        }
    }

    /// Applies one command at `now_ms`. On success the events it produced
    /// are waiting in [`Room::poll_event`]; on error nothing changed.
    pub fn handle_command(
        &mut self,
        actor: Actor,
        command: RoomCommand,
        now_ms: i64,
    ) -> Result<Receipt, RoomError> {
        if self.closed {
            return Err(RoomError::RoomClosed);
        }
        let retry_key = match (actor, command.request_id()) {
            (Actor::User(user), Some(id)) => Some((user, id.clone())),
            _ => None,
        };
        if let Some((user, id)) = &retry_key {
            if let Some(earlier) = self.dedup.check(*user, id, &command, now_ms) {
                return earlier;
            }
        }
        self.take_token(actor, command.bucket(), now_ms)?;
        let remembered = retry_key.map(|key| (key, command.clone()));
        let before = self.seq;
        command.apply(self, actor, now_ms)?;
        let receipt = Receipt {
            seq: self.seq,
            events: self.seq - before,
            replayed: false,
        };
        if let Some(((user, id), command)) = remembered {
            self.dedup.remember(user, id, &command, receipt, now_ms);
        }
        Ok(receipt)
    }

    fn take_token(
        &mut self,
        actor: Actor,
        bucket: Option<Bucket>,
        now_ms: i64,
    ) -> Result<(), RoomError> {
        let (Actor::User(user), Some(bucket)) = (actor, bucket) else {
            return Ok(());
        };
        let Some(seat) = self.roster.seat_mut(user) else {
            return Ok(()); // the command itself reports the missing member
        };
        let (tokens, limit) = match bucket {
            Bucket::Chat => (&mut seat.chat, self.limits.chat_rate),
            Bucket::Danmaku => (&mut seat.danmaku, self.limits.danmaku_rate),
            Bucket::Control => (&mut seat.control, self.limits.control_rate),
        };
        tokens.take(limit, now_ms)
    }

    /// The next event to deliver, oldest first; `None` once all are out.
    /// Drain after every `handle_*` call. Events not drained before the
    /// backlog forgets them are skipped.
    pub fn poll_event(&mut self) -> Option<RoomEvent> {
        if self.delivered >= self.seq {
            return None;
        }
        let first = self.backlog.first_seq()?;
        self.delivered = self.delivered.max(first - 1) + 1;
        self.backlog.get(self.delivered).cloned()
    }

    /// When [`Room::handle_timeout`] should next be called: the end of the
    /// current item (if it is playing and its duration is known), or the
    /// next batch of presence news, whichever comes first.
    pub fn poll_timeout(&self) -> Option<i64> {
        if self.closed {
            return None;
        }
        let item_end = self.clock.ends_at(self.current_duration());
        match (item_end, self.presence.due_at()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Advances time: presence news that is due goes out in one event; an
    /// item that reached its end gives way to the next one (playing from
    /// 0), or pauses at its end if it was the last.
    pub fn handle_timeout(&mut self, now_ms: i64) {
        if self.closed {
            return;
        }
        if self.presence.due_at().is_some_and(|due| due <= now_ms) {
            self.flush_presence(now_ms);
        }
        self.handle_item_end(now_ms);
    }

    fn handle_item_end(&mut self, now_ms: i64) {
        let Some(ends_at) = self.clock.ends_at(self.current_duration()) else {
            return;
        };
        let (Some(current), Some(duration)) = (self.clock.item, self.current_duration()) else {
            return;
        };
        if now_ms < ends_at {
            return;
        }
        let next = self.playlist.next_after(current).map(|item| item.id);
        let clock = match next {
            Some(next) => PlaybackClock {
                item: Some(next),
                playing: true,
                position_ms: 0,
                at_ms: now_ms,
                rate: self.clock.rate,
            },
            None => PlaybackClock {
                playing: false,
                position_ms: duration,
                at_ms: now_ms,
                ..self.clock
            },
        };
        self.set_clock(clock, None, now_ms);
    }

    /// Everything a newly connected client needs, exact at `now_ms`. The
    /// members online are counted and listed up to a first page
    /// ([`RoomLimits::snapshot_members`]); the rest come from
    /// [`Room::members_page`].
    pub fn snapshot(&self, now_ms: i64) -> Snapshot {
        Snapshot {
            seq: self.seq,
            server_time_ms: now_ms,
            settings: self.settings.clone(),
            members: self.first_members(self.limits.snapshot_members),
            member_count: self.roster.online_len() as u64,
            playlist: self.playlist.items().to_vec(),
            clock: self.clock_at(now_ms),
            live: self.live,
            chat: self.chat.page(None, self.limits.snapshot_chat),
        }
    }

    /// What the room stores, for the persistence adapter.
    pub fn saved(&self) -> SavedRoom {
        SavedRoom {
            settings: self.settings.clone(),
            members: self.roster.seats().map(|s| s.member.clone()).collect(),
            banned: self.roster.banned().collect(),
            playlist: self.playlist.items().to_vec(),
            next_item_id: self.playlist.next_id(),
            clock: self.clock,
            chat: self.chat.all().cloned().collect(),
            requests: self.dedup.all(),
            seq: self.seq,
        }
    }

    /// The next command remembered under its request id since the last
    /// call: the store keeps it with the command's events, so the room's
    /// next writer (after a crash too) still answers a retry as a replay.
    /// Drain with the events after every `handle_*` call.
    pub fn poll_applied_request(&mut self) -> Option<AppliedRequest> {
        self.dedup.poll_remembered()
    }

    /// The events a client missed since `last_seq`, or [`Resume::TooOld`].
    pub fn resume(&self, last_seq: u64) -> Resume {
        self.backlog.resume(last_seq, self.seq)
    }

    /// The seq of the oldest chat message the room keeps.
    pub fn oldest_chat_seq(&self) -> Option<u64> {
        self.chat.oldest_seq()
    }

    /// A page of chat history: up to `limit` (capped by the limits)
    /// messages older than `before_seq` (the newest when `None`), oldest
    /// first.
    pub fn chat_history(&self, before_seq: Option<u64>, limit: usize) -> Vec<ChatMessage> {
        self.chat.page(before_seq, limit.min(self.limits.chat_page))
    }

    /// The seq of the last event.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The settings.
    pub fn settings(&self) -> &RoomSettings {
        &self.settings
    }

    /// The limits in force.
    pub fn limits(&self) -> &RoomLimits {
        &self.limits
    }

    /// A member, if `user` is one.
    pub fn member(&self, user: UserId) -> Option<MemberInfo> {
        self.roster.seat(user).map(|seat| seat.info(&self.settings))
    }

    /// A member as stored (for the persistence adapter), if `user` is one.
    pub fn stored_member(&self, user: UserId) -> Option<Member> {
        self.roster.seat(user).map(|seat| seat.member.clone())
    }

    /// Every member, online or not, by user id.
    pub fn members(&self) -> Vec<MemberInfo> {
        self.roster
            .seats()
            .map(|seat| seat.info(&self.settings))
            .collect()
    }

    /// How many members are online.
    pub fn online_count(&self) -> usize {
        self.roster.online_len()
    }

    /// Users who may not join, by user id.
    pub fn banned(&self) -> Vec<UserId> {
        self.roster.banned().collect()
    }

    /// What `user` may do here (nothing if not a member).
    pub fn permissions(&self, user: UserId) -> Permissions {
        self.roster.seat(user).map_or(Permissions::NONE, |seat| {
            seat.member.permissions(&self.settings)
        })
    }

    /// The playlist in order.
    pub fn playlist(&self) -> &[PlaylistItem] {
        self.playlist.items()
    }

    /// The playback clock as last changed (exact at its own `at_ms`).
    pub fn clock(&self) -> PlaybackClock {
        self.clock
    }

    /// The playback clock expressed at `now_ms`.
    pub fn clock_at(&self, now_ms: i64) -> PlaybackClock {
        self.clock.rebased(now_ms, self.current_duration())
    }

    /// The live stream's status.
    pub fn live(&self) -> LiveStatus {
        self.live
    }

    /// Whether the room was closed.
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// Numbers an event, keeps it for resuming clients and queues it.
    pub(crate) fn emit(&mut self, now_ms: i64, kind: EventKind) {
        self.seq += 1;
        self.backlog.push(RoomEvent {
            seq: self.seq,
            at_ms: now_ms,
            kind,
        });
    }

    /// The seq the next event will get.
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq + 1
    }

    /// Resolves the actor; a user must be a member.
    pub(crate) fn caller(&self, actor: Actor) -> Result<Caller, RoomError> {
        let user = match actor {
            Actor::System => return Ok(Caller::system()),
            Actor::User(user) => user,
        };
        if self.roster.is_banned(user) {
            return Err(RoomError::Banned);
        }
        let seat = self.roster.seat(user).ok_or(RoomError::NotAMember)?;
        Ok(Caller {
            user: Some(user),
            role: seat.member.role,
            permissions: seat.member.permissions(&self.settings),
        })
    }

    /// The duration of the current item, when known.
    pub(crate) fn current_duration(&self) -> Option<u64> {
        let id = self.clock.item?;
        self.playlist.find(id).ok()?.duration_ms
    }

    /// The current item, or [`RoomError::NoCurrentItem`].
    pub(crate) fn current_item(&self) -> Result<&PlaylistItem, RoomError> {
        let id = self.clock.item.ok_or(RoomError::NoCurrentItem)?;
        self.playlist.find(id)
    }

    /// Replaces the clock and tells everyone.
    pub(crate) fn set_clock(&mut self, clock: PlaybackClock, by: Option<UserId>, now_ms: i64) {
        self.clock = clock;
        self.emit(now_ms, EventKind::PlaybackChanged { clock, by });
    }
}

mod members;

pub use members::MembersPage;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod big_room_tests;
