//! Uploaded files (evidence) behind one interface: a local directory by default
//! (`DATA_DIR/evidence`), or an S3-compatible bucket when `XINGFU_S3_BUCKET` is set, so several
//! app servers can share them. Keys are random ids: a user's file name never reaches the disk.
//!
//! S3 settings: `XINGFU_S3_BUCKET` (the bucket), and optionally `XINGFU_S3_ENDPOINT` (for MinIO
//! and other S3-compatible stores; `http://` endpoints are allowed), `XINGFU_S3_REGION` and
//! `XINGFU_S3_PREFIX` (a folder inside the bucket). Credentials come from the usual `AWS_*`
//! variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, …).
//!
//! This module also decides what an upload may be: [`check_upload`] sniffs the content, checks
//! that the declared type and the file name's extension agree with it, and decodes images.

use std::path::Path;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::path::Path as ObjectPath;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};

/// The largest file accepted: 10 MiB.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// Where an S3-compatible bucket is.
#[derive(Clone, Debug, Default)]
pub struct S3Settings {
    pub bucket: String,
    /// For MinIO and other S3-compatible stores; `http://` endpoints are allowed.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    /// A folder inside the bucket.
    pub prefix: Option<String>,
    /// Access key id and secret; `None` takes the usual `AWS_*` variables.
    pub credentials: Option<(String, String)>,
}

/// Where uploaded files are kept.
#[derive(Clone)]
pub struct FileStore {
    inner: Arc<dyn ObjectStore>,
    /// For logs: "memory", "local DIR" or "s3 BUCKET".
    description: String,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("description", &self.description)
            .finish()
    }
}

impl FileStore {
    /// Files kept in memory only (tests, and a server started without a file store).
    pub fn memory() -> FileStore {
        FileStore {
            inner: Arc::new(InMemory::new()),
            description: "memory".into(),
        }
    }

    /// Files under a local directory, created if missing.
    pub fn local(dir: &Path) -> anyhow::Result<FileStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        let store = LocalFileSystem::new_with_prefix(dir)?;
        Ok(FileStore {
            inner: Arc::new(store),
            description: format!("local {}", dir.display()),
        })
    }

    /// An S3-compatible bucket named by `XINGFU_S3_BUCKET`, with `AWS_*` credentials.
    pub fn s3_from_env() -> anyhow::Result<FileStore> {
        let bucket = std::env::var("XINGFU_S3_BUCKET")
            .map_err(|_| anyhow::anyhow!("XINGFU_S3_BUCKET is not set"))?;
        FileStore::s3(&S3Settings {
            bucket,
            endpoint: std::env::var("XINGFU_S3_ENDPOINT").ok(),
            region: std::env::var("XINGFU_S3_REGION").ok(),
            prefix: std::env::var("XINGFU_S3_PREFIX").ok(),
            credentials: None,
        })
    }

    /// An S3-compatible bucket.
    pub fn s3(settings: &S3Settings) -> anyhow::Result<FileStore> {
        let bucket = &settings.bucket;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_endpoint(endpoint);
        }
        if let Some(region) = &settings.region {
            builder = builder.with_region(region);
        }
        if let Some((key, secret)) = &settings.credentials {
            builder = builder
                .with_access_key_id(key)
                .with_secret_access_key(secret);
        }
        let s3 = builder.build()?;
        let prefix = settings.prefix.as_deref().unwrap_or("").trim_matches('/');
        let (inner, description): (Arc<dyn ObjectStore>, String) = if prefix.is_empty() {
            (Arc::new(s3), format!("s3 {bucket}"))
        } else {
            (
                Arc::new(PrefixStore::new(s3, prefix)),
                format!("s3 {bucket}/{prefix}"),
            )
        };
        Ok(FileStore { inner, description })
    }

    /// S3 when `XINGFU_S3_BUCKET` is set, else `DATA_DIR/evidence`.
    pub fn from_env_or_dir(data_dir: &Path) -> anyhow::Result<FileStore> {
        match std::env::var("XINGFU_S3_BUCKET") {
            Ok(bucket) if !bucket.is_empty() => FileStore::s3_from_env(),
            _ => FileStore::local(&data_dir.join("evidence")),
        }
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// Stores bytes under a new random key and returns the key.
    pub async fn put(&self, bytes: Vec<u8>) -> anyhow::Result<String> {
        let id = xingfu_store::new_id();
        // Two levels of folders keep any one directory small on a local disk.
        let key = format!("{}/{}/{id}", &id[..2], &id[2..4]);
        self.inner
            .put(&ObjectPath::from(key.as_str()), PutPayload::from(bytes))
            .await?;
        Ok(key)
    }

    pub async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let result = self.inner.get(&ObjectPath::from(key)).await?;
        Ok(result.bytes().await?.to_vec())
    }

    /// Removes a file; a missing file is not an error.
    pub async fn delete(&self, key: &str) -> anyhow::Result<()> {
        match self.inner.delete(&ObjectPath::from(key)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The kinds of file accepted as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    WebP,
    Pdf,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Jpeg, Kind::Png, Kind::WebP, Kind::Pdf];

    /// The content type stored and sent back on download.
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::WebP => "image/webp",
            Kind::Pdf => "application/pdf",
        }
    }

    /// Declared content types that mean this kind.
    fn content_types(self) -> &'static [&'static str] {
        match self {
            Kind::Jpeg => &["image/jpeg", "image/jpg", "image/pjpeg"],
            Kind::Png => &["image/png", "image/x-png"],
            Kind::WebP => &["image/webp"],
            Kind::Pdf => &["application/pdf", "application/x-pdf"],
        }
    }

    fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            Kind::Png => &["png"],
            Kind::WebP => &["webp"],
            Kind::Pdf => &["pdf"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Jpeg => "JPEG",
            Kind::Png => "PNG",
            Kind::WebP => "WebP",
            Kind::Pdf => "PDF",
        }
    }

    /// The kind the content's first bytes say it is.
    pub fn sniff(bytes: &[u8]) -> Option<Kind> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Kind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Kind::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Kind::WebP)
        } else if bytes.starts_with(b"%PDF-") {
            Some(Kind::Pdf)
        } else {
            None
        }
    }

    fn image_format(self) -> Option<image::ImageFormat> {
        match self {
            Kind::Jpeg => Some(image::ImageFormat::Jpeg),
            Kind::Png => Some(image::ImageFormat::Png),
            Kind::WebP => Some(image::ImageFormat::WebP),
            Kind::Pdf => None,
        }
    }
}

/// Why an upload is refused, in Chinese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub zh: String,
    pub en: String,
    /// True when the file is too big (HTTP 413 rather than 422).
    pub too_big: bool,
}

impl Refused {
    /// The reason in the person's language.
    pub fn text(&self, lang: crate::i18n::Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

fn refused(zh: String, en: String) -> Refused {
    Refused {
        zh,
        en,
        too_big: false,
    }
}

/// The refusal for a file over [`MAX_UPLOAD`].
pub fn too_big() -> Refused {
    Refused {
        zh: format!(
            "文件超过 {} MB 的上限，请压缩或缩小后再上传",
            MAX_UPLOAD / (1024 * 1024)
        ),
        en: format!(
            "the file is larger than the {} MiB limit; make it smaller and upload it again",
            MAX_UPLOAD / (1024 * 1024)
        ),
        too_big: true,
    }
}

/// Largest image side accepted.
const MAX_SIDE: u32 = 20_000;
/// Largest picture decoded, in pixels: 50 million, above a 48-megapixel phone photo and far
/// above what evidence or a report needs. Checked from the header, before any pixel is decoded,
/// so a small file cannot expand into gigabytes.
pub const MAX_IMAGE_PIXELS: u64 = 50_000_000;
/// Decoding memory for one image: 50 million pixels of 8-bit RGBA, with room to spare.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;
/// Images decoded at once across all requests. With [`MAX_DECODE_BYTES`] this bounds the
/// memory decoding takes at about 512 MiB however many uploads arrive together; the others
/// wait their turn.
pub const DECODE_PERMITS: usize = 2;

/// Why an image was not decoded.
#[derive(Debug)]
pub enum Undecoded {
    /// Over [`MAX_IMAGE_PIXELS`] or [`MAX_SIDE`]: the refusal names the limit.
    TooLarge(Refused),
    /// Not a whole image of its format.
    Damaged,
}

fn too_many_pixels(size: Option<(u32, u32)>) -> Undecoded {
    // 5000 万 in Chinese, 50 million in English.
    let (wan, million) = (MAX_IMAGE_PIXELS / 10_000, MAX_IMAGE_PIXELS / 1_000_000);
    let (zh_size, en_size) = match size {
        Some((w, h)) => (
            format!("为 {w}×{h} 像素\u{ff0c}"),
            format!("is {w}×{h} pixels, "),
        ),
        None => (String::new(), "is ".to_string()),
    };
    Undecoded::TooLarge(refused(
        format!(
            "图片{zh_size}超过每张 {wan} 万像素\u{ff08}每边最多 {MAX_SIDE} 像素\u{ff09}的上限\u{ff0c}请缩小后再上传"
        ),
        format!(
            "the image {en_size}over the limit of {million} million pixels \
             (at most {MAX_SIDE} a side); make it smaller and upload it again"
        ),
    ))
}

/// Decodes an image within the limits above, with the orientation its metadata gives. CPU and
/// memory work: run it through [`ImageDecoding::run`].
pub fn decode_image(
    bytes: &[u8],
    format: image::ImageFormat,
) -> Result<(image::DynamicImage, image::metadata::Orientation), Undecoded> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let classify = |size| {
        move |error: image::ImageError| match error {
            image::ImageError::Limits(_) => too_many_pixels(size),
            _ => Undecoded::Damaged,
        }
    };
    let mut decoder = reader.into_decoder().map_err(classify(None))?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS
        || width > MAX_SIDE
        || height > MAX_SIDE
    {
        return Err(too_many_pixels(Some((width, height))));
    }
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let picture =
        image::DynamicImage::from_decoder(decoder).map_err(classify(Some((width, height))))?;
    Ok((picture, orientation))
}

/// The one gate every image decode passes: at most [`DECODE_PERMITS`] at once, each on a
/// blocking thread, so neither memory nor the async threads are taken by a burst of uploads.
#[derive(Clone, Debug)]
pub struct ImageDecoding {
    permits: Arc<tokio::sync::Semaphore>,
}

impl Default for ImageDecoding {
    fn default() -> ImageDecoding {
        ImageDecoding::new(DECODE_PERMITS)
    }
}

impl ImageDecoding {
    pub fn new(permits: usize) -> ImageDecoding {
        ImageDecoding {
            permits: Arc::new(tokio::sync::Semaphore::new(permits)),
        }
    }

    /// Runs `work` (which decodes) on a blocking thread once a permit is free.
    pub async fn run<T, F>(&self, work: F) -> anyhow::Result<T>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let permit = self.permits.clone().acquire_owned().await?;
        let done = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await?;
        Ok(done)
    }
}

/// Checks an upload: not empty, at most [`MAX_UPLOAD`], a JPEG, PNG, WebP or PDF by its content,
/// with a declared content type and file name extension that agree, and an image that decodes.
/// A declared type of `application/octet-stream` (or none) counts as not declared. Decoding is
/// CPU and memory work: run this through [`ImageDecoding::run`].
pub fn check_upload(
    file_name: &str,
    declared_type: Option<&str>,
    bytes: &[u8],
) -> Result<Kind, Refused> {
    if bytes.is_empty() {
        return Err(refused(
            "文件是空的，请选择要上传的文件".into(),
            "the file is empty: choose the file to upload".into(),
        ));
    }
    if bytes.len() > MAX_UPLOAD {
        return Err(too_big());
    }
    let accepted = "JPEG、PNG、WebP 图片或 PDF";
    let accepted_en = "a JPEG, PNG or WebP image, or a PDF";
    let Some(kind) = Kind::sniff(bytes) else {
        return Err(refused(
            format!("文件内容不是 {accepted}，不能上传"),
            format!("the file's content is not {accepted_en}"),
        ));
    };
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.trim().to_lowercase())
        .unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        let wanted = kind.extensions().join(" / .");
        return Err(if extension.is_empty() {
            refused(
                format!(
                    "文件名没有扩展名；这是 {} 文件，文件名应以 .{wanted} 结尾",
                    kind.label()
                ),
                format!(
                    "the file name has no extension; this is a {} file, so it should end in .{wanted}",
                    kind.label()
                ),
            )
        } else {
            refused(
                format!(
                    "文件名的扩展名 .{extension} 与内容不符：文件内容是 {}，扩展名应为 .{wanted}",
                    kind.label()
                ),
                format!(
                    "the extension .{extension} does not match the content: it is a {} file (.{wanted})",
                    kind.label()
                ),
            )
        });
    }
    let declared = declared_type
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_lowercase()
        })
        .filter(|t| !t.is_empty() && t != "application/octet-stream");
    if let Some(declared) = declared
        && !kind.content_types().contains(&declared.as_str())
    {
        return Err(refused(
            format!(
                "声明的文件类型 {declared} 与内容不符：文件内容是 {}",
                kind.label()
            ),
            format!(
                "the declared type {declared} does not match the content, which is {}",
                kind.label()
            ),
        ));
    }
    if let Some(format) = kind.image_format() {
        match decode_image(bytes, format) {
            Ok(_) => {}
            Err(Undecoded::TooLarge(refusal)) => return Err(refusal),
            Err(Undecoded::Damaged) => {
                return Err(refused(
                    format!(
                        "图片已损坏或不完整，无法打开（{} 文件）。请重新拍摄或导出后再上传",
                        kind.label()
                    ),
                    format!(
                        "the {} image is damaged or incomplete and cannot be opened; take or export it again",
                        kind.label()
                    ),
                ));
            }
        }
    } else {
        // A PDF ends with %%EOF (possibly followed by a little whitespace or junk): a file cut
        // short in transfer does not.
        let tail = &bytes[bytes.len().saturating_sub(2048)..];
        if !tail.windows(5).any(|w| w == b"%%EOF") {
            return Err(refused(
                "PDF 文件不完整（缺少文件结尾），请重新导出后再上传".into(),
                "the PDF is incomplete (its end marker is missing); export it again".into(),
            ));
        }
    }
    Ok(kind)
}

/// A file name safe to show and to offer on download: the last path part, without control
/// characters or quotes, at most 120 characters.
pub fn clean_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    let cleaned: String = if cleaned.chars().count() > 120 {
        // Keep the extension.
        match cleaned.rsplit_once('.') {
            Some((stem, ext)) if ext.chars().count() <= 10 => {
                let stem: String = stem.chars().take(110).collect();
                format!("{stem}.{ext}")
            }
            _ => cleaned.chars().take(120).collect(),
        }
    } else {
        cleaned
    };
    if cleaned.is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbImage::new(width, height)
            .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn content_is_sniffed_and_must_agree_with_name_and_type() {
        let image = png(4, 3);
        assert_eq!(
            check_upload("photo.PNG", Some("image/png"), &image),
            Ok(Kind::Png)
        );
        assert_eq!(check_upload("photo.png", None, &image), Ok(Kind::Png));
        assert_eq!(
            check_upload("photo.png", Some("application/octet-stream"), &image),
            Ok(Kind::Png)
        );
        let wrong_ext = check_upload("photo.jpg", Some("image/png"), &image).unwrap_err();
        assert!(wrong_ext.zh.contains(".jpg"), "{}", wrong_ext.zh);
        let wrong_type = check_upload("photo.png", Some("image/jpeg"), &image).unwrap_err();
        assert!(wrong_type.en.contains("image/jpeg"), "{}", wrong_type.en);
        assert!(check_upload("photo", None, &image).is_err());
        let text = check_upload("photo.jpg", Some("image/jpeg"), b"hello").unwrap_err();
        assert!(text.zh.contains("不是"));
        assert!(
            check_upload("a.png", None, &[])
                .unwrap_err()
                .zh
                .contains("空")
        );
    }

    #[test]
    fn images_must_decode_and_pdfs_must_be_whole() {
        let image = png(64, 64);
        let cut = &image[..image.len() - 20];
        let damaged = check_upload("cut.png", Some("image/png"), cut).unwrap_err();
        assert!(damaged.zh.contains("损坏"), "{}", damaged.zh);
        let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n";
        assert_eq!(
            check_upload("report.pdf", Some("application/pdf"), pdf),
            Ok(Kind::Pdf)
        );
        assert!(check_upload("report.pdf", None, &pdf[..20]).is_err());
    }

    #[test]
    fn too_big_names_the_limit() {
        let mut big = png(4, 4);
        big.resize(MAX_UPLOAD + 1, 0);
        let refusal = check_upload("big.png", None, &big).unwrap_err();
        assert!(refusal.too_big);
        assert!(refusal.zh.contains("10 MB"));
        assert!(refusal.en.contains("10 MiB"));
    }

    #[test]
    fn file_names_are_cleaned_for_display() {
        assert_eq!(clean_file_name("C:\\照片\\会议.jpg"), "会议.jpg");
        assert_eq!(clean_file_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_file_name("a\"b\n.png"), "ab.png");
        assert_eq!(clean_file_name(".."), "file");
        let long = format!("{}.png", "长".repeat(300));
        let cleaned = clean_file_name(&long);
        assert!(cleaned.ends_with(".png"));
        assert_eq!(cleaned.chars().count(), 114);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_decodes_run_at_once_than_the_gate_has_permits() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let gate = ImageDecoding::new(2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut decodes = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (gate, running, most) = (gate.clone(), running.clone(), most.clone());
            decodes.spawn(async move {
                gate.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Long enough for the others to pile up at the gate.
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
                .unwrap();
            });
        }
        while let Some(done) = decodes.join_next().await {
            done.unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!((1..=2).contains(&most), "{most} decodes ran at once");
    }

    #[tokio::test]
    async fn stored_bytes_come_back_under_a_random_key() {
        let dir = tempfile::tempdir().unwrap();
        for store in [FileStore::memory(), FileStore::local(dir.path()).unwrap()] {
            let key = store.put(b"abc".to_vec()).await.unwrap();
            assert_eq!(key.len(), 32 + 6);
            assert_eq!(store.get(&key).await.unwrap(), b"abc");
            store.delete(&key).await.unwrap();
            assert!(store.get(&key).await.is_err());
            store.delete(&key).await.unwrap();
        }
    }
}
