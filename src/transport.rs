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
        })
    }

    fn connect_to(&mut self, addr: SocketAddr) -> io::Result<TcpStream> {
        let mut stream = TcpStream::connect(addr)?;
        self.poll.registry().register(
            &mut stream,
            STREAM,
            Interest::READABLE | Interest::WRITABLE,
        )?;
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let established = loop {
            if let Some(e) = stream.take_error()? {
                break Err(e);
            }
            match stream.peer_addr() {
                Ok(_) => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::NotConnected => {}
                Err(e) => break Err(e),
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
            )?;
        };
        if let Err(e) = established.and_then(|()| stream.set_nodelay(true)) {
            let _ = self.poll.registry().deregister(&mut stream);
            return Err(e);
        }
        Ok(stream)
    }
}

/// Waits for readiness; notes when the socket may have become readable.
fn wait(
    poll: &mut Poll,
    events: &mut Events,
    timeout: Option<Duration>,
    maybe_readable: &mut bool,
) -> io::Result<()> {
    loop {
        match poll.poll(events, timeout) {
            Ok(()) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    for event in events.iter() {
        if event.is_readable() || event.is_read_closed() || event.is_error() {
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
                    wait(poll, events, None, maybe_readable)?
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let MioTransport {
            poll,
            events,
            stream,
            maybe_readable,
            ..
        } = self;
        let stream = stream.as_mut().ok_or_else(not_connected)?;
        if buf.is_empty() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        loop {
            if !*maybe_readable {
                wait(poll, events, None, maybe_readable)?;
                continue;
            }
            match stream.read(buf) {
                Ok(n) => {
                    *maybe_readable = n == buf.len();
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => *maybe_readable = false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn close(&mut self) {
        if let Some(mut stream) = self.stream.take() {
            let _ = self.poll.registry().deregister(&mut stream);
        }
        self.maybe_readable = false;
    }

    fn sleep(&mut self, duration: Duration) {
        std::thread::sleep(duration);
    }
}
