//! The two languages the interface speaks, English and Turkish, and what each means for text
//! and numbers: which of two strings to show, the decimal mark, how a number or a percentage is
//! written. Pure, so the rules are tested natively; the browser keeps only the current choice
//! (`web::state::language`).

use crate::input::number::DecimalMark;

/// A language the interface speaks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Lang {
    En,
    Tr,
}

impl Lang {
    /// Chooses the string written for this language.
    pub fn pick(self, en: &'static str, tr: &'static str) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Tr => tr,
        }
    }

    /// The BCP 47 tag, for `<html lang>` and the saved setting.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Tr => "tr",
        }
    }

    /// The language of a saved tag (`en`, `tr`); `None` for any other.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "tr" => Some(Lang::Tr),
            _ => None,
        }
    }

    /// The language a browser's preferred tag (`tr-TR`, `en-US`, ...) asks for: Turkish for
    /// any Turkish tag, English otherwise.
    pub fn from_browser_tag(tag: &str) -> Lang {
        if tag.to_ascii_lowercase().starts_with("tr") {
            Lang::Tr
        } else {
            Lang::En
        }
    }

    /// The other language (what the toggle switches to).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Tr,
            Lang::Tr => Lang::En,
        }
    }

    /// The decimal mark typed numbers are read with (see `crate::input::number`).
    pub fn decimal_mark(self) -> DecimalMark {
        match self {
            Lang::En => DecimalMark::Point,
            Lang::Tr => DecimalMark::Comma,
        }
    }

    /// Formats a number with the language's decimal separator.
    pub fn decimal(self, value: f64, digits: usize) -> String {
        let text = format!("{value:.digits$}");
        match self {
            Lang::En => text,
            Lang::Tr => text.replace('.', ","),
        }
    }

    /// Formats a probability in [0, 1] as a percentage with one decimal.
    pub fn percent(self, probability: f64) -> String {
        match self {
            Lang::En => format!("{}%", self.decimal(probability * 100.0, 1)),
            Lang::Tr => format!("%{}", self.decimal(probability * 100.0, 1)),
        }
    }
}
