//! Resident links: a community's link in a round (made on first request, never deleted), what
//! a link leads to, and its QR code for the poster.

use xingfu_store::surveys::SurveyLinkRow;

use crate::app::auth::CurrentUser;
use crate::app::error::{AppError, internal};
use crate::app::state::AppState;
use crate::i18n::Lang;
use crate::surveys::model::LinkInfo;
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

/// The longest contact a link carries (a unit's name and a telephone number fit).
pub const MAX_CONTACT_CHARS: usize = 60;

/// Whom residents ask about a community's survey: the contact its link carries, else the person
/// who published the link, by name and unit ("张敏（鼓楼社区）").
pub async fn link_contact(
    state: &AppState,
    link: &SurveyLinkRow,
    lang: Lang,
) -> Result<String, AppError> {
    if let Some(contact) = link.contact.as_deref().filter(|c| !c.trim().is_empty()) {
        return Ok(contact.to_string());
    }
    let Some(user) = state.store.user_by_username(&link.created_by).await? else {
        return region_name(state, &link.community_code).await;
    };
    let unit = region_name(state, &user.region_code).await?;
    Ok(format!(
        "{}{}{unit}{}",
        user.display_name,
        lang.open(),
        lang.close()
    ))
}

/// Sets whom residents ask about the community's survey (empty: nobody named, the poster
/// names the worker who published the link). For those who may publish the link.
pub async fn set_link_contact(
    state: &AppState,
    user: &CurrentUser,
    round_id: &str,
    community: &str,
    contact: &str,
    lang: Lang,
) -> Result<SurveyLinkRow, AppError> {
    may_publish_link(user, community, lang)?;
    let contact = contact.trim();
    let chars = contact.chars().count();
    if chars > MAX_CONTACT_CHARS {
        return Err(AppError::BadRequest(lang.text(
            format!(
                "咨询电话或联系人\u{ff1a}最多 {MAX_CONTACT_CHARS} 个字\u{ff0c}现在是 {chars} 个字"
            ),
            format!("Contact: at most {MAX_CONTACT_CHARS} characters, this has {chars}"),
        )));
    }
    let contact = (!contact.is_empty()).then_some(contact);
    state
        .store
        .set_survey_link_contact(round_id, community, contact, by(user))
        .await?
        .ok_or(AppError::NotFound)
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
