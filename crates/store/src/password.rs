//! Password hashing with argon2id.
//!
//! The accounts layer hashes a new password with [`hash`] and stores the
//! resulting PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) through
//! [`crate::UserRepo::create_user`]; at login it checks the presented
//! password with [`verify`] against [`crate::Credentials::password_hash`].
//! Room passwords work the same way. Both calls cost tens of milliseconds
//! of CPU by design: run them on a blocking thread
//! (`tokio::task::spawn_blocking`), not on the async executor.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::error::StoreError;
use crate::secret::random_bytes;

/// Hashes `password` with argon2id (the crate's default parameters, the
/// OWASP baseline) and a fresh random salt.
pub fn hash(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()?).map_err(StoreError::PasswordHash)?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(StoreError::PasswordHash)?;
    Ok(hash.to_string())
}

/// Whether `password` matches the stored `hash`. The parameters come from
/// the hash itself, so hashes made with older parameters still verify. A
/// stored hash that is not a PHC string is [`StoreError::Corrupt`].
pub fn verify(password: &str, hash: &str) -> Result<bool, StoreError> {
    let parsed = PasswordHash::new(hash).map_err(|_| StoreError::Corrupt {
        column: "password_hash",
    })?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::Password) => Ok(false),
        Err(_) => Err(StoreError::Corrupt {
            column: "password_hash",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse", &stored).unwrap());
        assert!(!verify("Correct horse", &stored).unwrap());
    }

    #[test]
    fn the_same_password_hashes_differently_each_time() {
        assert_ne!(hash("pw").unwrap(), hash("pw").unwrap());
    }

    #[test]
    fn a_stored_value_that_is_not_a_hash_is_corrupt() {
        assert!(matches!(
            verify("pw", "plain text"),
            Err(StoreError::Corrupt { .. })
        ));
    }
}
