//! A short text kept inline, for error messages built without the heap.

use core::fmt;

/// At most `N` bytes of UTF-8 stored inline. A write that does not fit is cut at a character
/// boundary and the text ends with `…`, so a reader can tell it was shortened; nothing is
/// added after that.
#[derive(Clone, Copy)]
pub(crate) struct InlineText<const N: usize> {
    len: usize,
    full: bool,
    bytes: [u8; N],
}

const MORE: &str = "…";

impl<const N: usize> InlineText<N> {
    pub(crate) const fn new() -> Self {
        InlineText {
            len: 0,
            full: false,
            bytes: [0; N],
        }
    }

    /// Formats `args` into a new text, cut to fit.
    pub(crate) fn format(args: fmt::Arguments<'_>) -> Self {
        let mut text = Self::new();
        // A cut-off write reports `fmt::Error`; the kept prefix is what we want.
        let _ = fmt::write(&mut text, args);
        text
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only whole characters are ever copied in (see `write_str`).
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }

    fn append(&mut self, s: &str) {
        self.bytes[self.len..self.len + s.len()].copy_from_slice(s.as_bytes());
        self.len += s.len();
    }
}

impl<const N: usize> fmt::Write for InlineText<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.full {
            return Err(fmt::Error);
        }
        let room = N - self.len;
        if s.len() <= room {
            self.append(s);
            return Ok(());
        }
        let mut end = room.saturating_sub(MORE.len());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        self.append(&s[..end]);
        if N - self.len >= MORE.len() {
            self.append(MORE);
        }
        self.full = true;
        Err(fmt::Error)
    }
}

impl<const N: usize> fmt::Display for InlineText<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for InlineText<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_at_a_char_boundary_and_marked() {
        let t = InlineText::<8>::format(format_args!("{}", "éééééé"));
        assert_eq!(t.as_str(), "éé…");
        let t = InlineText::<8>::format(format_args!("ab{}", "cd"));
        assert_eq!(t.as_str(), "abcd");
        let t = InlineText::<4>::format(format_args!("abcdef{}", "gh"));
        assert_eq!(t.as_str(), "a…");
    }
}
