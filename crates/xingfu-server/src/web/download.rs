//! Files sent for download as attachments with their file names, and the percent-encoding of a
//! path segment that the names (and links to downloads) use.

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// The content type of an .xlsx workbook.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A download: the content type, `Content-Disposition: attachment` with the name in ASCII and
/// in UTF-8 (RFC 6266), and no caching outside the user's browser.
pub fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    sent_file("attachment", content_type, file_name, bytes)
}

/// A file the browser shows itself (a PDF in its viewer), named for when it is saved.
pub fn inline(content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    sent_file("inline", content_type, file_name, bytes)
}

fn sent_file(disposition: &str, content_type: &str, file_name: &str, bytes: Vec<u8>) -> Response {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        path_segment(file_name)
    );
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from(bytes),
    )
        .into_response()
}

/// An .xlsx workbook as a download.
pub fn xlsx_attachment(file_name: &str, bytes: Vec<u8>) -> Response {
    attachment(XLSX_TYPE, file_name, bytes)
}

/// Percent-encodes everything but unreserved characters, so the text is one path segment.
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(path_segment("lucheng-2012"), "lucheng-2012");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(path_segment("条"), "%E6%9D%A1");
    }
}
