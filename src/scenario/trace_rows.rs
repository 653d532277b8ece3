//! The row grammar of trace files (DESIGN §14, docs/traces.md): the header line, one row's
//! fields and ranges, and the order rows must come in. Errors are `(column, what)`; the file
//! reader (`trace_file.rs`) adds the line.

use super::limits::MAX_TRACE_DEVICES;
use crate::model::duration::{format_ms, parse_ms};

/// What a trace's rows are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TraceKind {
    /// Online intervals, with an optional `radio` column (`wifi` or `cellular`).
    Network,
    /// Intervals: user sessions, charging.
    Intervals,
    /// Instants: crashes.
    Instants,
}

impl TraceKind {
    pub(super) fn columns(self) -> &'static [&'static str] {
        match self {
            TraceKind::Network => &["device", "from", "to", "radio"],
            TraceKind::Intervals => &["device", "from", "to"],
            TraceKind::Instants => &["device", "at"],
        }
    }
}

/// Where each column is in a row.
#[derive(Clone, Copy, Debug)]
pub(super) struct Layout {
    pub(super) kind: TraceKind,
    pub(super) width: usize,
    pub(super) device: usize,
    /// `from` or `at`.
    pub(super) first: usize,
    pub(super) to: usize,
    pub(super) radio: Option<usize>,
}

/// One parsed row: device, `[from, to)` (or `at` in `from`), on Wi-Fi.
#[derive(Clone, Copy, Debug)]
pub(super) struct Row {
    pub(super) device: u64,
    pub(super) from: u64,
    pub(super) to: u64,
    pub(super) wifi: bool,
}

/// Reads the header line into a layout: the kind's columns, each once, in any order.
pub(super) fn header(text: &str, kind: TraceKind) -> Result<Layout, (usize, String)> {
    let allowed = kind.columns();
    let mut found: [Option<usize>; 4] = [None; 4];
    let mut width = 0;
    for (i, name) in text.split(',').map(str::trim).enumerate() {
        width = i + 1;
        let Some(k) = allowed.iter().position(|c| *c == name) else {
            return Err((
                i + 1,
                format!(
                    "unknown column {name:?}: expected the header {}{}",
                    allowed[..allowed.len().min(3)].join(","),
                    if kind == TraceKind::Network {
                        "[,radio]"
                    } else {
                        ""
                    }
                ),
            ));
        };
        if found[k].replace(i).is_some() {
            return Err((i + 1, format!("column {name:?} appears twice")));
        }
    }
    let required = if kind == TraceKind::Network {
        3
    } else {
        allowed.len()
    };
    if let Some(k) = (0..required).find(|&k| found[k].is_none()) {
        return Err((0, format!("the header has no {:?} column", allowed[k])));
    }
    let col = |k: usize| found[k].unwrap_or_default();
    Ok(Layout {
        kind,
        width,
        device: col(0),
        first: col(1),
        to: if kind == TraceKind::Instants {
            0
        } else {
            col(2)
        },
        radio: if kind == TraceKind::Network {
            found[3]
        } else {
            None
        },
    })
}

/// Parses and range-checks one data row; errors are `(column, what)`.
pub(super) fn parse_row(text: &str, layout: &Layout, horizon: u64) -> Result<Row, (usize, String)> {
    let mut fields: [&str; 4] = [""; 4];
    let mut width = 0;
    for (i, f) in text.split(',').enumerate() {
        if i >= layout.width {
            return Err((
                i + 1,
                format!("expected {} columns, as in the header", layout.width),
            ));
        }
        fields[i] = f.trim();
        width = i + 1;
    }
    if width < layout.width {
        return Err((
            width + 1,
            format!(
                "expected {} columns, as in the header, got {width}",
                layout.width
            ),
        ));
    }
    let names = layout.kind.columns();
    let device = fields[layout.device].parse::<u64>().map_err(|_| {
        (
            layout.device + 1,
            format!(
                "expected a device number (0, 1, …), got {:?}",
                fields[layout.device]
            ),
        )
    })?;
    if device >= MAX_TRACE_DEVICES {
        return Err((
            layout.device + 1,
            format!("expected a device below {MAX_TRACE_DEVICES}, got {device}"),
        ));
    }
    // Milliseconds, or the scenario's duration notation; `name` is the column's.
    let time = |col: usize, name: &str| -> Result<u64, (usize, String)> {
        let f = fields[col];
        if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) {
            f.parse::<u64>()
                .map_err(|_| (col + 1, format!("{name}: {f:?} is too large")))
        } else {
            parse_ms(f).map_err(|m| (col + 1, format!("{name}: {m}")))
        }
    };
    let from = time(layout.first, names[1])?;
    let past = |col: usize, t: u64| {
        (
            col + 1,
            format!(
                "{} is past the scenario's horizon ({})",
                format_ms(t),
                format_ms(horizon)
            ),
        )
    };
    if layout.kind == TraceKind::Instants {
        if from >= horizon {
            return Err(past(layout.first, from));
        }
        return Ok(Row {
            device,
            from,
            to: from,
            wifi: false,
        });
    }
    let to = time(layout.to, names[2])?;
    if from >= to {
        return Err((
            layout.to + 1,
            format!(
                "expected to after from, got from {} to {}",
                format_ms(from),
                format_ms(to)
            ),
        ));
    }
    if from >= horizon {
        return Err(past(layout.first, from));
    }
    if to > horizon {
        return Err(past(layout.to, to));
    }
    let wifi = match layout.radio.map(|c| (c, fields[c])) {
        None | Some((_, "" | "cellular")) => false,
        Some((_, "wifi")) => true,
        Some((c, other)) => {
            return Err((
                c + 1,
                format!("expected radio \"wifi\" or \"cellular\", got {other:?}"),
            ));
        }
    };
    Ok(Row {
        device,
        from,
        to,
        wifi,
    })
}

/// Rows come grouped by device in increasing order, each device's in time order without
/// overlap (intervals may touch).
pub(super) fn check_order(
    last: Option<Row>,
    row: &Row,
    layout: &Layout,
) -> Result<(), (usize, String)> {
    let Some(last) = last else { return Ok(()) };
    if row.device < last.device {
        return Err((
            layout.device + 1,
            format!(
                "rows must be grouped by device in increasing order: device {} after device {}",
                row.device, last.device
            ),
        ));
    }
    if row.device > last.device {
        return Ok(());
    }
    if layout.kind == TraceKind::Instants {
        if row.from <= last.from {
            return Err((
                layout.first + 1,
                format!(
                    "expected times in increasing order: {} is not after the previous row's {}",
                    format_ms(row.from),
                    format_ms(last.from)
                ),
            ));
        }
    } else if row.from < last.to {
        let what = if row.from < last.from {
            "rows of a device must be in time order"
        } else {
            "overlaps the previous row"
        };
        return Err((
            layout.first + 1,
            format!(
                "{what}: from {} is before the previous row's end {}",
                format_ms(row.from),
                format_ms(last.to)
            ),
        ));
    }
    Ok(())
}
