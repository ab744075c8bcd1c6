//! The one program a synctv transport stream carries.

/// PID of the program map table.
pub const PMT_PID: u16 = 0x1000;
/// PID of the video elementary stream.
pub const VIDEO_PID: u16 = 0x100;
/// PID of the audio elementary stream.
pub const AUDIO_PID: u16 = 0x101;

/// Elementary stream types synctv writes into the PMT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamType {
    /// H.264 in Annex B.
    H264 = 0x1b,
    /// H.265 in Annex B.
    H265 = 0x24,
    /// AAC in ADTS.
    AdtsAac = 0x0f,
}

/// Which streams the program has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Program {
    pub video: Option<StreamType>,
    pub audio: Option<StreamType>,
}

impl Program {
    /// Whether no stream can be muxed yet.
    pub fn is_empty(&self) -> bool {
        self.video.is_none() && self.audio.is_none()
    }

    /// The PID carrying the PCR: video when there is video, else audio.
    pub fn pcr_pid(&self) -> u16 {
        if self.video.is_some() || self.audio.is_none() {
            VIDEO_PID
        } else {
            AUDIO_PID
        }
    }

    /// (stream type, PID) of every present stream, video first.
    pub fn streams(&self) -> impl Iterator<Item = (StreamType, u16)> {
        let video = self.video.map(|t| (t, VIDEO_PID));
        let audio = self.audio.map(|t| (t, AUDIO_PID));
        video.into_iter().chain(audio)
    }
}
