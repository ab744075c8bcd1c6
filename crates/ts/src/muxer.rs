//! The MPEG-TS muxer: codec state from config frames, PES packets from coded frames.

use bytes::{Bytes, BytesMut};
use media::nal::write_annexb;
use media::{
    avc, hevc, AudioSpecificConfig, AvcConfig, Codec, Frame, FrameKind, HevcConfig, NalUnits, Track,
};

use crate::packet::{write_pes, write_section, PesStart, Pid};
use crate::pes::{self, ms_to_90khz, STREAM_ID_AUDIO, STREAM_ID_VIDEO};
use crate::program::{AUDIO_PID, PMT_PID, VIDEO_PID};
use crate::{psi, Program, StreamType, TsError};

/// An H.264 access unit delimiter NAL unit (primary_pic_type 7: any slice).
const AVC_AUD: [u8; 2] = [0x09, 0xf0];
/// An H.265 access unit delimiter NAL unit (pic_type 2: any slice).
const HEVC_AUD: [u8; 3] = [0x46, 0x01, 0x50];

/// What a config frame did to the muxer's codec state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigUpdate {
    /// The first configuration of its track: a stream joins the program.
    Added,
    /// A configuration different from the one in use.
    Changed,
    /// The same configuration again (publishers repeat sequence headers).
    Unchanged,
    /// Not a config frame, or a codec MPEG-TS output does not carry.
    Ignored,
}

#[derive(Debug, Clone)]
struct VideoState {
    codec: Codec,
    stream_type: StreamType,
    nal_length_size: u8,
    /// VPS/SPS/PPS in Annex B, written before every keyframe.
    parameter_sets: Vec<u8>,
    record: Bytes,
}

#[derive(Debug, Clone)]
struct AudioState {
    config: AudioSpecificConfig,
    record: Bytes,
}

/// Turns [`Frame`]s into 188-byte transport packets.
///
/// Config frames go to [`TsMuxer::handle_config`]; coded frames to
/// [`TsMuxer::write_frame`], which appends their packets to the caller's
/// buffer. PAT and PMT are written by [`TsMuxer::write_tables`] (a segmenter
/// calls it at the start of every segment) and automatically before the
/// first frame after the set of streams changed. Continuity counters run
/// per PID for the muxer's whole life.
#[derive(Debug, Clone)]
pub struct TsMuxer {
    video: Option<VideoState>,
    audio: Option<AudioState>,
    pmt_version: u8,
    tables_pending: bool,
    pat_pid: Pid,
    pmt_pid: Pid,
    video_pid: Pid,
    audio_pid: Pid,
    /// Scratch for one PES packet, reused across frames.
    pes: Vec<u8>,
}

impl TsMuxer {
    pub fn new() -> TsMuxer {
        TsMuxer {
            video: None,
            audio: None,
            pmt_version: 0,
            tables_pending: true,
            pat_pid: Pid::new(0),
            pmt_pid: Pid::new(PMT_PID),
            video_pid: Pid::new(VIDEO_PID),
            audio_pid: Pid::new(AUDIO_PID),
            pes: Vec::new(),
        }
    }

    /// The streams configured so far.
    pub fn program(&self) -> Program {
        Program {
            video: self.video.as_ref().map(|v| v.stream_type),
            audio: self.audio.as_ref().map(|_| StreamType::AdtsAac),
        }
    }

    /// Config frames update codec state; anything else is muxed. A
    /// convenience for callers that do not need to know what changed.
    pub fn handle_frame(&mut self, frame: &Frame, out: &mut BytesMut) -> Result<(), TsError> {
        if frame.kind == FrameKind::Config {
            self.handle_config(frame).map(drop)
        } else {
            self.write_frame(frame, out).map(drop)
        }
    }

    /// Takes the codec configuration of a config frame. On error the
    /// previous configuration stays in use.
    pub fn handle_config(&mut self, frame: &Frame) -> Result<ConfigUpdate, TsError> {
        if frame.kind != FrameKind::Config {
            return Ok(ConfigUpdate::Ignored);
        }
        let before = self.program();
        let update = match frame.track {
            Track::Video => self.update_video(frame)?,
            Track::Audio => self.update_audio(frame)?,
            Track::Data => ConfigUpdate::Ignored,
        };
        if self.program() != before {
            self.pmt_version = (self.pmt_version + 1) & 0x1f;
            self.tables_pending = true;
        }
        Ok(update)
    }

    /// Whether [`TsMuxer::write_frame`] would write `frame`: a coded frame
    /// of a configured track in the configured codec.
    pub fn can_mux(&self, frame: &Frame) -> bool {
        if frame.kind != FrameKind::Coded {
            return false;
        }
        match frame.track {
            Track::Video => self.video.as_ref().is_some_and(|v| v.codec == frame.codec),
            Track::Audio => self.audio.is_some() && frame.codec == Codec::Aac,
            Track::Data => false,
        }
    }

    /// Appends the PAT and PMT.
    pub fn write_tables(&mut self, out: &mut BytesMut) {
        write_section(&mut self.pat_pid, &psi::pat(), out);
        let pmt = psi::pmt(&self.program(), self.pmt_version);
        write_section(&mut self.pmt_pid, &pmt, out);
        self.tables_pending = false;
    }

    /// Appends the packets of one coded frame. `Ok(false)` when the frame is
    /// not muxed (see [`TsMuxer::can_mux`]); on error nothing is written.
    pub fn write_frame(&mut self, frame: &Frame, out: &mut BytesMut) -> Result<bool, TsError> {
        if !self.can_mux(frame) {
            return Ok(false);
        }
        let start = match frame.track {
            Track::Video => self.build_video_pes(frame)?,
            _ => self.build_audio_pes(frame)?,
        };
        if self.tables_pending {
            self.write_tables(out);
        }
        let pid = match frame.track {
            Track::Video => &mut self.video_pid,
            _ => &mut self.audio_pid,
        };
        write_pes(pid, start, &self.pes, out);
        Ok(true)
    }

    fn update_video(&mut self, frame: &Frame) -> Result<ConfigUpdate, TsError> {
        let record = &frame.payload;
        if let Some(state) = &self.video {
            if state.codec == frame.codec && state.record == *record {
                return Ok(ConfigUpdate::Unchanged);
            }
        }
        let mut parameter_sets = Vec::new();
        let (stream_type, nal_length_size) = match frame.codec {
            Codec::Avc => {
                let config = AvcConfig::parse(record)?;
                config.write_parameter_sets(&mut parameter_sets);
                (StreamType::H264, config.nal_length_size)
            }
            Codec::Hevc => {
                let config = HevcConfig::parse(record)?;
                config.write_parameter_sets(&mut parameter_sets);
                (StreamType::H265, config.nal_length_size)
            }
            _ => return Ok(ConfigUpdate::Ignored),
        };
        let previous = self.video.replace(VideoState {
            codec: frame.codec,
            stream_type,
            nal_length_size,
            parameter_sets,
            record: record.clone(),
        });
        Ok(match previous {
            Some(_) => ConfigUpdate::Changed,
            None => ConfigUpdate::Added,
        })
    }

    fn update_audio(&mut self, frame: &Frame) -> Result<ConfigUpdate, TsError> {
        if frame.codec != Codec::Aac {
            return Ok(ConfigUpdate::Ignored);
        }
        let record = &frame.payload;
        if let Some(state) = &self.audio {
            if state.record == *record {
                return Ok(ConfigUpdate::Unchanged);
            }
        }
        let config = AudioSpecificConfig::parse(record)?;
        // Refuse at once what ADTS cannot carry, not on every frame.
        config.adts_header(0)?;
        let previous = self.audio.replace(AudioState {
            config,
            record: record.clone(),
        });
        Ok(match previous {
            Some(_) => ConfigUpdate::Changed,
            None => ConfigUpdate::Added,
        })
    }

    /// Fills `self.pes` with one video PES packet: AUD, parameter sets on
    /// keyframes, then the frame's NAL units (its own AUDs dropped).
    fn build_video_pes(&mut self, frame: &Frame) -> Result<PesStart, TsError> {
        let Some(state) = &self.video else {
            return Ok(PesStart::default());
        };
        let (pts, dts) = timestamps_90khz(frame);
        self.pes.clear();
        pes::write_header(STREAM_ID_VIDEO, pts, dts, 0, false, &mut self.pes);
        write_annexb(aud(state.stream_type), &mut self.pes);
        if frame.keyframe {
            self.pes.extend_from_slice(&state.parameter_sets);
        }
        for unit in NalUnits::new(&frame.payload, state.nal_length_size)? {
            let unit = unit?;
            if !is_aud(state.stream_type, unit) {
                write_annexb(unit, &mut self.pes);
            }
        }
        let pcr = (self.program().pcr_pid() == VIDEO_PID).then_some(dts);
        Ok(PesStart {
            pcr,
            random_access: frame.keyframe,
        })
    }

    /// Fills `self.pes` with one audio PES packet: ADTS header and raw AAC.
    fn build_audio_pes(&mut self, frame: &Frame) -> Result<PesStart, TsError> {
        let Some(state) = &self.audio else {
            return Ok(PesStart::default());
        };
        let adts = state.config.adts_header(frame.payload.len())?;
        let (pts, dts) = timestamps_90khz(frame);
        self.pes.clear();
        let es_len = adts.len() + frame.payload.len();
        pes::write_header(STREAM_ID_AUDIO, pts, dts, es_len, true, &mut self.pes);
        self.pes.extend_from_slice(&adts);
        self.pes.extend_from_slice(&frame.payload);
        let audio_only = self.video.is_none();
        Ok(PesStart {
            pcr: audio_only.then_some(dts),
            random_access: audio_only,
        })
    }
}

impl Default for TsMuxer {
    fn default() -> TsMuxer {
        TsMuxer::new()
    }
}

/// The access unit delimiter of a video stream type.
fn aud(stream_type: StreamType) -> &'static [u8] {
    match stream_type {
        StreamType::H265 => &HEVC_AUD,
        _ => &AVC_AUD,
    }
}

fn is_aud(stream_type: StreamType, unit: &[u8]) -> bool {
    match stream_type {
        StreamType::H265 => hevc::nal_unit_type(unit) == Some(hevc::nal_type::AUD),
        _ => avc::nal_unit_type(unit) == Some(avc::nal_type::AUD),
    }
}

/// (PTS, DTS) in 90 kHz; a PTS before its DTS (a broken composition
/// offset) is raised to the DTS.
fn timestamps_90khz(frame: &Frame) -> (u64, u64) {
    let pts = frame.pts.max(frame.dts);
    (ms_to_90khz(pts), ms_to_90khz(frame.dts))
}

#[cfg(test)]
#[path = "muxer_tests.rs"]
mod tests;
