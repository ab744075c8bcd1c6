//! The server's answers: `_result`/`_error` and `onStatus`.

use super::{ClientEvent, ClientSession, State, CONNECT_TRANSACTION, CREATE_STREAM_TRANSACTION};
use crate::command::{status_code, Command, CommandResult, OnStatus, RawCommand, StatusLevel};
use crate::error::SessionError;

impl ClientSession {
    pub(super) fn handle_command(&mut self, raw: RawCommand) -> Result<(), SessionError> {
        match Command::parse(raw)? {
            Command::Result(result) => self.on_result(result),
            Command::OnStatus(status) => self.on_status(status),
            _ => {}
        }
        Ok(())
    }

    fn on_result(&mut self, result: CommandResult) {
        if !result.success {
            self.reject(
                result.info_code().unwrap_or("_error"),
                result.info_description().unwrap_or_default(),
            );
            return;
        }
        if result.transaction_id == CONNECT_TRANSACTION && self.state == State::Connecting {
            self.state = State::Connected;
            self.events.push_back(ClientEvent::Connected);
            if self.goal.is_some() {
                self.create_stream();
            }
            return;
        }
        if result.transaction_id == CREATE_STREAM_TRANSACTION && self.state == State::CreatingStream
        {
            let id = result
                .number()
                .filter(|n| *n >= 0.0 && *n <= f64::from(u32::MAX));
            match id {
                Some(id) => self.start(id as u32),
                None => self.reject("createStream", "no stream id in the answer"),
            }
        }
    }

    fn on_status(&mut self, status: OnStatus) {
        self.events.push_back(ClientEvent::Status {
            level: status.level,
            code: status.code.clone(),
            description: status.description.clone(),
        });
        if status.level == StatusLevel::Error {
            self.reject(&status.code, &status.description);
            return;
        }
        let State::Starting { stream_id } = self.state else {
            if status.code == status_code::PLAY_UNPUBLISH_NOTIFY {
                self.stream_ended();
            }
            return;
        };
        match status.code.as_str() {
            status_code::PUBLISH_START => {
                self.state = State::Publishing { stream_id };
                self.events
                    .push_back(ClientEvent::PublishStarted { stream_id });
            }
            status_code::PLAY_START => {
                self.state = State::Playing { stream_id };
                self.events
                    .push_back(ClientEvent::PlayStarted { stream_id });
            }
            _ => {}
        }
    }

    fn reject(&mut self, code: &str, description: &str) {
        self.state = State::Ended;
        self.events.push_back(ClientEvent::Rejected {
            code: code.to_owned(),
            description: description.to_owned(),
        });
    }
}
