//! Photos made safe to publish, and kept in the file store.
//!
//! Only JPEG, PNG and WebP, judged by their content (the file name and declared type are not
//! trusted, since nothing is stored as sent); each is decoded, turned upright by its EXIF
//! orientation, scaled down to at most [`MAX_PHOTO_SIDE`] pixels a side and re-encoded as a
//! JPEG, which drops every metadata block (EXIF with GPS position, XMP, comments). Photos are
//! public at `/event-photos/{id}`, as Open311 `media_url`s are.

use sha2::{Digest, Sha256};
use xingfu_store::events::{NewPhoto, PhotoStage};

use crate::app::error::AppError;
use crate::app::files::{
    ImageDecoding, Kind, MAX_UPLOAD, Refused, Undecoded, decode_image, too_big,
};
use crate::app::state::AppState;

/// A report or an action may carry up to nine photos of up to 10 MB each; the body as a whole
/// is capped at three times one photo's limit, like evidence uploads.
pub const EVENT_BODY_LIMIT: usize = 3 * MAX_UPLOAD;

/// Longest side of a stored photo, in pixels: sharp on any phone, a fraction of a camera's size.
pub const MAX_PHOTO_SIDE: u32 = 2560;
/// JPEG quality of stored photos.
pub const PHOTO_QUALITY: u8 = 85;

/// A photo ready to store: re-encoded, without metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn refused(zh: &str, en: &str) -> Refused {
    Refused {
        zh: zh.into(),
        en: en.into(),
        too_big: false,
    }
}

/// Checks a photo (not empty, at most [`MAX_UPLOAD`], a JPEG, PNG or WebP by its content, and
/// decodable within limits) and re-encodes it as described in the module comment. CPU work:
/// call it from a blocking task.
pub fn clean_photo(bytes: &[u8]) -> Result<CleanPhoto, Refused> {
    if bytes.is_empty() {
        return Err(refused(
            "照片文件是空的，请重新选择",
            "the photo file is empty: choose it again",
        ));
    }
    if bytes.len() > MAX_UPLOAD {
        return Err(too_big());
    }
    let format = match Kind::sniff(bytes) {
        Some(Kind::Jpeg) => image::ImageFormat::Jpeg,
        Some(Kind::Png) => image::ImageFormat::Png,
        Some(Kind::WebP) => image::ImageFormat::WebP,
        _ => {
            return Err(refused(
                "照片须为 JPEG、PNG 或 WebP 图片，这个文件不是图片",
                "a photo must be a JPEG, PNG or WebP image; this file is not one",
            ));
        }
    };
    let damaged = || {
        refused(
            "照片已损坏或不完整，无法打开。请重新拍摄后再上传",
            "the photo is damaged or incomplete and cannot be opened; take it again",
        )
    };
    // The JPEG decoder fills in a picture cut short in transfer; refuse it instead.
    if format == image::ImageFormat::Jpeg && !jpeg_is_complete(bytes) {
        return Err(damaged());
    }
    let (mut picture, orientation) = match decode_image(bytes, format) {
        Ok(decoded) => decoded,
        Err(Undecoded::TooLarge(refusal)) => return Err(refusal),
        Err(Undecoded::Damaged) => return Err(damaged()),
    };
    picture.apply_orientation(orientation);
    if picture.width() > MAX_PHOTO_SIDE || picture.height() > MAX_PHOTO_SIDE {
        picture = picture.resize(
            MAX_PHOTO_SIDE,
            MAX_PHOTO_SIDE,
            image::imageops::FilterType::Triangle,
        );
    }
    let rgb = picture.to_rgb8();
    let mut out = Vec::with_capacity(bytes.len().min(4 * 1024 * 1024));
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, PHOTO_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| damaged())?;
    Ok(CleanPhoto {
        width: rgb.width(),
        height: rgb.height(),
        bytes: out,
    })
}

/// True when a JPEG's segments run from its start to an end-of-image marker: each marker
/// segment is skipped by its length (so thumbnails inside EXIF do not count), and the
/// entropy-coded data after each start-of-scan is followed to the next marker.
pub fn jpeg_is_complete(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut i = 2;
    while i + 1 < bytes.len() {
        if bytes[i] != 0xFF {
            return false;
        }
        let marker = bytes[i + 1];
        match marker {
            // Fill bytes before a marker.
            0xFF => i += 1,
            0xD9 => return true,
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let Some(length) = bytes
                    .get(i + 2..i + 4)
                    .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
                else {
                    return false;
                };
                i += 2 + length;
                if marker == 0xDA {
                    // Entropy-coded data: up to the next marker that is neither a stuffed
                    // 0xFF00 nor a restart marker.
                    loop {
                        match (bytes.get(i), bytes.get(i + 1)) {
                            (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
                            (Some(0xFF), Some(_)) => break,
                            (Some(_), _) => i += 1,
                            (None, _) => return false,
                        }
                    }
                }
            }
        }
    }
    false
}

/// Cleans photos through the server's decoding gate; the first refusal is returned with the
/// photo's position.
pub async fn clean_photos(
    decoding: &ImageDecoding,
    raw: Vec<Vec<u8>>,
) -> Result<Result<Vec<CleanPhoto>, (usize, Refused)>, AppError> {
    decoding
        .run(move || {
            raw.iter()
                .enumerate()
                .map(|(i, bytes)| clean_photo(bytes).map_err(|r| (i, r)))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| AppError::Internal(e.context("cleaning photos")))
}

/// Puts cleaned photos in the file store; on failure, those already stored are removed.
pub(super) async fn store_photos(
    state: &AppState,
    photos: Vec<CleanPhoto>,
    stage: PhotoStage,
) -> Result<Vec<NewPhoto>, AppError> {
    let mut stored = Vec::with_capacity(photos.len());
    for photo in photos {
        let sha256 = hex::encode(Sha256::digest(&photo.bytes));
        let size = photo.bytes.len() as i64;
        match state.files.put(photo.bytes).await {
            Ok(key) => stored.push(NewPhoto {
                id: xingfu_store::new_id(),
                stage,
                file_key: key,
                content_type: "image/jpeg".into(),
                size,
                width: i64::from(photo.width),
                height: i64::from(photo.height),
                sha256,
            }),
            Err(e) => {
                discard(state, &stored).await;
                return Err(AppError::Internal(e));
            }
        }
    }
    Ok(stored)
}

/// Removes stored photos whose rows were not written.
pub(super) async fn discard(state: &AppState, photos: &[NewPhoto]) {
    for photo in photos {
        if let Err(e) = state.files.delete(&photo.file_key).await {
            tracing::error!("removing an unrecorded photo {}: {e:#}", photo.file_key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&picture)
            .unwrap();
        out
    }

    /// `jpeg` with an APP1 EXIF segment right after the start-of-image marker.
    fn with_app1(jpeg: &[u8], payload: &[u8]) -> Vec<u8> {
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
        out.extend_from_slice(payload);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    /// EXIF with only IFD0's Orientation (0x0112) set to `value`.
    fn orientation_exif(value: u16) -> Vec<u8> {
        let mut exif = b"Exif\0\0MM\x00\x2a\x00\x00\x00\x08".to_vec();
        exif.extend_from_slice(&1u16.to_be_bytes());
        exif.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0, 0, 0, 1]);
        exif.extend_from_slice(&value.to_be_bytes());
        exif.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        exif
    }

    #[test]
    fn a_jpeg_must_run_to_its_end_marker() {
        let whole = jpeg(40, 30);
        assert!(jpeg_is_complete(&whole));
        assert!(!jpeg_is_complete(&whole[..whole.len() - 2]));
        assert!(!jpeg_is_complete(&whole[..whole.len() / 2]));
        assert!(!jpeg_is_complete(b"not a jpeg"));
        // A thumbnail inside EXIF has its own end marker; it must not make a cut photo whole.
        let mut thumbnail_exif = b"Exif\0\0".to_vec();
        thumbnail_exif.extend_from_slice(&jpeg(8, 8));
        let with_thumbnail = with_app1(&whole, &thumbnail_exif);
        assert!(jpeg_is_complete(&with_thumbnail));
        assert!(!jpeg_is_complete(
            &with_thumbnail[..with_thumbnail.len() - 100]
        ));
        // Bytes after the end marker (some phones append data) are fine.
        let mut trailing = whole.clone();
        trailing.extend_from_slice(b"trailer");
        assert!(jpeg_is_complete(&trailing));
    }

    #[test]
    fn photos_are_turned_upright_scaled_and_stripped() {
        // Orientation 6: the camera was turned; the stored photo is upright (sides swapped).
        let turned = with_app1(&jpeg(40, 30), &orientation_exif(6));
        let clean = clean_photo(&turned).unwrap();
        assert_eq!((clean.width, clean.height), (30, 40));
        assert!(!clean.bytes.windows(4).any(|w| w == b"Exif"));
        let upright = clean_photo(&with_app1(&jpeg(40, 30), &orientation_exif(1))).unwrap();
        assert_eq!((upright.width, upright.height), (40, 30));

        // Larger than the limit: scaled to it, keeping proportions; PNG with alpha → JPEG.
        let wide = image::RgbaImage::new(MAX_PHOTO_SIDE * 2, 100);
        let mut png = Vec::new();
        wide.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let clean = clean_photo(&png).unwrap();
        assert_eq!((clean.width, clean.height), (MAX_PHOTO_SIDE, 50));
        assert_eq!(Kind::sniff(&clean.bytes), Some(Kind::Jpeg));
        let at_limit = clean_photo(&jpeg(MAX_PHOTO_SIDE, 10)).unwrap();
        assert_eq!((at_limit.width, at_limit.height), (MAX_PHOTO_SIDE, 10));
    }

    #[test]
    fn what_is_not_a_photo_is_refused() {
        assert!(clean_photo(b"").unwrap_err().zh.contains("空"));
        assert!(
            clean_photo(b"%PDF-1.4\n%%EOF")
                .unwrap_err()
                .zh
                .contains("不是图片")
        );
        let mut big = jpeg(8, 8);
        big.resize(MAX_UPLOAD + 1, 0);
        assert!(clean_photo(&big).unwrap_err().too_big);
        let mut exactly = jpeg(8, 8);
        let pad = MAX_UPLOAD - exactly.len();
        exactly.extend(std::iter::repeat_n(0u8, pad));
        assert_eq!(exactly.len(), MAX_UPLOAD);
        assert!(clean_photo(&exactly).is_ok());
    }
}
