//! Rooms (work in progress).
