//! English and Turkish: the current language and `pick` between the two strings of each text.

use leptos::prelude::*;

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

/// The current language.
pub fn use_lang() -> Signal<Lang> {
    Signal::stored(Lang::En)
}
