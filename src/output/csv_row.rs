//! CSV rows formatted straight into a byte buffer: the per-event CSVs are most of what a run
//! writes, so their rows skip the `csv` writer's per-field state machine. The bytes are exactly
//! the `csv` crate's with its defaults (`,` delimiter, `\n` terminator, quotes only where
//! needed, `"` doubled inside quotes); `tests::matches_the_csv_crate` pins that.

/// One file's rows being formatted.
#[derive(Default)]
pub struct CsvRows {
    buf: Vec<u8>,
    /// A field was written on the current row (the next one needs a delimiter).
    open: bool,
    num: itoa::Buffer,
}

impl CsvRows {
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Empties the buffer (keeping its capacity) for rows of another batch.
    pub fn clear(&mut self) {
        self.buf.clear();
        self.open = false;
    }

    #[cfg(test)]
    fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    fn sep(&mut self) {
        if self.open {
            self.buf.push(b',');
        }
        self.open = true;
    }

    /// Any text: quoted when it holds a delimiter, a quote or a line break (as `csv` does).
    pub fn text(&mut self, s: &str) -> &mut Self {
        self.sep();
        if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            self.buf.push(b'"');
            for b in s.bytes() {
                if b == b'"' {
                    self.buf.push(b'"');
                }
                self.buf.push(b);
            }
            self.buf.push(b'"');
        } else {
            self.buf.extend_from_slice(s.as_bytes());
        }
        self
    }

    /// Text known to need no quotes (names of states, kinds, causes; bytes quoted before).
    pub fn raw(&mut self, s: &[u8]) -> &mut Self {
        debug_assert!(
            s.first() == Some(&b'"') || !s.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')),
            "raw field needs quotes"
        );
        self.sep();
        self.buf.extend_from_slice(s);
        self
    }

    /// `s` as one field (quoted where needed), for [`raw`](Self::raw) later: fields repeated on
    /// many rows (origin names) are checked once.
    pub fn field_bytes(s: &str) -> Vec<u8> {
        let mut one = CsvRows::default();
        one.text(s);
        one.buf
    }

    /// An unsigned integer.
    pub fn num(&mut self, v: impl itoa::Integer) -> &mut Self {
        self.sep();
        let s = self.num.format(v);
        self.buf.extend_from_slice(s.as_bytes());
        self
    }

    /// Thousandths as a decimal with three places (`12345` → `12.345`).
    pub fn milli(&mut self, v: u64) -> &mut Self {
        self.sep();
        let s = self.num.format(v / 1000);
        self.buf.extend_from_slice(s.as_bytes());
        let frac = v % 1000;
        self.buf.extend_from_slice(&[
            b'.',
            b'0' + (frac / 100) as u8,
            b'0' + (frac / 10 % 10) as u8,
            b'0' + (frac % 10) as u8,
        ]);
        self
    }

    /// An optional integer: empty when absent.
    pub fn opt(&mut self, v: Option<u64>) -> &mut Self {
        match v {
            Some(v) => self.num(v),
            None => {
                self.sep();
                self
            }
        }
    }

    /// Ends the row.
    pub fn end(&mut self) {
        self.buf.push(b'\n');
        self.open = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_csv_crate() {
        let fields = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "line\nbreak",
            "cr\rhere",
            "https://app{i}.example",
            "ünïcode",
        ];
        let mut ours = CsvRows::default();
        let mut theirs = csv::Writer::from_writer(Vec::new());
        for f in fields {
            ours.num(7u64).text(f).opt(None).opt(Some(42)).text(f);
            ours.milli(12_045)
                .milli(7)
                .raw(&CsvRows::field_bytes(f))
                .end();
            theirs
                .write_record(["7", f, "", "42", f, "12.045", "0.007", f])
                .unwrap();
        }
        assert_eq!(
            String::from_utf8(ours.into_bytes()).unwrap(),
            String::from_utf8(theirs.into_inner().unwrap()).unwrap()
        );
    }
}
