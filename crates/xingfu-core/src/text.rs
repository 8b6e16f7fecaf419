//! Text as lists show it.

/// The first `chars` characters of `text`, with `…` when something was cut (counted in
/// characters, so a Chinese text is never cut inside a character).
pub fn shorten(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        None => text.to_string(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::shorten;

    #[test]
    fn cuts_at_a_character_and_marks_the_cut() {
        assert_eq!(shorten("社区服务站", 5), "社区服务站");
        assert_eq!(shorten("社区服务站", 4), "社区服务…");
        assert_eq!(shorten("", 3), "");
        assert_eq!(shorten("ab", 0), "…");
    }
}
