//! The current language, app-wide: provided at the root from the saved setting (or the
//! browser's language when nothing is saved), reflected in `<html lang>`, and switched (and
//! remembered) by the header's toggle. What a language means lives in the pure `crate::lang`.
//! Each page keeps its own strings inline as `lang.pick(en, tr)`, so there is no central table
//! to keep in sync.

use leptos::prelude::*;

use crate::lang::Lang;
use crate::web::settings::{load_setting, save_setting};

/// The settings key the chosen language is stored under.
const LANG_SETTING: &str = "lang";

#[derive(Clone, Copy)]
struct LangContext(RwSignal<Lang>);

/// Provides the language to the whole app. Call once at the app root.
pub fn provide_lang() {
    let initial = load_setting(LANG_SETTING)
        .and_then(|tag| Lang::from_tag(&tag))
        .unwrap_or_else(|| {
            Lang::from_browser_tag(&window().navigator().language().unwrap_or_default())
        });
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

/// The current language, for components' `lang.get().pick(...)`.
pub fn use_lang() -> Signal<Lang> {
    match use_context::<LangContext>() {
        Some(LangContext(lang)) => lang.into(),
        None => Signal::stored(Lang::En),
    }
}

/// What switches to the other language and remembers the choice (does nothing without a
/// provided language). Taken while the component is built, called on click.
pub fn use_lang_switch() -> impl Fn() + Copy + 'static {
    let context = use_context::<LangContext>();
    move || {
        if let Some(LangContext(signal)) = context {
            let next = signal.get_untracked().other();
            signal.set(next);
            save_setting(LANG_SETTING, next.tag());
        }
    }
}
