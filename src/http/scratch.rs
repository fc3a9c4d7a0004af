//! The decoding buffer: text the event holds only in encoded form (percent-decoded query
//! parameters, the stage-prefixed path, the `cookie` header joined from an HTTP API's cookie
//! array) is written here once per invocation, and the request view borrows it.
//!
//! The buffer is allocated once, as large as the largest event (decoded text is never longer
//! than the text it comes from, and each piece comes from a different part of the event), and
//! handed out front to back: each piece is a `&str` of its own for the whole invocation.

/// Hands out pieces of one buffer, front to back, each borrowed for the buffer's lifetime.
pub(crate) struct Scratch<'s> {
    rest: &'s mut [u8],
}

/// The buffer is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScratchFull;

impl<'s> Scratch<'s> {
    pub(crate) fn new(buf: &'s mut [u8]) -> Scratch<'s> {
        Scratch { rest: buf }
    }

    /// Lets `fill` write into the free space and keep the first `n` bytes it reports; the
    /// bytes must be UTF-8 (they are checked). `fill` gets the whole free space and returns
    /// `None` when that is too small.
    pub(crate) fn take(
        &mut self,
        fill: impl FnOnce(&mut [u8]) -> Option<usize>,
    ) -> Result<&'s str, ScratchFull> {
        let rest = core::mem::take(&mut self.rest);
        let Some(n) = fill(&mut *rest).filter(|&n| n <= rest.len()) else {
            self.rest = rest;
            return Err(ScratchFull);
        };
        let (piece, tail) = rest.split_at_mut(n);
        self.rest = tail;
        let piece: &'s [u8] = piece;
        core::str::from_utf8(piece).map_err(|_| ScratchFull)
    }

    /// The concatenation of `parts`, as one piece.
    pub(crate) fn concat(&mut self, parts: &[&str]) -> Result<&'s str, ScratchFull> {
        self.take(|buf| {
            let mut at = 0;
            for part in parts {
                let dst = buf.get_mut(at..at + part.len())?;
                dst.copy_from_slice(part.as_bytes());
                at += part.len();
            }
            Some(at)
        })
    }

    /// `items` joined with `separator`, as one piece.
    pub(crate) fn join<'i>(
        &mut self,
        items: impl Iterator<Item = &'i str>,
        separator: &str,
    ) -> Result<&'s str, ScratchFull> {
        self.take(|buf| {
            let mut at = 0;
            for (i, item) in items.enumerate() {
                for part in [if i == 0 { "" } else { separator }, item] {
                    let dst = buf.get_mut(at..at + part.len())?;
                    dst.copy_from_slice(part.as_bytes());
                    at += part.len();
                }
            }
            Some(at)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_live_side_by_side_until_the_buffer_is_full() {
        let mut buf = [0u8; 16];
        let mut s = Scratch::new(&mut buf);
        let a = s.concat(&["/", "stage", "/x"]).unwrap();
        let b = s.join(["a=1", "b=2"].into_iter(), "; ").unwrap();
        assert_eq!((a, b), ("/stage/x", "a=1; b=2"));
        assert_eq!(s.concat(&["y"]), Err(ScratchFull));
        let mut buf = [0u8; 4];
        let mut s = Scratch::new(&mut buf);
        assert_eq!(s.take(|_| Some(5)), Err(ScratchFull));
        assert_eq!(s.take(|_| None), Err(ScratchFull));
        assert_eq!(s.concat(&["abcd"]), Ok("abcd"));
        let mut buf = [0u8; 4];
        let mut s = Scratch::new(&mut buf);
        assert_eq!(
            s.take(|b| {
                b[0] = 0xff;
                Some(1)
            }),
            Err(ScratchFull),
            "invalid UTF-8 is refused"
        );
    }
}
