//! Trace files (DESIGN §14): CSV logs of a device block's network, sessions, charging or
//! crashes, validated when the scenario loads and read one device at a time while it runs.
//!
//! The format (docs/traces.md): a header line naming the columns, then one row per interval
//! (`device,from,to`, a network trace may add `radio`) or instant (`device,at`); `#` starts a
//! comment line, blank lines are skipped, fields are trimmed. `device` is the 0-based device
//! of the block; rows are grouped by device in increasing order and, within a device, in time
//! order without overlap. Times are milliseconds or the scenario's duration notation (`"1d2h"`).
//!
//! Loading streams the file once: every row is checked (errors name the file, line and
//! column), the SHA-256 of its bytes is taken, and only the byte offset where each device's rows
//! start is kept. A device's rows are read back (positioned reads on one shared handle) when its
//! simulation starts, so a trace of a million devices never sits in memory.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use sha2::{Digest, Sha256};

use super::InputError;
use super::limits::{MAX_TRACE_LINE, MAX_TRACE_ROWS_PER_DEVICE};
use super::resolve::Resolver;
pub(super) use super::trace_rows::TraceKind;
use super::trace_rows::{Layout, Row, check_order, header, parse_row};
use crate::model::trace::TraceSource;

/// A validated trace file.
#[derive(Debug)]
pub struct CsvTrace {
    /// As the scenario wrote it (`summary.json`: the same whatever the working directory).
    written: String,
    /// Where it was found (messages).
    shown: String,
    path: PathBuf,
    file: File,
    layout: Layout,
    /// Byte offset of each device's first row (or of the next device's, when it has none).
    starts: Vec<u64>,
    /// Bytes in the file when it was validated.
    len: u64,
    digest: String,
    /// The first failure to read the file back (it changed or vanished since validation).
    failure: OnceLock<String>,
}

/// A located problem: line (1-based, 0 = the whole file), column (1-based, 0 = the whole line).
type Located = (u64, usize, String);

impl CsvTrace {
    /// Reads and checks the whole file. `count`: the block's device count when the scenario
    /// gives one (rows of devices at or past it are errors). Errors are `(line, column, what)`.
    pub(super) fn load(
        written: &str,
        shown: &str,
        path: &Path,
        kind: TraceKind,
        horizon: u64,
        count: Option<u64>,
    ) -> Result<CsvTrace, Located> {
        let whole = |m: String| (0, 0, m);
        let meta = std::fs::metadata(path).map_err(|e| whole(format!("cannot read: {e}")))?;
        if !meta.is_file() {
            return Err(whole("expected a regular file".into()));
        }
        let file = File::open(path).map_err(|e| whole(format!("cannot read: {e}")))?;
        let mut reader = BufReader::with_capacity(1 << 16, Hashing::new(&file));
        let mut line = Vec::with_capacity(256);
        let mut number = 0u64;
        let mut offset = 0u64;
        let mut layout = None;
        let mut starts: Vec<u64> = Vec::new();
        let mut last: Option<Row> = None;
        let mut rows_of_device = 0u64;
        loop {
            line.clear();
            let n = (&mut reader)
                .take(MAX_TRACE_LINE as u64 + 1)
                .read_until(b'\n', &mut line)
                .map_err(|e| whole(format!("cannot read: {e}")))?;
            if n == 0 {
                break;
            }
            number += 1;
            let at = offset;
            offset += n as u64;
            if n > MAX_TRACE_LINE && line.last() != Some(&b'\n') {
                return Err((
                    number,
                    0,
                    format!("expected lines of at most {MAX_TRACE_LINE} bytes"),
                ));
            }
            let text = std::str::from_utf8(&line)
                .map_err(|_| (number, 0, "expected UTF-8 text".to_string()))?;
            // A UTF-8 byte-order mark (spreadsheets export one) is not part of the header.
            let text = if number == 1 {
                text.strip_prefix('\u{feff}').unwrap_or(text)
            } else {
                text
            };
            let text = text.trim();
            if text.is_empty() || text.starts_with('#') {
                continue;
            }
            let Some(layout) = layout else {
                layout = Some(header(text, kind).map_err(|(c, m)| (number, c, m))?);
                continue;
            };
            let row = parse_row(text, &layout, horizon).map_err(|(c, m)| (number, c, m))?;
            if let Some(max) = count
                && row.device >= max
            {
                return Err((
                    number,
                    layout.device + 1,
                    format!(
                        "unknown device {}: the block has count {max} (devices 0 to {})",
                        row.device,
                        max - 1
                    ),
                ));
            }
            check_order(last, &row, &layout).map_err(|(c, m)| (number, c, m))?;
            if last.is_none_or(|l| l.device != row.device) {
                rows_of_device = 0;
                // Devices without rows start (and end) where the next device starts.
                starts.resize(row.device as usize + 1, at);
            }
            rows_of_device += 1;
            if rows_of_device > MAX_TRACE_ROWS_PER_DEVICE {
                return Err((
                    number,
                    0,
                    format!(
                        "expected at most {MAX_TRACE_ROWS_PER_DEVICE} rows per device, device {} has more",
                        row.device
                    ),
                ));
            }
            last = Some(row);
        }
        let Some(layout) = layout else {
            return Err(whole(format!(
                "expected a header line naming the columns ({})",
                kind.columns().join(",")
            )));
        };
        let digest = reader.into_inner().finish();
        Ok(CsvTrace {
            written: written.to_string(),
            shown: shown.to_string(),
            path: path.to_path_buf(),
            file,
            layout,
            starts,
            len: offset,
            digest,
            failure: OnceLock::new(),
        })
    }

    /// Devices the trace names rows for (the highest device + 1).
    pub(super) fn devices(&self) -> u64 {
        self.starts.len() as u64
    }

    /// Whether rows say which radio the device is on (a network trace's `radio` column).
    pub(super) fn has_radio(&self) -> bool {
        self.layout.radio.is_some()
    }

    /// The file as the scenario names it.
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The file as found (relative to the working directory, for messages).
    pub fn name(&self) -> &str {
        &self.shown
    }

    /// SHA-256 of the file's bytes when it was validated, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// `Err` if the file could not be read back as validated during a run, or its bytes are no
    /// longer those validated: the run's outputs would not be what the trace says.
    pub fn verify(&self) -> Result<(), String> {
        if let Some(f) = self.failure.get() {
            return Err(f.clone());
        }
        let changed = || format!("{} changed while bgsim was using it", self.shown);
        let file = File::open(&self.path).map_err(|_| changed())?;
        let mut hashing = Hashing::new(&file);
        std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|_| changed())?;
        if hashing.bytes != self.len || hashing.finish() != self.digest {
            return Err(changed());
        }
        Ok(())
    }

    /// The rows of `device`, read back from the file (none after a failure, recorded).
    fn rows(&self, device: u64) -> Vec<Row> {
        let Some(&start) = self.starts.get(device as usize) else {
            return Vec::new();
        };
        let end = self
            .starts
            .get(device as usize + 1)
            .copied()
            .unwrap_or(self.len);
        match self.read_rows(start, end, device) {
            Ok(rows) => rows,
            Err(()) => {
                let _ = self
                    .failure
                    .set(format!("{} changed while bgsim was reading it", self.shown));
                Vec::new()
            }
        }
    }

    fn read_rows(&self, start: u64, end: u64, device: u64) -> Result<Vec<Row>, ()> {
        let mut bytes = vec![0; (end - start) as usize];
        read_at(&self.file, &mut bytes, start).map_err(|_| ())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| ())?;
        let mut rows = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let row = parse_row(line, &self.layout, u64::MAX).map_err(|_| ())?;
            if row.device != device {
                return Err(());
            }
            rows.push(row);
        }
        Ok(rows)
    }
}

impl TraceSource for CsvTrace {
    fn intervals(&self, device: u64) -> Vec<(u64, u64)> {
        self.rows(device).iter().map(|r| (r.from, r.to)).collect()
    }

    fn instants(&self, device: u64) -> Vec<u64> {
        self.rows(device).iter().map(|r| r.from).collect()
    }
}

/// The rows of a network trace on Wi-Fi (its `radio` column): the device's Wi-Fi windows
/// (battery cost, DESIGN §13).
#[derive(Debug)]
pub(super) struct WifiRows(pub(super) Arc<CsvTrace>);

impl TraceSource for WifiRows {
    fn intervals(&self, device: u64) -> Vec<(u64, u64)> {
        let rows = self.0.rows(device);
        rows.iter()
            .filter(|r| r.wifi)
            .map(|r| (r.from, r.to))
            .collect()
    }

    fn instants(&self, _device: u64) -> Vec<u64> {
        Vec::new()
    }
}

impl Resolver<'_> {
    /// Loads and checks the trace `file` (relative to the scenario) that the field `path` of
    /// the current block names; errors name the trace file, line and column.
    pub(super) fn trace(
        &self,
        file: &str,
        kind: TraceKind,
        path: &str,
    ) -> Result<Arc<CsvTrace>, InputError> {
        if file.is_empty() {
            return Err(self.err(path, "expected the path of a CSV trace file"));
        }
        let resolved = std::path::Path::new(self.file)
            .parent()
            .unwrap_or(std::path::Path::new(""))
            .join(file);
        let shown = resolved.display().to_string();
        let (horizon, count) = self.block.get();
        let trace = CsvTrace::load(file, &shown, &resolved, kind, horizon, count).map_err(
            |(line, column, m)| {
                let at = match (line, column) {
                    (0, _) => String::new(),
                    (l, 0) => format!("line {l}"),
                    (l, c) => format!("line {l}, column {c}"),
                };
                InputError::new(&shown, at, format!("{m} (the trace of {path})"))
            },
        )?;
        let trace = Arc::new(trace);
        self.traces.borrow_mut().push(trace.clone());
        Ok(trace)
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        let n = std::os::windows::fs::FileExt::seek_read(file, buf, offset)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf = &mut buf[n..];
        offset += n as u64;
    }
    Ok(())
}

/// A reader that hashes (SHA-256) and counts what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    bytes: u64,
}

impl<R: Read> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(self) -> String {
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}
