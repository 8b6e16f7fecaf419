//! The shipped templates against their data contract (the samples beside this file, and edge
//! cases: 300 entries, 20-character names, empty lists, a seal), and a programme's own folder:
//! overriding one template, a seal, fonts, and the errors a person editing them sees.

use std::path::Path;

use serde_json::Value;
use xingfu_typeset::{Attachment, Job, TypesetError, Typesetter};

const KINDS: [&str; 6] = [
    "notice",
    "decision",
    "certificate",
    "rectification",
    "bulletin",
    "score-report",
];

fn sample(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/samples/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const QR: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 21 21"><rect width="21" height="21" fill="#fff"/><path d="M0 0h7v7H0z" fill="#000"/></svg>"##;

fn render(
    typesetter: &Typesetter,
    template: &str,
    data: &Value,
) -> Result<(Vec<u8>, usize), TypesetError> {
    typesetter.render(&Job {
        template,
        data,
        attachments: vec![Attachment {
            path: "/qr.svg",
            bytes: QR.as_bytes().to_vec(),
        }],
        ident: "TEST-SERIAL",
    })
}

/// The samples are written for the built-in templates with `seal` false; a seal needs a folder.
fn without_seal(mut data: Value) -> Value {
    data["seal"] = Value::Bool(false);
    data
}

#[test]
fn every_shipped_template_sets_its_sample_and_its_edge_case() {
    let typesetter = Typesetter::new(None).unwrap();
    for kind in KINDS {
        let (pdf, pages) = render(&typesetter, kind, &sample(kind)).unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "{kind}");
        assert!(pages >= 1, "{kind}");
        let (_, edge_pages) = render(
            &typesetter,
            kind,
            &without_seal(sample(&format!("edge-{kind}"))),
        )
        .unwrap();
        if kind == "certificate" {
            assert_eq!((pages, edge_pages), (1, 1), "a certificate is one page");
        }
        if kind == "notice" {
            assert!(
                edge_pages > pages,
                "300 entries run over more pages: {edge_pages}"
            );
        }
    }
}

#[test]
fn a_programme_folder_overrides_one_template_and_adds_a_seal() {
    let folder = tempfile::tempdir().unwrap();
    let typesetter = Typesetter::new(None).unwrap();
    let (built_in, _) = render(&typesetter, "certificate", &sample("certificate")).unwrap();

    // Its own certificate: two pages, from the same data.
    std::fs::write(
        folder.path().join("certificate.typ"),
        "#let d = json(\"/data.json\")\n#d.community\n#pagebreak()\n#d.star_text",
    )
    .unwrap();
    let own = Typesetter::new(Some(folder.path())).unwrap();
    let (_, pages) = render(&own, "certificate", &sample("certificate")).unwrap();
    assert_eq!(pages, 2);
    // The other templates are still the built-in ones.
    let (_, pages) = render(&own, "notice", &sample("notice")).unwrap();
    assert!(pages >= 1);

    // A seal: named in settings.toml, the file beside it.
    let settings: String = Typesetter::new(None)
        .unwrap()
        .templates()
        .file("settings.toml")
        .unwrap()
        .map(|b| String::from_utf8(b).unwrap())
        .unwrap();
    std::fs::remove_file(folder.path().join("certificate.typ")).unwrap();
    std::fs::write(
        folder.path().join("settings.toml"),
        settings.replace("seal = \"\"", "seal = \"区政府印章.png\""),
    )
    .unwrap();
    let missing = Typesetter::new(Some(folder.path())).err().unwrap();
    assert!(
        missing
            .to_string()
            .contains("seal = \"区政府印章.png\": no such file"),
        "{missing}"
    );
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples/test-seal.png"),
        folder.path().join("区政府印章.png"),
    )
    .unwrap();
    let sealed = Typesetter::new(Some(folder.path())).unwrap();
    assert_eq!(sealed.templates().settings().seal, "区政府印章.png");
    let mut data = sample("certificate");
    data["seal"] = Value::Bool(true);
    let (with_seal, _) = render(&sealed, "certificate", &data).unwrap();
    assert!(
        with_seal.len() > built_in.len(),
        "the seal image is in the PDF"
    );
}

#[test]
fn mistakes_in_a_programme_folder_are_named() {
    let folder = tempfile::tempdir().unwrap();
    // A template with an error: the file and line are named.
    std::fs::write(
        folder.path().join("notice.typ"),
        "#let d = json(\"/data.json\")\n\n#d.no_such_field\n",
    )
    .unwrap();
    let typesetter = Typesetter::new(Some(folder.path())).unwrap();
    let error = render(&typesetter, "notice", &sample("notice")).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("notice.typ:3:"), "{text}");
    assert!(text.contains("no_such_field"), "{text}");
    // No such template.
    let error = render(&typesetter, "poster", &sample("notice")).unwrap_err();
    assert!(matches!(error, TypesetError::NoTemplate(_)), "{error}");

    // A settings file that is not TOML, or has a key that does not exist.
    std::fs::write(folder.path().join("settings.toml"), "issuer = [").unwrap();
    let error = Typesetter::new(Some(folder.path())).err().unwrap();
    assert!(
        error
            .to_string()
            .starts_with("the templates' settings.toml"),
        "{error}"
    );
    std::fs::write(
        folder.path().join("settings.toml"),
        "contact = \"\"\nobjection_how = \"\"\ncolour = \"red\"\n[issuer]\n[abbreviation]\n",
    )
    .unwrap();
    let error = Typesetter::new(Some(folder.path())).err().unwrap();
    assert!(error.to_string().contains("colour"), "{error}");
    std::fs::remove_file(folder.path().join("settings.toml")).unwrap();

    // A file in fonts/ that is not a font.
    std::fs::create_dir(folder.path().join("fonts")).unwrap();
    std::fs::write(folder.path().join("fonts/fake.ttf"), "not a font").unwrap();
    let error = Typesetter::new(Some(folder.path())).err().unwrap();
    assert!(
        error.to_string().contains("fake.ttf is not a font"),
        "{error}"
    );
}

#[test]
fn templates_cannot_read_outside_their_folder() {
    let typesetter = Typesetter::new(None).unwrap();
    for path in ["../Cargo.toml", "/../../etc/passwd", "a//b", ""] {
        assert_eq!(typesetter.templates().file(path).unwrap(), None, "{path}");
    }
    // And a template asking for one fails with a message, not a read.
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(
        folder.path().join("notice.typ"),
        "#read(\"../../../etc/hostname\")",
    )
    .unwrap();
    let typesetter = Typesetter::new(Some(folder.path())).unwrap();
    assert!(render(&typesetter, "notice", &sample("notice")).is_err());
}

#[test]
fn the_settings_fill_in_the_issuer_abbreviation_and_contact() {
    let typesetter = Typesetter::new(None).unwrap();
    let settings = typesetter.templates().settings();
    assert_eq!(
        settings.issuer("district", "鹿城区"),
        "鹿城区幸福社区创建工作领导小组办公室"
    );
    assert_eq!(settings.abbreviation("district", "鹿城区"), "鹿幸福办");
    assert_eq!(settings.abbreviation("city", "温州市"), "温幸福办");
    assert!(settings.contact("鹿城区办").starts_with("鹿城区办"));
    assert!(settings.objection_how("鹿城区办").contains("鹿城区办"));
}
