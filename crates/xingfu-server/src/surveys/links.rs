//! Resident links: a community's link in a round (made on first request, never deleted), what
//! a link leads to, and its QR code for the poster.

use xingfu_store::surveys::SurveyLinkRow;

use crate::app::auth::CurrentUser;
use crate::app::error::AppError;
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::model::{LinkInfo, internal};
use crate::surveys::service::{
    by, community_of_round, may_publish_link, no_survey, region_name, round_of,
};

/// The community's resident link in the round (made on first request).
pub async fn resident_link(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    lang: Lang,
) -> Result<SurveyLinkRow, AppError> {
    may_publish_link(user, community, lang)?;
    let round = round_of(state, round_id).await?;
    community_of_round(state, &round, community, lang).await?;
    if state.store.survey_settings(round_id).await?.is_none() {
        return Err(no_survey(lang));
    }
    let token: [u8; 16] = rand::random();
    Ok(state
        .store
        .create_survey_link(round_id, community, &hex::encode(token), by(user))
        .await?)
}

/// The round and community a resident link leads to; `None` for a token that is not a link.
pub async fn link(state: &AppState, token: &str) -> Result<Option<LinkInfo>, AppError> {
    // Links are never deleted, so a found link is kept; unknown tokens are not remembered.
    if let Some(found) = state.surveys.link(token) {
        return Ok(Some(found));
    }
    if token.len() > 128 {
        return Ok(None);
    }
    let Some(row) = state.store.survey_link(token).await? else {
        return Ok(None);
    };
    let name = region_name(state, &row.community_code).await?;
    let info = LinkInfo {
        round_id: row.round_id,
        community_code: row.community_code,
        community_name: name,
    };
    state.surveys.remember_link(token, info.clone());
    Ok(Some(info))
}

/// The QR code of `text` as an inline SVG element (no XML declaration), black on white.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| internal(format!("QR code: {e}")))?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build();
    Ok(match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_inline_svg() {
        let svg = qr_svg("https://example.org/s/0123456789abcdef").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(!svg.contains("<?xml"));
    }
}
