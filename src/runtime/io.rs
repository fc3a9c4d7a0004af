//! The seam between the invocation loop and the network.

use std::io::{self, IoSlice};
use std::time::Duration;

/// What the invocation loop needs from a connection to the Runtime API.
///
/// Implemented by the mio transport; tests and fuzz targets implement it with a scripted peer.
pub trait Io {
    /// Opens a new connection, closing any current one.
    fn connect(&mut self) -> io::Result<()>;
    /// Writes all of `bufs` (advancing them as it goes).
    fn write_all(&mut self, bufs: &mut [IoSlice<'_>]) -> io::Result<()>;
    /// Reads at least one byte into `buf`, waiting as long as needed; `Ok(0)` means the peer
    /// closed the connection.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    /// [`Io::read`], but fails with [`io::ErrorKind::TimedOut`] when no byte arrives for
    /// `idle`. Used for acknowledgements, which come at once; never for `/next`, whose long
    /// poll has no limit. Without a clock (the default) it waits as long as `read` does.
    fn read_within(&mut self, buf: &mut [u8], idle: Duration) -> io::Result<usize> {
        let _ = idle;
        self.read(buf)
    }
    /// Closes the current connection, if any.
    fn close(&mut self);
    /// Waits before a retry.
    fn sleep(&mut self, duration: Duration);
}
