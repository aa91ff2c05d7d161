//! English and Turkish. Each page keeps its own strings inline as `lang.pick(en, tr)`, so there
//! is no central table to keep in sync; this module only holds the current language, its
//! persistence (a setting that survives reloads when storage is allowed) and the header toggle.

use leptos::prelude::*;

use crate::number::DecimalMark;

use crate::web::storage::{load_setting, save_setting};

/// The settings key the chosen language is stored under.
const LANG_SETTING: &str = "lang";

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

    /// The BCP 47 tag, for `<html lang>`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Tr => "tr",
        }
    }

    fn from_tag(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "tr" => Some(Lang::Tr),
            _ => None,
        }
    }

    /// The other language (what the toggle switches to).
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Tr,
            Lang::Tr => Lang::En,
        }
    }

    /// The decimal mark typed numbers are read with (see `crate::number`).
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

#[derive(Clone, Copy)]
struct LangContext(RwSignal<Lang>);

/// Provides the language to the whole app, starting from the saved setting (or the browser's
/// language when nothing is saved). Call once at the app root.
pub fn provide_lang() {
    let initial = load_setting(LANG_SETTING)
        .and_then(|tag| Lang::from_tag(&tag))
        .unwrap_or_else(browser_lang);
    let lang = RwSignal::new(initial);
    Effect::new(move |_| {
        let current = lang.get();
        if let Some(root) = document().document_element() {
            // Only the attribute value changes; a failure leaves the previous tag, harmlessly.
            let _ = root.set_attribute("lang", current.tag());
        }
    });
    provide_context(LangContext(lang));
}

fn browser_lang() -> Lang {
    let tag = window().navigator().language().unwrap_or_default();
    if tag.to_ascii_lowercase().starts_with("tr") {
        Lang::Tr
    } else {
        Lang::En
    }
}

/// The current language, for components' `lang.get().pick(...)`.
pub fn use_lang() -> Signal<Lang> {
    match use_context::<LangContext>() {
        Some(LangContext(lang)) => lang.into(),
        None => Signal::stored(Lang::En),
    }
}

/// Switches to the other language and remembers the choice.
#[component]
pub fn LangToggle() -> impl IntoView {
    let context = use_context::<LangContext>();
    let lang = use_lang();
    let toggle = move |_| {
        if let Some(LangContext(signal)) = context {
            let next = signal.get_untracked().other();
            signal.set(next);
            save_setting(LANG_SETTING, next.tag());
        }
    };
    view! {
        <button
            type="button"
            class="lang-toggle"
            data-testid="lang-toggle"
            data-lang=move || lang.get().tag()
            aria-label=move || lang.get().pick("Türkçe'ye geç", "Switch to English")
            on:click=toggle
        >
            {move || lang.get().pick("TR", "EN")}
        </button>
    }
}
