//! The room's members as clients see them: the snapshot's first page,
//! paging through the rest, and presence news (one event each in a small
//! room, batched in a big one).

use crate::event::EventKind;
use crate::id::UserId;
use crate::member::{MemberInfo, Role};

use super::Room;

/// One page of members, in user id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembersPage {
    /// The members of this page.
    pub members: Vec<MemberInfo>,
    /// The cursor for the next page (the last user id of this one), or
    /// `None` when this page is the last.
    pub next_after: Option<UserId>,
}

impl Room {
    /// Up to `limit` of the members online: the staff (creator, admins)
    /// by user id, then everyone else, most recent arrival first.
    pub(crate) fn first_members(&self, limit: usize) -> Vec<MemberInfo> {
        let staff = |role: Role| role >= Role::Admin;
        let mut page: Vec<MemberInfo> = self
            .roster
            .online_newest_first()
            .filter(|seat| staff(seat.member.role))
            .take(limit)
            .map(|seat| seat.info(&self.settings))
            .collect();
        page.sort_by_key(|member| member.user);
        let rest = limit.saturating_sub(page.len());
        page.extend(
            self.roster
                .online_newest_first()
                .filter(|seat| !staff(seat.member.role))
                .take(rest)
                .map(|seat| seat.info(&self.settings)),
        );
        page
    }

    /// A page of members in user id order: up to `limit` (capped by
    /// [`RoomLimits::members_page`](crate::RoomLimits)) after `after`
    /// (from the first when `None`); only those online when
    /// `online_only`. Following `next_after` from `None` lists every
    /// member exactly once, whoever joins or leaves meanwhile (a member
    /// who arrives behind the cursor is told by the events).
    pub fn members_page(
        &self,
        after: Option<UserId>,
        limit: usize,
        online_only: bool,
    ) -> MembersPage {
        let limit = limit.clamp(1, self.limits.members_page.max(1));
        let mut matching = self
            .roster
            .seats_after(after)
            .filter(|seat| !online_only || seat.connections > 0);
        let members: Vec<MemberInfo> = matching
            .by_ref()
            .take(limit)
            .map(|seat| seat.info(&self.settings))
            .collect();
        let more = matching.next().is_some();
        let next_after = members.last().map(|m| m.user).filter(|_| more);
        MembersPage {
            members,
            next_after,
        }
    }

    /// `user` came online: an event now in a small room, a note for the
    /// next batch in a big one.
    pub(crate) fn announce_online(&mut self, user: UserId, first_time: bool, now_ms: i64) {
        let online = self.roster.online_len();
        if online >= self.limits.presence_batch_from {
            return self.note_presence(user, now_ms);
        }
        let Some(member) = self.member(user) else {
            return;
        };
        self.presence.forget(user);
        let online = online as u64;
        let kind = EventKind::MemberJoined {
            member,
            first_time,
            online,
        };
        self.emit(now_ms, kind);
    }

    /// `user` went offline (their last connection closed).
    pub(crate) fn announce_offline(&mut self, user: UserId, now_ms: i64) {
        let online = self.roster.online_len();
        // Counted before they left, so a room batches on the way down as
        // long as it did on the way up.
        if online + 1 >= self.limits.presence_batch_from {
            return self.note_presence(user, now_ms);
        }
        self.presence.forget(user);
        let online = online as u64;
        self.emit(now_ms, EventKind::MemberLeft { user, online });
    }

    fn note_presence(&mut self, user: UserId, now_ms: i64) {
        let interval = self.limits.presence_batch_ms;
        self.presence.note(user, now_ms, interval);
    }

    /// Tells the noted members' presence as it is now, in one event.
    pub(crate) fn flush_presence(&mut self, now_ms: i64) {
        let max = self.limits.presence_batch_max;
        let interval = self.limits.presence_batch_ms;
        let noted = self.presence.take(max, now_ms, interval);
        if noted.is_empty() {
            return;
        }
        let mut joined = Vec::new();
        let mut left = Vec::new();
        for user in noted {
            match self.member(user).filter(|m| m.online) {
                Some(member) => joined.push(member),
                None => left.push(user),
            }
        }
        let online = self.roster.online_len() as u64;
        let kind = EventKind::MembersChanged {
            joined,
            left,
            online,
        };
        self.emit(now_ms, kind);
    }
}
