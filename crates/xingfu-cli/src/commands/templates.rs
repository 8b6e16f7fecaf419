//! `xingfu templates DIR`: the built-in document templates written out to edit.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use xingfu_typeset::Templates;

pub fn export(dir: &Path, english: bool) -> Result<ExitCode> {
    let files: Vec<(&str, &str)> = Templates::built_in().collect();
    // Nothing is written when any file is there already: a programme's edits are never lost.
    let taken: Vec<String> = files
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|path| path.exists())
        .map(|path| path.display().to_string())
        .collect();
    if !taken.is_empty() {
        if english {
            bail!("not overwritten, nothing written: {}", taken.join(", "));
        }
        bail!(
            "以下文件已存在，未覆盖，也未写出任何文件：{}",
            taken.join("，")
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, text) in &files {
        let path = dir.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    if english {
        println!(
            "{} template files written to {}; edit them, then run: xingfu serve --templates {}",
            files.len(),
            dir.display(),
            dir.display()
        );
    } else {
        println!(
            "已把 {} 个模板文件写到 {}。修改后用 xingfu serve --templates {} 启用。",
            files.len(),
            dir.display(),
            dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
