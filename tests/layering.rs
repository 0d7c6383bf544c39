//! The module layering of the library, checked on its source (issue 11):
//! `error` ← `frame` ← `connection` ← adapters, with `handshake` beside
//! `connection`, `extension` (what the handshake agrees and the connection
//! applies) below both, and no code path through the crate root's re-exports.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, recursively.
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file: its lines without `//` comments (doc links may name
/// root paths such as `crate::Config`, the only public path of `Config`).
fn code(path: &Path) -> Vec<(usize, String)> {
    let text = fs::read_to_string(path).expect("readable source");
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.split("//").next().unwrap_or("").to_owned()))
        .collect()
}

/// The modules a file names as `crate::<module>` in its code.
fn crate_paths(line: &str) -> impl Iterator<Item = &str> {
    line.match_indices("crate::").map(|(i, _)| {
        let rest = &line[i + "crate::".len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        &rest[..end]
    })
}

/// Which top-level modules a module of `src/` may name.
fn allowed(module: &str) -> &'static [&'static str] {
    match module {
        "error" => &[],
        "frame" => &["error", "frame"],
        "extension" => &["error", "extension"],
        "handshake" => &["handshake", "extension"],
        "config" => &["error", "frame"],
        "connection" => &["error", "frame", "config", "connection", "extension"],
        // Core: reads the CONNECT answer with the handshake's head parser.
        "proxy" => &["proxy", "handshake"],
        // Adapters (blocking, tokio, ...) sit on top of everything.
        _ => &[
            "error",
            "frame",
            "config",
            "connection",
            "extension",
            "handshake",
            "proxy",
            "blocking",
            "tokio",
        ],
    }
}

#[test]
fn no_module_reaches_up_or_through_the_crate_root() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    assert!(files.len() > 10, "found only {files:?}");
    let mut violations = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let module = rel
            .iter()
            .next()
            .and_then(|c| c.to_str())
            .map(|c| c.trim_end_matches(".rs"))
            .unwrap();
        if module == "lib" {
            continue;
        }
        for (n, line) in code(file) {
            for target in crate_paths(&line) {
                let through_root = target.is_empty() || target.starts_with(char::is_uppercase);
                if through_root || !allowed(module).contains(&target) {
                    violations.push(format!("{}:{n}: crate::{target}", rel.display()));
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering broken:\n{}",
        violations.join("\n")
    );
}
