//! The only module that touches the network: one TCP connection through `mio`.
//!
//! Reads are edge-triggered. After a read that did not fill the buffer the socket is known to be
//! drained, so the next read waits in `epoll_wait` first instead of trying a `read` that would
//! fail with `EAGAIN`: a warm invocation costs `writev` (response and next request together),
//! `epoll_wait`, `read`.

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
            ..
        } = self;
        let stream = stream.as_mut().ok_or_else(not_connected)?;
        if buf.is_empty() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        let mut timed_out = false;
        loop {
            if !*maybe_readable {
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
            ..
        } = self;
        let stream = stream.as_mut().ok_or_else(not_connected)?;
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
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
