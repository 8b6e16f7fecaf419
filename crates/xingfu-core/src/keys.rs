//! Enums stored as their keys (`"named"`, `"verified"`): read back from a row with
//! `#[sqlx(try_from = "String")]`, and compared with a key where the API and tests spell it.

/// A stored key that names none of the enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {key:?}")]
pub struct UnknownKey {
    pub what: &'static str,
    pub key: String,
}

/// Implements `TryFrom<String>` (with [`UnknownKey`]), `PartialEq<&str>` and `as_str` for an
/// enum with `fn key(self) -> &'static str` and `fn parse(&str) -> Option<Self>`.
macro_rules! stored_as_key {
    ($enum:ty, $what:literal) => {
        impl $enum {
            /// The key, where the value stands in for its stored text.
            pub fn as_str(&self) -> &'static str {
                self.key()
            }
        }

        impl TryFrom<String> for $enum {
            type Error = $crate::keys::UnknownKey;

            fn try_from(key: String) -> Result<Self, $crate::keys::UnknownKey> {
                <$enum>::parse(&key).ok_or($crate::keys::UnknownKey { what: $what, key })
            }
        }

        impl PartialEq<&str> for $enum {
            fn eq(&self, key: &&str) -> bool {
                self.key() == *key
            }
        }
    };
}

pub(crate) use stored_as_key;

#[cfg(test)]
mod tests {
    use crate::rectification::RectificationStatus;
    use crate::workflow::{ObjectionStatus, Stage};

    #[test]
    fn every_stage_and_status_is_read_back_from_its_key() {
        for stage in Stage::ALL {
            assert_eq!(Stage::try_from(stage.key().to_string()), Ok(stage));
            assert!(stage == stage.key());
        }
        assert!(Stage::Named != "published");
        for status in ObjectionStatus::ALL {
            assert_eq!(
                ObjectionStatus::try_from(status.key().to_string()),
                Ok(status)
            );
            assert_eq!(status.as_str(), status.key());
        }
        for status in ["open", "submitted", "verified", "reopened"] {
            let read = RectificationStatus::try_from(status.to_string()).unwrap();
            assert_eq!(read.key(), status);
            assert!(read == status);
        }
    }

    #[test]
    fn an_unknown_key_is_refused_naming_what_it_was_read_as() {
        let error = Stage::try_from("nameed".to_string()).unwrap_err();
        assert_eq!(error.to_string(), "unknown stage \"nameed\"");
        let error = RectificationStatus::try_from(String::new()).unwrap_err();
        assert_eq!(error.to_string(), "unknown rectification status \"\"");
    }
}
