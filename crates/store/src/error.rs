//! The one error type of the storage layer.

use std::fmt;

/// What a lookup or a write was about, for [`StoreError::NotFound`] and
/// [`StoreError::Conflict`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// An account.
    User,
    /// A login session.
    Session,
    /// A room.
    Room,
    /// A playlist item of a room.
    Item,
    /// A room's stream key.
    StreamKey,
}

impl Entity {
    /// The entity's name, for messages and error codes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Session => "session",
            Self::Room => "room",
            Self::Item => "item",
            Self::StreamKey => "stream_key",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in the store. The API maps `NotFound` and
/// `Conflict` to 404 and 409; everything else is an internal error whose
/// details go to the log, never to a client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such row (or, for sessions, none that still authenticates).
    #[error("{what} not found")]
    NotFound {
        /// What was looked for.
        what: Entity,
    },
    /// A unique value is taken (a username, a room id).
    #[error("{what} already exists")]
    Conflict {
        /// What collided.
        what: Entity,
    },
    /// A stored value that the domain does not accept (an unknown role, a
    /// negative id, a rate out of bounds). The row is left as it is.
    #[error("stored value of {column} is invalid")]
    Corrupt {
        /// The column as the query names it.
        column: &'static str,
    },
    /// A room write under a writer fence that a later writer has taken
    /// since: this writer no longer writes the room. Nothing was written.
    #[error("room writer fenced: fence {ours} is behind the room's {current}")]
    Fenced {
        /// The fence the write was made under.
        ours: u64,
        /// The room's fence now.
        current: u64,
    },
    /// A value too large for its column (a `u64` above `i64::MAX`).
    #[error("{field} is out of the storable range")]
    OutOfRange {
        /// The field.
        field: &'static str,
    },
    /// A database URL whose scheme is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL scheme {scheme:?} (use sqlite: or postgres://)")]
    UnsupportedUrl {
        /// The scheme given (never the rest of the URL, which may hold a
        /// password).
        scheme: String,
    },
    /// The schema could not be brought up to date.
    #[error("database migration failed")]
    Migrate(#[source] sqlx::migrate::MigrateError),
    /// A password could not be hashed.
    #[error("password hashing failed")]
    PasswordHash(#[source] argon2::password_hash::Error),
    /// The operating system's random source failed.
    #[error("the system random source failed")]
    Random(#[source] getrandom::Error),
    /// The database failed (connection, I/O, an unexpected constraint).
    #[error("storage backend failed")]
    Backend(#[from] sqlx::Error),
}

impl StoreError {
    /// Whether this is [`StoreError::NotFound`].
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// Whether this is [`StoreError::Fenced`].
    pub fn is_fenced(&self) -> bool {
        matches!(self, Self::Fenced { .. })
    }

    /// Whether this is [`StoreError::Conflict`].
    pub fn is_conflict(&self) -> bool {
        matches!(self, Self::Conflict { .. })
    }

    pub(crate) fn not_found(what: Entity) -> Self {
        Self::NotFound { what }
    }

    /// Maps a unique violation to a conflict on `what`, anything else to
    /// a backend error.
    pub(crate) fn unique(what: Entity) -> impl FnOnce(sqlx::Error) -> Self {
        move |e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => Self::Conflict { what },
            _ => Self::Backend(e),
        }
    }

    /// Maps "no row" to not found on `what`, anything else to a backend
    /// error.
    pub(crate) fn row(what: Entity) -> impl FnOnce(sqlx::Error) -> Self {
        move |e| match e {
            sqlx::Error::RowNotFound => Self::NotFound { what },
            e => Self::Backend(e),
        }
    }
}
