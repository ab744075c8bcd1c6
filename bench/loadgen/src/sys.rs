//! The three libc calls std does not expose (SO_RCVLOWAT, clock ticks, page
//! size). The only `unsafe` of the crate lives here.

use std::io;
use std::os::fd::AsRawFd;
use std::os::raw::{c_int, c_long, c_void};

extern "C" {
    fn setsockopt(fd: c_int, level: c_int, name: c_int, value: *const c_void, len: u32) -> c_int;
    fn sysconf(name: c_int) -> c_long;
}

// Linux values (x86_64 and aarch64 agree).
const SOL_SOCKET: c_int = 1;
const SO_RCVLOWAT: c_int = 18;
const SC_CLK_TCK: c_int = 2;
const SC_PAGESIZE: c_int = 30;

/// Wake the reader only once `bytes` are queued (or the peer closed).
pub fn set_rcvlowat(sock: &impl AsRawFd, bytes: usize) -> io::Result<()> {
    let value = c_int::try_from(bytes).unwrap_or(c_int::MAX);
    // SAFETY: the descriptor belongs to a live socket borrowed for the call;
    // pointer and length describe one c_int on this stack frame.
    let rc = unsafe {
        setsockopt(
            sock.as_raw_fd(),
            SOL_SOCKET,
            SO_RCVLOWAT,
            (&value as *const c_int).cast(),
            std::mem::size_of::<c_int>() as u32,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Units of utime/stime in /proc/<pid>/stat and /proc/stat.
pub fn clock_ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { sysconf(SC_CLK_TCK) };
    if v > 0 {
        v as f64
    } else {
        100.0
    }
}

/// Unit of the rss field in /proc/<pid>/stat.
pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let v = unsafe { sysconf(SC_PAGESIZE) };
    if v > 0 {
        v as u64
    } else {
        4096
    }
}
