use media::Frame;
use tokio::sync::{mpsc, watch};

use crate::stream::Command;
use crate::HubError;

/// The right to feed one stream. Dropping it ends the stream, unless another
/// publisher has taken it over meanwhile.
#[derive(Debug)]
pub struct Publisher {
    name: String,
    epoch: u64,
    commands: mpsc::Sender<Command>,
    current: watch::Receiver<u64>,
}

impl Publisher {
    pub(crate) fn new(
        name: String,
        epoch: u64,
        commands: mpsc::Sender<Command>,
        current: watch::Receiver<u64>,
    ) -> Publisher {
        Publisher {
            name,
            epoch,
            commands,
            current,
        }
    }

    pub fn stream(&self) -> &str {
        &self.name
    }

    /// Sends one frame to the stream (waits while the actor is busy).
    pub async fn send(&self, frame: Frame) -> Result<(), HubError> {
        if *self.current.borrow() != self.epoch {
            return Err(HubError::Replaced {
                name: self.name.clone(),
            });
        }
        let command = Command::Frame {
            epoch: self.epoch,
            frame,
        };
        self.commands
            .send(command)
            .await
            .map_err(|_| HubError::Ended {
                name: self.name.clone(),
            })
    }

    /// Completes when another publisher has taken the stream over.
    pub async fn replaced(&mut self) {
        loop {
            if *self.current.borrow_and_update() != self.epoch {
                return;
            }
            if self.current.changed().await.is_err() {
                return;
            }
        }
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        let command = Command::Unpublish { epoch: self.epoch };
        if let Err(mpsc::error::TrySendError::Full(command)) = self.commands.try_send(command) {
            let commands = self.commands.clone();
            if let Ok(rt) = tokio::runtime::Handle::try_current() {
                rt.spawn(async move { commands.send(command).await });
            }
        }
    }
}
