//! Writes the table of embedded files: every file under `dist/` (the built
//! web app, committed) with its content type and an ETag computed here, so
//! serving does no work per request but a lookup.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let dist = root.join("dist");
    println!("cargo:rerun-if-changed=dist");
    let mut files = Vec::new();
    if dist.is_dir() {
        collect(&dist, &mut files);
    }
    files.sort();
    let mut out = String::from("pub(crate) static FILES: &[EmbeddedFile] = &[\n");
    for file in &files {
        let rel = file
            .strip_prefix(&dist)
            .expect("collected under dist")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(file).expect("read a built file");
        let etag = format!("\"{:016x}\"", fnv1a(&bytes));
        writeln!(
            out,
            "    EmbeddedFile {{ path: {rel:?}, body: include_bytes!({:?}), content_type: {:?}, etag: {etag:?} }},",
            file.to_string_lossy(),
            content_type(&rel),
        )
        .expect("write to a string");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("files.rs");
    std::fs::write(dest, out).expect("write the file table");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("read dist");
    for entry in entries {
        let path = entry.expect("read a dist entry").path();
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// FNV-1a, 64 bits: a stable fingerprint for the ETag (not a security hash).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, ext)| ext);
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}
