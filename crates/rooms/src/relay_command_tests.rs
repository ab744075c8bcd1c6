use room::{
    AddItem, Field, ItemId, Receipt, RoomError, SettingsChange, UpdateSettings, UrlProblem,
};

use super::*;
use crate::relay_error::OutcomeWire;

fn id(text: &str) -> RequestId {
    RequestId::new(text.to_owned()).unwrap()
}

fn round_trip(command: RoomCommand) -> Option<RoomCommand> {
    let json = serde_json::to_vec(&CommandWire::from(&command)).unwrap();
    serde_json::from_slice::<CommandWire>(&json)
        .unwrap()
        .into_command()
}

fn every_command() -> Vec<RoomCommand> {
    let url = NewSource::Url {
        url: "https://x/a.m3u8".into(),
        kind: Some(MediaKind::Hls),
    };
    vec![
        Join {
            name: "ann".into(),
            guest: true,
            password_ok: false,
        }
        .into(),
        Leave.into(),
        Kick { user: UserId(3) }.into(),
        Ban { user: UserId(4) }.into(),
        Unban { user: UserId(5) }.into(),
        SetRole {
            user: UserId(6),
            role: Role::Admin,
        }
        .into(),
        SetPermissions {
            user: UserId(7),
            permissions: Some(Permissions::from_bits_truncate(5)),
        }
        .into(),
        UpdateSettings {
            change: SettingsChange {
                name: Some("late".into()),
                visibility: Some(Visibility::Hidden),
                member_permissions: Some(Permissions::from_bits_truncate(3)),
                ..Default::default()
            },
        }
        .into(),
        AddItem {
            title: "t".into(),
            source: url.clone(),
            duration_ms: Some(9),
            request_id: Some(id("add")),
        }
        .into(),
        EditItem {
            id: ItemId(2),
            title: None,
            source: Some(NewSource::Live),
            duration_ms: None,
        }
        .into(),
        DeleteItem { id: ItemId(8) }.into(),
        MoveItem {
            id: ItemId(1),
            after: Some(ItemId(2)),
        }
        .into(),
        ClearPlaylist.into(),
        SetCurrent {
            id: ItemId(1),
            request_id: id("cur"),
        }
        .into(),
        Play {
            request_id: id("p"),
        }
        .into(),
        Pause {
            request_id: id("q"),
        }
        .into(),
        Seek {
            position_ms: 42,
            request_id: id("s"),
        }
        .into(),
        SetRate {
            rate: Rate::from_milli(1500).unwrap(),
            request_id: id("r"),
        }
        .into(),
        SendChat {
            text: "hi".into(),
            request_id: None,
        }
        .into(),
        SendDanmaku {
            text: "wow".into(),
            color: 0xff0000,
            mode: DanmakuMode::Bottom,
            media_position_ms: Some(4),
            request_id: Some(id("d")),
        }
        .into(),
        LiveStarted.into(),
        LiveEnded.into(),
        ViewerCount { viewers: 12 }.into(),
        Close.into(),
    ]
}

#[test]
fn every_room_command_crosses_to_the_writer_unchanged() {
    let commands = every_command();
    let mut names: Vec<&str> = commands.iter().map(RoomCommand::name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), commands.len(), "one of each command");
    for command in commands {
        assert_eq!(round_trip(command.clone()), Some(command));
    }
}

#[test]
fn a_forwarded_command_out_of_bounds_is_refused() {
    let rate = CommandWire::SetRate {
        rate_milli: 99_999,
        request_id: "r".into(),
    };
    assert_eq!(rate.into_command(), None);
    let long = CommandWire::Play {
        request_id: "x".repeat(500),
    };
    assert_eq!(long.into_command(), None);
}

#[test]
fn outcomes_cross_back_with_every_field() {
    let outcomes: Vec<Result<Receipt, RoomError>> = vec![
        Ok(Receipt {
            seq: 9,
            events: 2,
            replayed: true,
        }),
        Err(RoomError::TooLong {
            field: Field::Title,
            max: 200,
        }),
        Err(RoomError::InvalidUrl {
            problem: UrlProblem::Credentials,
        }),
        Err(RoomError::RoleRequired { role: Role::Admin }),
        Err(RoomError::PermissionDenied {
            needed: Permissions::from_bits_truncate(4),
        }),
        Err(RoomError::ItemNotFound { id: ItemId(77) }),
        Err(RoomError::RateLimited { retry_after_ms: 5 }),
    ];
    for outcome in outcomes {
        let json = serde_json::to_vec(&OutcomeWire::from(&outcome)).unwrap();
        let back: OutcomeWire = serde_json::from_slice(&json).unwrap();
        assert_eq!(Result::<Receipt, RoomError>::from(back), outcome);
    }
}
