//! Households and senders as stored: HMAC-SHA256 of the normalised identifier under a secret
//! kept in the database, and per round, so the same household cannot be followed from one
//! year's survey to the next. A household code (户号) is numbered by its community, so its hash
//! also covers the community; a phone number is the same household wherever it answers.

use std::net::IpAddr;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use xingfu_core::survey::household::HouseholdId;
use xingfu_store::surveys::SURVEY_SECRET;

use crate::app::clock::now_ms;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;

/// The secret households are hashed under, read once per process.
pub(crate) async fn secret(state: &AppState) -> Result<&[u8], AppError> {
    state
        .surveys
        .secret(|| async {
            let text = state.store.server_secret(SURVEY_SECRET, now_ms()).await?;
            hex::decode(text).map_err(|e| internal(format!("the survey secret is not hex: {e}")))
        })
        .await
}

/// HMAC-SHA256 of length-prefixed parts, as hex.
fn hmac_hex(secret: &[u8], parts: &[&str]) -> Result<String, AppError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .map_err(|e| internal(format!("HMAC key: {e}")))?;
    for part in parts {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part.as_bytes());
    }
    Ok(hex::encode(mac.finalize().into_bytes()))
}

/// The stored form of a household in a round (see the module notes).
pub fn household_hash(
    secret: &[u8],
    round_id: &str,
    community: &str,
    household: &HouseholdId,
) -> Result<String, AppError> {
    let scope = match household {
        HouseholdId::Phone(_) => "",
        HouseholdId::Code(_) => community,
    };
    hmac_hex(
        secret,
        &["household", round_id, scope, &household.hash_input()],
    )
}

/// The stored form of a sender's network address in a round.
pub fn source_hash(secret: &[u8], round_id: &str, address: IpAddr) -> Result<String, AppError> {
    hmac_hex(secret, &["source", round_id, &address.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_household_hashes_alike_however_it_is_typed_and_differently_per_round() {
        let secret = [7u8; 32];
        let typed = HouseholdId::phone("138 0013 8000").unwrap();
        let plain = HouseholdId::phone("+86 13800138000").unwrap();
        let a = household_hash(&secret, "r1", "330302006044", &typed).unwrap();
        assert_eq!(
            a,
            household_hash(&secret, "r1", "330302006045", &plain).unwrap(),
            "a phone number is one household wherever it answers"
        );
        assert_ne!(
            a,
            household_hash(&secret, "r2", "330302006044", &typed).unwrap()
        );
        assert_ne!(
            a,
            household_hash(&[8u8; 32], "r1", "330302006044", &typed).unwrap()
        );
        assert_eq!(a.len(), 64);
        assert!(!a.contains("13800138000"));
        // A household code belongs to its community.
        let code = HouseholdId::code("3栋501").unwrap();
        assert_ne!(
            household_hash(&secret, "r1", "330302006044", &code).unwrap(),
            household_hash(&secret, "r1", "330302006045", &code).unwrap()
        );
    }

    #[test]
    fn parts_are_length_prefixed() {
        let secret = [1u8; 32];
        assert_ne!(
            hmac_hex(&secret, &["ab", "c"]).unwrap(),
            hmac_hex(&secret, &["a", "bc"]).unwrap()
        );
    }
}
