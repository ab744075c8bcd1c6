//! Reading rows and converting between domain values and columns.
//!
//! Both backends store integers as `i64` (SQLite INTEGER, PostgreSQL
//! BIGINT). Domain counters (`u64`) are checked both ways; user ids are
//! stored as the `i64` with the same bits, so guests' ids (from the top of
//! the `u64` range) survive in the columns that may hold them.

use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use room::{MediaKind, Permissions, Role, UserId, Visibility};

use crate::error::StoreError;

/// Typed access to the columns of a row of either backend. A value the
/// column cannot give (a NULL, a wrong type) is [`StoreError::Corrupt`].
pub(crate) trait Columns {
    fn int(&self, column: &'static str) -> Result<i64, StoreError>;
    fn opt_int(&self, column: &'static str) -> Result<Option<i64>, StoreError>;
    fn text(&self, column: &'static str) -> Result<String, StoreError>;
    fn opt_text(&self, column: &'static str) -> Result<Option<String>, StoreError>;
    fn flag(&self, column: &'static str) -> Result<bool, StoreError>;
}

macro_rules! columns_for {
    ($row:ty) => {
        impl Columns for $row {
            fn int(&self, column: &'static str) -> Result<i64, StoreError> {
                self.try_get(column)
                    .map_err(|_| StoreError::Corrupt { column })
            }
            fn opt_int(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
                self.try_get(column)
                    .map_err(|_| StoreError::Corrupt { column })
            }
            fn text(&self, column: &'static str) -> Result<String, StoreError> {
                self.try_get(column)
                    .map_err(|_| StoreError::Corrupt { column })
            }
            fn opt_text(&self, column: &'static str) -> Result<Option<String>, StoreError> {
                self.try_get(column)
                    .map_err(|_| StoreError::Corrupt { column })
            }
            fn flag(&self, column: &'static str) -> Result<bool, StoreError> {
                self.try_get(column)
                    .map_err(|_| StoreError::Corrupt { column })
            }
        }
    };
}

columns_for!(SqliteRow);
columns_for!(PgRow);

/// A user id as stored: the `i64` with the same bits.
pub(crate) fn user_to_db(user: UserId) -> i64 {
    i64::from_ne_bytes(user.0.to_ne_bytes())
}

/// A stored user id back.
pub(crate) fn user_from_db(value: i64) -> UserId {
    UserId(u64::from_ne_bytes(value.to_ne_bytes()))
}

/// A counter (seq, item id, position, duration) for storage.
pub(crate) fn u64_to_db(value: u64, field: &'static str) -> Result<i64, StoreError> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { field })
}

/// A stored counter back; negative values are corrupt.
pub(crate) fn u64_from_db(value: i64, column: &'static str) -> Result<u64, StoreError> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt { column })
}

/// Stored permission bits back; bits outside `u32` are corrupt, unknown
/// bits inside it are dropped (as [`Permissions::from_bits_truncate`]).
pub(crate) fn permissions_from_db(
    value: i64,
    column: &'static str,
) -> Result<Permissions, StoreError> {
    let bits = u32::try_from(value).map_err(|_| StoreError::Corrupt { column })?;
    Ok(Permissions::from_bits_truncate(bits))
}

pub(crate) fn permissions_to_db(permissions: Permissions) -> i64 {
    i64::from(permissions.bits())
}

pub(crate) fn role_from_db(value: &str) -> Result<Role, StoreError> {
    match value {
        "guest" => Ok(Role::Guest),
        "member" => Ok(Role::Member),
        "admin" => Ok(Role::Admin),
        "creator" => Ok(Role::Creator),
        _ => Err(StoreError::Corrupt { column: "role" }),
    }
}

pub(crate) fn visibility_to_db(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Public => "public",
        Visibility::Hidden => "hidden",
    }
}

pub(crate) fn visibility_from_db(value: &str) -> Result<Visibility, StoreError> {
    match value {
        "public" => Ok(Visibility::Public),
        "hidden" => Ok(Visibility::Hidden),
        _ => Err(StoreError::Corrupt {
            column: "visibility",
        }),
    }
}

pub(crate) fn media_kind_from_db(value: &str) -> Result<MediaKind, StoreError> {
    match value {
        "mp4" => Ok(MediaKind::Mp4),
        "webm" => Ok(MediaKind::Webm),
        "hls" => Ok(MediaKind::Hls),
        "flv" => Ok(MediaKind::Flv),
        _ => Err(StoreError::Corrupt {
            column: "media_kind",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_ids_from_the_top_of_the_range_round_trip() {
        for id in [0, 1, i64::MAX as u64, 1 << 63, u64::MAX] {
            assert_eq!(user_from_db(user_to_db(UserId(id))), UserId(id));
        }
        assert_eq!(user_to_db(UserId(42)), 42);
    }

    #[test]
    fn counters_beyond_i64_are_refused_both_ways() {
        assert!(matches!(
            u64_to_db(u64::MAX, "seq"),
            Err(StoreError::OutOfRange { field: "seq" })
        ));
        assert!(matches!(
            u64_from_db(-1, "seq"),
            Err(StoreError::Corrupt { column: "seq" })
        ));
    }

    #[test]
    fn names_round_trip_and_unknown_ones_are_corrupt() {
        for role in [Role::Guest, Role::Member, Role::Admin, Role::Creator] {
            assert_eq!(role_from_db(role.as_str()).unwrap(), role);
        }
        for kind in [
            MediaKind::Mp4,
            MediaKind::Webm,
            MediaKind::Hls,
            MediaKind::Flv,
        ] {
            assert_eq!(media_kind_from_db(kind.as_str()).unwrap(), kind);
        }
        for v in [Visibility::Public, Visibility::Hidden] {
            assert_eq!(visibility_from_db(visibility_to_db(v)).unwrap(), v);
        }
        assert!(role_from_db("owner").is_err());
        assert!(media_kind_from_db("avi").is_err());
        assert!(visibility_from_db("secret").is_err());
        assert!(permissions_from_db(-1, "permissions").is_err());
        assert_eq!(
            permissions_from_db(i64::from(u32::MAX), "permissions").unwrap(),
            Permissions::ALL
        );
    }
}
