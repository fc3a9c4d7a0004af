//! The only module that touches the network: one TCP connection through `mio`.
//!
//! Reads are edge-triggered. After a read that did not fill the buffer the socket is known to be
//! drained, so the next read waits in `epoll_wait` first instead of trying a `read` that would
//! fail with `EAGAIN`: a warm invocation costs `writev` (response and next request together),
//! `epoll_wait`, `read`.
//!
//! Delayed ACKs: before waiting for more bytes after bytes arrived, the transport tells the
//! kernel to acknowledge them at once (`TCP_QUICKACK`, Linux), unless a write has carried the
//! acknowledgement since. A server with Nagle's algorithm on (Python's and hyper's default, and so
//! the local emulators) holds the answer to a pipelined `GET /next` until its acknowledgement
//! of the response POST is acknowledged; with the ACK delayed, that is a 40 ms stall per
//! invocation. Where the event comes with the acknowledgement in one read (Lambda's usual case
//! when an event is queued) nothing waits and no system call is added; where the client waits
//! after the acknowledgement, the cost is one `setsockopt`.

use std::io::{self, IoSlice, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

use crate::runtime::Io;

const STREAM: Token = Token(0);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A single keep-alive connection to the Runtime API.
pub(crate) struct MioTransport {
    poll: Poll,
    events: Events,
    stream: Option<TcpStream>,
    addrs: Vec<SocketAddr>,
    /// The socket may hold unread bytes: read before waiting.
    maybe_readable: bool,
    /// An event said the peer closed (or the socket failed): a short read then does not mean
    /// "drained", the end of the stream is still to be read.
    peer_closed: bool,
    /// Bytes were read since the last write, whose ACK the kernel may be delaying: force it out
    /// before waiting (see the module docs).
    ack_owed: bool,
}

impl MioTransport {
    /// A transport that connects to the first of `addrs` that answers.
    pub(crate) fn new(addrs: Vec<SocketAddr>) -> io::Result<MioTransport> {
        Ok(MioTransport {
            poll: Poll::new()?,
            events: Events::with_capacity(4),
            stream: None,
            addrs,
            maybe_readable: false,
            peer_closed: false,
            ack_owed: false,
        })
    }

    /// [`Io::read`], with a limit on the wait when `idle` is given.
    fn read_inner(&mut self, buf: &mut [u8], idle: Option<Duration>) -> io::Result<usize> {
        let MioTransport {
            poll,
            events,
            stream,
            maybe_readable,
            peer_closed,
            ack_owed,
            ..
        } = self;
        let stream = stream.as_mut().ok_or_else(not_connected)?;
        if buf.is_empty() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        let mut timed_out = false;
        loop {
            if !*maybe_readable {
                if *ack_owed {
                    *ack_owed = false;
                    ack_now(stream);
                }
                wait(poll, events, idle, maybe_readable, peer_closed)?;
                if idle.is_some() && events.is_empty() {
                    // Nothing within `idle`: one last read (the bytes may have arrived as the
                    // wait ended), then give up.
                    timed_out = true;
                    *maybe_readable = true;
                }
                continue;
            }
            match stream.read(buf) {
                Ok(n) => {
                    *ack_owed |= n > 0;
                    // A short read drained the socket, unless the end of the stream is still
                    // to be read (then the next read returns 0 instead of waiting forever).
                    *maybe_readable = n == buf.len() || (*peer_closed && n > 0);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    *maybe_readable = false;
                    if timed_out {
                        return Err(io::ErrorKind::TimedOut.into());
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn connect_to(&mut self, addr: SocketAddr) -> io::Result<TcpStream> {
        let mut stream = TcpStream::connect(addr)?;
        self.poll.registry().register(
            &mut stream,
            STREAM,
            Interest::READABLE | Interest::WRITABLE,
        )?;
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        // On loopback the handshake is usually over by the time `connect` returns: asking for
        // the peer first settles that in one system call, without a wait.
        let established = loop {
            match stream.peer_addr() {
                Ok(_) => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {}
                Err(e) => break Err(e),
            }
            if let Some(e) = stream.take_error()? {
                break Err(e);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break Err(io::ErrorKind::TimedOut.into());
            }
            wait(
                &mut self.poll,
                &mut self.events,
                Some(left),
                &mut self.maybe_readable,
                &mut self.peer_closed,
            )?;
        };
        if let Err(e) = established.and_then(|()| stream.set_nodelay(true)) {
            let _ = self.poll.registry().deregister(&mut stream);
            return Err(e);
        }
        Ok(stream)
    }
}

/// Waits for readiness; notes when the socket may have become readable or the peer closed.
///
/// Edge-triggered: each event is reported once. Data and the peer's FIN often come in one
/// event; if that event is forgotten after a short read, nothing will ever wake the next wait.
fn wait(
    poll: &mut Poll,
    events: &mut Events,
    timeout: Option<Duration>,
    maybe_readable: &mut bool,
    peer_closed: &mut bool,
) -> io::Result<()> {
    loop {
        match poll.poll(events, timeout) {
            Ok(()) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    for event in events.iter() {
        if event.is_read_closed() || event.is_error() {
            *peer_closed = true;
            *maybe_readable = true;
        } else if event.is_readable() {
            *maybe_readable = true;
        }
    }
    Ok(())
}

/// Asks the kernel to send the ACK it may be delaying for bytes already read (Linux
/// `TCP_QUICKACK`; the setting lasts only until the kernel's own heuristics change it again,
/// which is why it is set before each wait that needs it). Failure changes nothing but timing,
/// so it is ignored. Elsewhere there is no such option and [`crate::Runtime`] does not pipeline.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn ack_now(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let on: libc::c_int = 1;
    // SAFETY: `as_raw_fd` is the open socket `stream` owns for the whole call; `optval` points
    // to a live `c_int` and `optlen` is exactly its size, which is what `TCP_QUICKACK` reads.
    // The call writes nothing through the pointer.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&on as *const libc::c_int).cast(),
            core::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn ack_now(_stream: &TcpStream) {}

/// Whether [`ack_now`] can force a delayed ACK out on this platform: pipelining is safe against
/// servers with Nagle's algorithm on only where it can.
pub(crate) const CAN_ACK_NOW: bool = cfg!(target_os = "linux");

fn not_connected() -> io::Error {
    // A bare kind: errors with a message allocate, and reconnect paths must not.
    io::ErrorKind::NotConnected.into()
}

impl Io for MioTransport {
    fn connect(&mut self) -> io::Result<()> {
        self.close();
        // `addrs` is never empty (resolution refuses that), so `last` is always set on failure.
        let mut last: io::Error = io::ErrorKind::NotFound.into();
        for i in 0..self.addrs.len() {
            match self.connect_to(self.addrs[i]) {
                Ok(stream) => {
                    self.stream = Some(stream);
                    return Ok(());
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn write_all(&mut self, bufs: &mut [IoSlice<'_>]) -> io::Result<()> {
        let MioTransport {
            poll,
            events,
            stream,
            maybe_readable,
            peer_closed,
            ack_owed,
            ..
        } = self;
        let stream = stream.as_mut().ok_or_else(not_connected)?;
        // The data segments carry the acknowledgement of everything read so far.
        *ack_owed = false;
        let mut bufs = bufs;
        IoSlice::advance_slices(&mut bufs, 0);
        while !bufs.is_empty() {
            match stream.write_vectored(bufs) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => IoSlice::advance_slices(&mut bufs, n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    wait(poll, events, None, maybe_readable, peer_closed)?
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read_inner(buf, None)
    }

    fn read_within(&mut self, buf: &mut [u8], idle: Duration) -> io::Result<usize> {
        self.read_inner(buf, Some(idle))
    }

    fn close(&mut self) {
        if let Some(mut stream) = self.stream.take() {
            let _ = self.poll.registry().deregister(&mut stream);
        }
        self.maybe_readable = false;
        self.peer_closed = false;
        self.ack_owed = false;
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
