//! Generates the protobuf messages and the gRPC stubs from `proto/`.
//!
//! The schema is parsed by `protox` (pure Rust), so no `protoc` is needed.
//! Every message except the two envelopes gets serde derives; the
//! envelopes' oneofs become internally tagged enums (`"type"`), and every
//! enum-typed field is (de)serialised by name through `crate::json::names`.

use std::path::PathBuf;

use prost_types::field_descriptor_proto::Type;
use prost_types::FileDescriptorSet;

const PACKAGE: &str = "synctv.room.v1";
const ENVELOPES: [&str; 2] = ["ClientMessage", "ServerMessage"];
const SERDE_DERIVE: &str = "#[derive(serde::Serialize, serde::Deserialize)]";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = manifest.join("../../proto");
    let proto = proto_root.join("synctv/room/v1/room.proto");
    println!("cargo:rerun-if-changed={}", proto.display());

    let fds = protox::compile([&proto], [&proto_root])?;

    let mut builder = tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(false)
        .emit_rerun_if_changed(false)
        // Its Debug hides the password (written by hand in the crate).
        .skip_debug([format!(".{PACKAGE}.Join")]);
    for envelope in ENVELOPES {
        builder = builder.enum_attribute(
            format!(".{PACKAGE}.{envelope}.kind"),
            format!("{SERDE_DERIVE}\n#[serde(tag = \"type\", rename_all = \"snake_case\")]"),
        );
    }
    for (message, enum_fields) in messages(&fds) {
        let path = format!(".{PACKAGE}.{message}");
        builder = builder.message_attribute(&path, format!("{SERDE_DERIVE}\n#[serde(default)]"));
        for (field, enum_name) in enum_fields {
            let with = format!("#[serde(with = \"crate::json::names::{enum_name}\")]");
            builder = builder.field_attribute(format!("{path}.{field}"), with);
        }
    }
    builder.compile_fds(fds)?;
    Ok(())
}

/// The package's messages other than the envelopes, each with its
/// enum-typed fields as `(field, enum name in snake_case)`.
fn messages(fds: &FileDescriptorSet) -> Vec<(String, Vec<(String, String)>)> {
    let files = fds.file.iter().filter(|f| f.package() == PACKAGE);
    files
        .flat_map(|f| &f.message_type)
        .filter(|m| !ENVELOPES.contains(&m.name()))
        .map(|m| {
            let enum_fields = m
                .field
                .iter()
                .filter(|f| f.r#type() == Type::Enum)
                .map(|f| {
                    let enum_name = f.type_name().rsplit('.').next().unwrap_or_default();
                    (f.name().to_owned(), snake_case(enum_name))
                })
                .collect();
            (m.name().to_owned(), enum_fields)
        })
        .collect()
}

fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}
