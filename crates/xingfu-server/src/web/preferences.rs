//! The two preferences every page offers, the language and the text size (大字版), kept in
//! cookies for a year.
//!
//! Most pages switch them with a link in the header (`/lang/…`, `/text/…`) that comes back to
//! the same address. A page holding a half-filled form (the resident's questionnaire) would
//! lose what was typed that way, so it switches them with buttons inside its own form
//! ([`Page::switches_in_form`](crate::web::page::Page)): the form is posted with everything in
//! it, the handler keeps the preference ([`Switch::keep`]) and draws the same screen again.

use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};

/// The language cookie (`zh` or `en`).
pub const LANG: &str = "lang";
/// The text-size cookie (`1`: large text).
pub const BIG: &str = "big";

/// A preference cookie, for the whole site, for a year.
pub fn preference(name: &'static str, value: &str) -> Cookie<'static> {
    Cookie::build((name, value.to_string()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build()
}

/// The language a switch asks for: `en`, anything else is Chinese.
pub fn lang_value(code: &str) -> &'static str {
    if code == "en" { "en" } else { "zh" }
}

/// The text size a switch asks for: `large`, anything else is the normal size.
pub fn big_value(size: &str) -> &'static str {
    if size == "large" { "1" } else { "0" }
}

/// A preference switched by a button inside a form (`switch=lang-en`, `switch=text-large` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    Lang(&'static str),
    Text(&'static str),
}

impl Switch {
    /// The switch a form's `switch` field asks for; `None` when it asks for none.
    pub fn parse(field: &str) -> Option<Switch> {
        let (what, value) = field.split_once('-')?;
        match what {
            "lang" => Some(Switch::Lang(lang_value(value))),
            "text" => Some(Switch::Text(big_value(value))),
            _ => None,
        }
    }

    /// The jar with the preference kept: the response sets it, and a page drawn from the jar
    /// already shows it.
    pub fn keep(self, jar: CookieJar) -> CookieJar {
        match self {
            Switch::Lang(value) => jar.add(preference(LANG, value)),
            Switch::Text(value) => jar.add(preference(BIG, value)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn switches_are_read_from_the_form_and_kept_in_the_jar() {
        assert_eq!(Switch::parse("text-large"), Some(Switch::Text("1")));
        assert_eq!(Switch::parse("text-normal"), Some(Switch::Text("0")));
        assert_eq!(Switch::parse("lang-en"), Some(Switch::Lang("en")));
        assert_eq!(Switch::parse("lang-fr"), Some(Switch::Lang("zh")));
        assert_eq!(Switch::parse(""), None);
        assert_eq!(Switch::parse("colour-red"), None);
        let jar = Switch::Text("1").keep(CookieJar::new());
        assert_eq!(jar.get(BIG).map(|c| c.value()), Some("1"));
        let jar = Switch::Lang("en").keep(jar);
        assert_eq!(Lang::from_jar(&jar), Lang::En);
    }
}
