//! `xingfu templates DIR` writes the built-in document templates once and never overwrites.

use std::process::Command;

#[test]
fn the_templates_are_written_out_once() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("公文模板");
    let out = Command::new(env!("CARGO_BIN_EXE_xingfu"))
        .args(["templates", folder.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.contains("serve --templates"), "{said}");
    for name in [
        "settings.toml",
        "common.typ",
        "certificate.typ",
        "notice.typ",
    ] {
        let text = std::fs::read_to_string(folder.join(name)).unwrap();
        assert!(!text.is_empty(), "{name}");
    }
    // An edit is never overwritten, and nothing else is written either.
    std::fs::write(folder.join("notice.typ"), "我们的公示").unwrap();
    std::fs::remove_file(folder.join("decision.typ")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_xingfu"))
        .args(["templates", folder.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8(out.stderr).unwrap();
    assert!(
        said.contains("未覆盖") && said.contains("notice.typ"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(folder.join("notice.typ")).unwrap(),
        "我们的公示"
    );
    assert!(!folder.join("decision.typ").exists());
}
