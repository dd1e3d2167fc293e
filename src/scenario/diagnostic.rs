//! Scenario diagnostics in the manner of rustc: file, line, column, key path, what was
//! expected and found, the offending line, and a suggestion for typos.

use std::fmt::Write;
use std::ops::Range;

/// Whether a diagnostic stops the run.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a scenario file, already located in the text.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file (or other origin) the text came from.
    pub origin: String,
    /// 1-based line and column; 0 when the problem has no place in the text.
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `platform.categories[1].share`; empty for syntax errors.
    pub key: String,
    pub message: String,
    pub help: Option<String>,
    source_line: String,
    caret: usize,
    underline: usize,
}

impl Diagnostic {
    /// Locates `span` (byte offsets into the text of `lines`) and builds the diagnostic.
    pub(crate) fn new(
        severity: Severity,
        origin: &str,
        lines: &Lines,
        span: Option<Range<usize>>,
        key: String,
        message: String,
        help: Option<String>,
    ) -> Diagnostic {
        let (line, column, source_line, caret, underline) = match span {
            Some(span) => locate(lines, span),
            None => (0, 0, String::new(), 0, 0),
        };
        Diagnostic {
            severity,
            origin: origin.to_owned(),
            line,
            column,
            key,
            message,
            help,
            source_line,
            caret,
            underline,
        }
    }

    /// The diagnostic as rustc would print it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        if self.key.is_empty() {
            let _ = writeln!(out, "{label}: {}", self.message);
        } else {
            let _ = writeln!(out, "{label}: `{}`: {}", self.key, self.message);
        }
        if self.line > 0 {
            let gutter = self.line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {}:{}:{}", self.origin, self.line, self.column);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", self.line, self.source_line);
            let _ = writeln!(
                out,
                "{pad} | {}{}",
                " ".repeat(self.caret.saturating_sub(1)),
                "^".repeat(self.underline.max(1))
            );
        } else {
            let _ = writeln!(out, " --> {}", self.origin);
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }
}

/// All diagnostics, separated by blank lines, with a closing count of errors.
pub fn render_all(diagnostics: &[Diagnostic]) -> String {
    let mut out: Vec<String> = diagnostics.iter().map(Diagnostic::render).collect();
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    if errors > 1 {
        out.push(format!("{errors} errors in {}", diagnostics[0].origin));
    }
    out.join("\n").trim_end().to_owned()
}

/// Line (1-based), column (1-based, in characters), the line's text as shown, the
/// caret's column in the shown text, and how many characters the span covers.
/// The start of every line of a text, so that locating many diagnostics in one file
/// costs a search each, not a scan of the text each (10,000 errors in a large file
/// took 18 s that way).
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(text: &'a str) -> Lines<'a> {
        let starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Lines { text, starts }
    }

    /// The 1-based line of byte `offset` and the byte where that line starts.
    fn line_of(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|s| *s <= offset);
        (line, self.starts[line.saturating_sub(1)])
    }
}

fn locate(lines: &Lines, span: Range<usize>) -> (usize, usize, String, usize, usize) {
    let text = lines.text;
    let start = floor_char_boundary(text, span.start.min(text.len()));
    let end = floor_char_boundary(text, span.end.min(text.len()).max(start));
    let (line, line_start) = lines.line_of(start);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let column = text[line_start..start].chars().count() + 1;
    let source_line = text[line_start..line_end].trim_end_matches('\r');
    let underline = text[start..end.min(line_end)].chars().count();
    // A very long line is shown as a window around the column, so that a minified or
    // generated file does not flood the terminal.
    const WIDTH: usize = 100;
    let chars: Vec<char> = source_line.chars().collect();
    if chars.len() <= WIDTH {
        return (line, column, source_line.to_owned(), column, underline);
    }
    let from = column.saturating_sub(WIDTH / 2).min(chars.len().saturating_sub(WIDTH));
    let to = (from + WIDTH).min(chars.len());
    let window: String = chars[from..to].iter().collect();
    let shown =
        format!("{}{window}{}", if from > 0 { "..." } else { "" }, if to < chars.len() { "..." } else { "" });
    let shift = if from > 0 { 3 } else { 0 };
    // `column` stays the true column for the location line; the caret moves with the window.
    (line, column, shown, column - from + shift, underline.min(WIDTH))
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_line_and_column() {
        let text = "a = 1\nbb = \"x\"\n";
        let d = Diagnostic::new(
            Severity::Error,
            "f.toml",
            &Lines::new(text),
            Some(11..14),
            "bb".into(),
            "bad".into(),
            None,
        );
        assert_eq!((d.line, d.column), (2, 6));
        let rendered = d.render();
        assert!(rendered.contains("--> f.toml:2:6"), "{rendered}");
        assert!(rendered.contains("2 | bb = \"x\""), "{rendered}");
        assert!(rendered.contains("  |      ^^^"), "{rendered}");
    }

    #[test]
    fn long_lines_are_shown_as_a_window_around_the_column() {
        let text = format!("a = {}x{}", "[".repeat(500), "]".repeat(500));
        let d = Diagnostic::new(
            Severity::Error,
            "f.toml",
            &Lines::new(&text),
            Some(504..505),
            String::new(),
            "bad".into(),
            None,
        );
        assert_eq!((d.line, d.column), (1, 505));
        let rendered = d.render();
        let shown = rendered.lines().find(|l| l.starts_with("1 | ")).unwrap();
        assert!(shown.len() < 120, "{shown}");
        let caret = rendered.lines().find(|l| l.contains('^')).unwrap();
        // The caret sits under the `x` at column 505 of the original line.
        let at = caret.find('^').unwrap();
        assert_eq!(shown.chars().nth(at), Some('x'));
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["moderators", "hours_per_day", "review_time"];
        assert_eq!(nearest("moderatrs", keys), Some("moderators"));
        assert_eq!(nearest("xyz", keys), None);
    }
}
