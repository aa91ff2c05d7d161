//! The Predict form's values as one thing: for each model feature the text the field shows and
//! the exact value it was filled with (a median, a demo shopper's value, a saved input), which is
//! what is scored and saved until the field is edited. Starting values, the decimal-mark rewrite
//! when the language changes, parsing, reset to medians, clear, fill from a pick and the texts
//! kept for the next visit all live here, so the page keeps only its markup.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;

use crate::features::form_rules::{
    convert_text, display_text, field_value, text_for_field, InputError,
};
use crate::input::number::{format_value, parse_file_value, DecimalMark};
use crate::lang::Lang;
use crate::model::FeatureSpec;

/// One feature's field: what it shows, and the exact value behind it (`None` once edited, or
/// when unknown).
#[derive(Debug, Clone, Copy)]
pub struct FormField {
    pub text: RwSignal<String>,
    pub exact: RwSignal<Option<f64>>,
}

/// Every feature's field, in the model's feature order.
#[derive(Debug, Clone)]
pub struct FormFields {
    specs: Arc<Vec<FeatureSpec>>,
    fields: Arc<Vec<FormField>>,
}

impl FormFields {
    /// One field per feature. `stored` gives a feature's text from a link or the saved inputs
    /// (written with `.`); a feature it has nothing for starts at its training median.
    pub fn new(
        specs: Arc<Vec<FeatureSpec>>,
        stored: impl Fn(&FeatureSpec) -> Option<String>,
        mark: DecimalMark,
    ) -> FormFields {
        let fields = specs
            .iter()
            .map(|spec| {
                let (text, exact) = match stored(spec) {
                    Some(stored) => stored_field(&stored, mark),
                    None => median_field(spec, mark),
                };
                FormField {
                    text: RwSignal::new(text),
                    exact: RwSignal::new(exact),
                }
            })
            .collect();
        FormFields {
            specs,
            fields: Arc::new(fields),
        }
    }

    pub fn specs(&self) -> &[FeatureSpec] {
        &self.specs
    }

    pub fn field(&self, index: usize) -> FormField {
        self.fields[index]
    }

    /// When the language changes, numbers already typed are rewritten with its decimal mark (the
    /// same values), so switching never turns a valid field into an error.
    pub fn follow_decimal_mark(&self, lang: Signal<Lang>) {
        let fields = Arc::clone(&self.fields);
        Effect::new(move |previous: Option<DecimalMark>| {
            let mark = lang.get().decimal_mark();
            if let Some(previous) = previous.filter(|previous| *previous != mark) {
                for field in fields.iter() {
                    let converted = match field.exact.get_untracked() {
                        Some(value) => display_text(value, mark),
                        None => field
                            .text
                            .with_untracked(|text| convert_text(text, previous, mark)),
                    };
                    field.text.set(converted);
                }
            }
            mark
        });
    }

    /// Each field's value as the model reads it (`None` = unknown), or why it cannot be read.
    pub fn parsed(&self, lang: Signal<Lang>) -> Memo<Vec<Result<Option<f64>, InputError>>> {
        let this = self.clone();
        Memo::new(move |_| {
            this.fields
                .iter()
                .zip(this.specs.iter())
                .map(|(field, spec)| {
                    let exact = field.exact.get();
                    field
                        .text
                        .with(|text| field_value(text, exact, spec, lang.get().decimal_mark()))
                })
                .collect()
        })
    }

    /// Every field back at its training median (unknown when the bundle has none).
    pub fn reset_to_medians(&self, mark: DecimalMark) {
        for (field, spec) in self.fields.iter().zip(self.specs.iter()) {
            let (shown, value) = median_field(spec, mark);
            field.exact.set(value);
            field.text.set(shown);
        }
    }

    /// Every field unknown.
    pub fn clear(&self) {
        for field in self.fields.iter() {
            field.exact.set(None);
            field.text.set(String::new());
        }
    }

    /// Fills the fields with a demo shopper's values, kept exactly; NaN is a value the shopper's
    /// history cannot give, so that field stays unknown.
    pub fn fill(&self, values: &[f64], mark: DecimalMark) {
        for (field, value) in self.fields.iter().zip(values) {
            let value = Some(*value).filter(|value| !value.is_nan());
            field.exact.set(value);
            field.text.set(
                value
                    .map(|value| display_text(value, mark))
                    .unwrap_or_default(),
            );
        }
    }

    /// The inputs to keep for the next visit, by feature name: written with `.` whatever the
    /// language, so they read back under either; a value kept exactly is saved exactly, not as
    /// the field shows it.
    pub fn saved_texts(&self, mark: DecimalMark) -> BTreeMap<String, String> {
        self.specs
            .iter()
            .zip(self.fields.iter())
            .map(|(spec, field)| {
                let saved = match field.exact.get_untracked() {
                    Some(value) => format_value(value, DecimalMark::Point),
                    None => convert_text(&field.text.get_untracked(), mark, DecimalMark::Point),
                };
                (spec.name.clone(), saved)
            })
            .collect()
    }
}

/// A field filled from a link or the saved inputs (written with `.`): a number is kept exactly
/// and shown at display precision; anything else (an error being fixed) is shown as it was.
fn stored_field(stored: &str, mark: DecimalMark) -> (String, Option<f64>) {
    match parse_file_value(stored) {
        Ok(Some(value)) => (display_text(value, mark), Some(value)),
        _ => (text_for_field(stored, mark), None),
    }
}

/// A field at the training median, kept exactly; unknown when the bundle has no median.
fn median_field(spec: &FeatureSpec, mark: DecimalMark) -> (String, Option<f64>) {
    match spec.median.filter(|median| median.is_finite()) {
        Some(median) => (display_text(median, mark), Some(median)),
        None => (String::new(), None),
    }
}
