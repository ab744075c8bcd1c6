//! Checks for texts a peer controls: names, titles, chat, danmaku.

use crate::error::{Field, RoomError};

/// Whether a text may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    One,
    Many,
}

/// Trims `text` and checks it: not empty, at most `max_chars` characters,
/// no control characters (newlines and tabs allowed in multi-line texts).
pub(crate) fn check_text(
    field: Field,
    text: &str,
    max_chars: usize,
    lines: Lines,
) -> Result<String, RoomError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RoomError::Empty { field });
    }
    // A char is at most 4 bytes: a longer text is too long without counting.
    let too_long = RoomError::TooLong {
        field,
        max: max_chars,
    };
    if text.len() > max_chars.saturating_mul(4) || text.chars().count() > max_chars {
        return Err(too_long);
    }
    let allowed = |c: char| lines == Lines::Many && (c == '\n' || c == '\t');
    if text.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(RoomError::InvalidText { field });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed() {
        let t = check_text(Field::Chat, "  hi  ", 10, Lines::One).unwrap();
        assert_eq!(t, "hi");
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert!(check_text(Field::Chat, "弹幕弹幕", 4, Lines::One).is_ok());
        let err = check_text(Field::Chat, "弹幕弹幕弹", 4, Lines::One).unwrap_err();
        assert_eq!(err.code(), "too_long");
    }

    #[test]
    fn blank_text_is_empty() {
        let err = check_text(Field::Title, " \n ", 4, Lines::Many).unwrap_err();
        assert_eq!(
            err,
            RoomError::Empty {
                field: Field::Title
            }
        );
    }

    #[test]
    fn newlines_only_in_multi_line_texts() {
        assert!(check_text(Field::Chat, "a\nb", 10, Lines::Many).is_ok());
        let err = check_text(Field::Danmaku, "a\nb", 10, Lines::One).unwrap_err();
        assert_eq!(err.code(), "invalid_text");
        let err = check_text(Field::Chat, "a\u{0}b", 10, Lines::Many).unwrap_err();
        assert_eq!(err.code(), "invalid_text");
    }
}
