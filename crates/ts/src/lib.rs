//! MPEG-TS output: [`media::Frame`]s in, 188-byte transport packets out.
//!
//! Layer: pure. No sockets, tasks or clocks; time is the frames' own
//! millisecond timestamps, turned into 33-bit 90 kHz PTS/DTS/PCR.
//!
//! Drive loop: feed every frame of a stream in decode order. Config frames
//! go to [`TsMuxer::handle_config`], which parses the AVC/HEVC/AAC
//! configuration record and reports a [`ConfigUpdate`]; coded frames go to
//! [`TsMuxer::write_frame`], which appends their packets to a buffer the
//! caller owns (freeze it into `Bytes` to share). [`TsMuxer::write_tables`]
//! writes PAT and PMT where a segment starts.
//!
//! One program: H.264 (stream type 0x1b) or H.265 (0x24) video on PID
//! 0x100 with the PCR, AAC in ADTS (0x0f) on PID 0x101 (PCR here when
//! there is no video); the PMT lists only the configured streams. Every
//! video access unit starts with an AUD; keyframes repeat the parameter sets
//! and set random_access_indicator.

mod error;
mod muxer;
mod packet;
mod pes;
mod program;
mod psi;

pub use error::TsError;
pub use muxer::{ConfigUpdate, TsMuxer};
pub use pes::ms_to_90khz;
pub use program::{Program, StreamType, AUDIO_PID, PMT_PID, VIDEO_PID};

/// Bytes of one transport packet.
pub const PACKET_LEN: usize = packet::PACKET_LEN;
