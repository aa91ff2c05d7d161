//! The input of a categorical feature: a choice of the categories the model saw in training (by
//! name when it was trained from pandas, else by code), "other" (a category it never saw, which
//! every categorical split sends right, as LightGBM does) and "unknown" (missing). It writes the
//! chosen code into the same text field a number input would, so the form's parsing, saving and
//! logging stay one path.

use leptos::prelude::*;

use crate::model::Categories;
use crate::web::state::language::use_lang;

/// The `<select>` value of "unknown"; a category's option carries its code.
const UNKNOWN: &str = "";
/// The `<select>` value of "other" while the field holds no code of its own.
const OTHER: &str = "other";

/// Which option a field's text selects: "unknown" when empty, the option of the category
/// LightGBM reads it as (a fraction truncated toward zero), or "other" for any other text (an
/// unseen or negative code, kept as typed or remembered).
fn selected_option(text: &str, categories: &Categories) -> String {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return UNKNOWN.to_owned();
    }
    match trimmed.parse::<f64>() {
        Ok(value) if value >= 0.0 && value < f64::from(i32::MAX) => {
            let code = value.trunc() as i32;
            if categories.knows(code) {
                code.to_string()
            } else {
                OTHER.to_owned()
            }
        }
        _ => OTHER.to_owned(),
    }
}

#[component]
pub fn CategoryChoice(
    /// The field's id (its label points here) and test id.
    input_id: String,
    test_id: String,
    described_by: String,
    categories: Categories,
    text: RwSignal<String>,
    exact: RwSignal<Option<f64>>,
) -> impl IntoView {
    let lang = use_lang();
    let unseen = categories.unseen_code();
    let options = categories
        .codes
        .iter()
        .map(|&code| {
            let label = categories.label_of(code);
            view! { <option value=code.to_string()>{label}</option> }
        })
        .collect_view();
    let selected = {
        let categories = categories.clone();
        move || text.with(|text| selected_option(text, &categories))
    };
    let other_code = {
        let categories = categories.clone();
        move || {
            text.with(|text| {
                (selected_option(text, &categories) == OTHER).then(|| text.trim().to_owned())
            })
        }
    };
    view! {
        <select
            id=input_id
            data-testid=test_id
            data-kind="category"
            aria-describedby=described_by
            prop:value=selected
            on:change=move |event| {
                let chosen = event_target_value(&event);
                exact.set(None);
                text.set(if chosen == OTHER { unseen.to_string() } else { chosen });
            }
        >
            <option value=UNKNOWN>{move || lang.get().pick("unknown", "bilinmiyor")}</option>
            {options}
            <option value=OTHER>
                {move || lang.get().pick("other (not seen in training)", "diğer (eğitimde görülmedi)")}
            </option>
        </select>
        {move || other_code().map(|code| view! {
            <span class="hint" data-testid="category-other-code">
                {move || format!("{} {code}", lang.get().pick("scored as the unseen code", "görülmemiş kod olarak puanlanır:"))}
            </span>
        })}
    }
}
