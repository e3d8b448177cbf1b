//! What the CLI prints: data on stdout (tables for people, JSON for scripts), progress and
//! errors on stderr, colours only where anstream finds a terminal and no `NO_COLOR`.

use std::io::Write as _;

use anstyle::{AnsiColor, Style};
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;

use crate::exit::Failure;

/// The few styles the CLI uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Styled {
    Error,
    Hint,
    Good,
    Bad,
    Warn,
    Dim,
    Header,
}

impl Styled {
    fn style(self) -> Style {
        let color = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        match self {
            Styled::Error => color(AnsiColor::Red).bold(),
            Styled::Hint => color(AnsiColor::Cyan).bold(),
            Styled::Good => color(AnsiColor::Green),
            Styled::Bad => color(AnsiColor::Red),
            Styled::Warn => color(AnsiColor::Yellow),
            Styled::Dim => Style::new().dimmed(),
            Styled::Header => Style::new().bold(),
        }
    }
}

/// `text` in `styled`'s colours. The escape codes are written as they are: anstream's streams
/// remove them when colour is off (not a terminal, `NO_COLOR`, `--color never`).
pub fn style(text: &str, styled: Styled) -> String {
    let style = styled.style();
    format!("{style}{text}{style:#}")
}

/// `text` safe to show on a terminal: control characters (an escape sequence in an endpoint's
/// description, a newline in an event type) are shown escaped instead of acted on.
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect()
}

/// Rows under a header, in columns aligned for people (two spaces apart, no borders), every
/// cell made printable; the header is bold where there is colour.
pub fn table(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut table = Table::new();
    table.load_preset(presets::NOTHING).set_content_arrangement(ContentArrangement::Disabled);
    table.set_header(header.to_vec());
    for row in rows {
        table.add_row(row.iter().map(|cell| printable(cell)).collect::<Vec<_>>());
    }
    align(&mut table);
    let mut lines = table.lines().map(|line| line.trim_end().to_owned()).filter(|line| !line.is_empty());
    let mut text = lines.next().map(|header| style(&header, Styled::Header)).unwrap_or_default();
    for line in lines {
        text.push('\n');
        text.push_str(&line);
    }
    text
}

/// A value of [`details`], styled or not.
pub struct Shown {
    text: String,
    styled: Option<Styled>,
}

impl Shown {
    pub fn styled(text: impl Into<String>, styled: Styled) -> Self {
        Shown { text: text.into(), styled: Some(styled) }
    }
}

impl From<String> for Shown {
    fn from(text: String) -> Self {
        Shown { text, styled: None }
    }
}

/// `name  value` lines, names aligned: one object for people. Names are the CLI's own labels
/// (and the API's field names), so their width is their number of characters.
pub fn details(pairs: impl IntoIterator<Item = (String, Shown)>) -> String {
    let pairs: Vec<(String, Shown)> =
        pairs.into_iter().map(|(name, value)| (printable(&name), value)).collect();
    let width = pairs.iter().map(|(name, _)| name.chars().count()).max().unwrap_or(0);
    let lines: Vec<String> = pairs
        .iter()
        .map(|(name, value)| {
            let text = printable(&value.text);
            let text = match value.styled {
                Some(styled) if !text.is_empty() => style(&text, styled),
                _ => text,
            };
            format!("{name:<width$}  {text}").trim_end().to_owned()
        })
        .collect();
    lines.join("\n")
}

fn align(table: &mut Table) {
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
}

/// Writes `text` and a newline on stdout.
pub fn print(text: &str) -> Result<(), Failure> {
    let mut out = anstream::stdout().lock();
    writeln!(out, "{text}").and_then(|()| out.flush()).map_err(Failure::output)
}

/// Writes `value` as pretty JSON on stdout.
pub fn print_json(value: &impl Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::new(crate::exit::API, format!("could not encode the JSON output: {e}")))?;
    print(&text)
}

/// A progress or information line on stderr. A stderr that cannot be written is not worth
/// stopping a command for.
pub fn info(text: &str) {
    let _ = writeln!(anstream::stderr().lock(), "{text}");
}

/// A warning line on stderr.
pub fn warn(text: &str) {
    info(&format!("{} {}", style("warning:", Styled::Warn), printable(text)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_acted_on() {
        assert_eq!(printable("plain, ünïcode ✓"), "plain, ünïcode ✓");
        assert_eq!(printable("a\u{1b}[2Jb\nc"), "a\\u{1b}[2Jb\\nc");
    }

    #[test]
    fn tables_align_columns_without_borders() {
        let text = table(
            &["ID", "URL"],
            [vec!["wh_1".into(), "https://a.example".into()], vec!["wh_22".into(), "x\u{7}".into()]],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].contains("ID") && lines[0].contains("URL"));
        assert_eq!(lines[1], "wh_1   https://a.example");
        assert_eq!(lines[2], "wh_22  x\\u{7}");
        let pairs = [
            ("id".to_owned(), Shown::from("wh_1".to_owned())),
            ("description".to_owned(), Shown::from(String::new())),
            ("result".to_owned(), Shown::styled("ok\u{1b}", Styled::Good)),
        ];
        assert_eq!(
            details(pairs),
            "id           wh_1\ndescription\nresult       \u{1b}[32mok\\u{1b}\u{1b}[0m"
        );
    }
}
