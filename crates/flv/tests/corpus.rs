//! Regression corpus: every file under `tests/corpus/` is demuxed whole and
//! byte by byte. The name says what must happen: `ok_*` reads to the end,
//! `truncated_*` stops waiting for more bytes, `bad_*` ends in a stream error.

use std::path::Path;

use bytes::BytesMut;
use flv::{Demuxer, FlvError};

#[derive(Debug, PartialEq)]
enum Outcome {
    Complete { tags: usize },
    Incomplete { tags: usize },
    Failed { tags: usize },
}

fn demux(data: &[u8], chunk: usize) -> Outcome {
    let mut demuxer = Demuxer::new().with_max_tag_size(1 << 20);
    let mut buf = BytesMut::new();
    let mut tags = 0;
    for part in data.chunks(chunk) {
        buf.extend_from_slice(part);
        loop {
            match demuxer.decode_frame(&mut buf) {
                Ok(Some(_)) | Err(FlvError::Media(_)) => tags += 1,
                Ok(None) => break,
                Err(_) => return Outcome::Failed { tags },
            }
        }
    }
    if buf.is_empty() {
        Outcome::Complete { tags }
    } else {
        Outcome::Incomplete { tags }
    }
}

#[test]
fn corpus_files_behave_as_their_names_say() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        let whole = demux(&data, data.len().max(1));
        assert_eq!(
            demux(&data, 1),
            whole,
            "{name}: chunking changed the outcome"
        );
        match whole {
            Outcome::Complete { tags } => {
                assert!(name.starts_with("ok_") && tags > 0, "{name}: {whole:?}")
            }
            Outcome::Incomplete { .. } => {
                assert!(name.starts_with("truncated_"), "{name}: {whole:?}")
            }
            Outcome::Failed { .. } => assert!(name.starts_with("bad_"), "{name}: {whole:?}"),
        }
        seen += 1;
    }
    assert!(seen >= 5, "corpus has only {seen} files");
}
