//! What a prediction of a model that is not binary looks like on a page: a multiclass model's
//! class distribution as bars with the most likely class first, a regression model's value on the
//! range the model can answer, a ranking model's score. A binary model's probability and decision
//! stay with the Predict page's result card. Every view carries `data-testid="prediction"` with
//! the kind and every output at full precision (`data-values`), as the binary card does.

use leptos::prelude::*;

use crate::batch::most_likely;
use crate::lang::Lang;
use crate::model::ModelKind;
use crate::web::state::language::use_lang;

/// Every output as a JSON array at full precision (a non-finite value is `null`).
pub fn values_json(outputs: &[f64]) -> String {
    serde_json::to_string(outputs).unwrap_or_else(|_| "[]".to_owned())
}

/// A value for reading: up to six significant digits, in the language's decimal mark.
fn readable(value: f64, lang: Lang) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs();
    if magnitude >= 1e6 || (magnitude != 0.0 && magnitude < 1e-4) {
        return format!("{value:.5e}");
    }
    let digits = if magnitude >= 1.0 {
        (5 - magnitude.log10().floor() as i32).max(0) as usize
    } else {
        6
    };
    lang.decimal(value, digits)
}

/// A class as people read it: its name when the user gave names, else "class 2".
pub fn class_label(name: &str, named: bool, lang: Lang) -> String {
    if named {
        name.to_owned()
    } else {
        format!("{} {name}", lang.pick("class", "sınıf"))
    }
}

/// The outputs of a multiclass, regression or ranking model.
#[component]
pub fn KindOutputs(
    kind: ModelKind,
    outputs: Vec<f64>,
    class_names: Vec<String>,
    /// Whether `class_names` are names the user gave (else the classes' indices).
    named: bool,
    /// The values the model can answer (single-output models without linear trees).
    range: Option<(f64, f64)>,
) -> impl IntoView {
    let lang = use_lang();
    let values = values_json(&outputs);
    let body = match kind {
        ModelKind::Multiclass => {
            let top = most_likely(&outputs);
            let mut order: Vec<usize> = (0..outputs.len()).collect();
            order.sort_by(|&a, &b| outputs[b].total_cmp(&outputs[a]).then(a.cmp(&b)));
            let top_name = class_names.get(top).cloned().unwrap_or_default();
            let top_probability = outputs.get(top).copied().unwrap_or(f64::NAN);
            let bars = order
                .into_iter()
                .map(|class| {
                    let probability = outputs[class];
                    let name = class_names.get(class).cloned().unwrap_or_default();
                    let width = format!("width: {:.2}%", (probability * 100.0).clamp(0.0, 100.0));
                    view! {
                        <li
                            data-testid="class-bar"
                            data-class=class.to_string()
                            data-value=format!("{probability}")
                            class:top=class == top
                        >
                            <span class="class-name">{move || class_label(&name, named, lang.get())}</span>
                            <span class="class-track"><span class="class-fill" style=width></span></span>
                            <span class="class-share">{move || lang.get().percent(probability)}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <p class="big" data-testid="top-class" data-value=top.to_string()>
                    {move || class_label(&top_name, named, lang.get())}
                </p>
                <p class="hint">
                    {move || format!(
                        "{} {}",
                        lang.get().pick("Most likely class, with probability", "En olası sınıf, olasılığı"),
                        lang.get().percent(top_probability),
                    )}
                </p>
                <ul class="class-bars" aria-label=move || lang.get().pick("Probability of each class", "Her sınıfın olasılığı")>
                    {bars}
                </ul>
            }
            .into_any()
        }
        ModelKind::Regression => {
            let value = outputs.first().copied().unwrap_or(f64::NAN);
            let range_view = range.map(|(low, high)| {
                let share = if high > low {
                    ((value - low) / (high - low)).clamp(0.0, 1.0)
                } else {
                    0.5
                };
                let marker = format!("left: {:.2}%", share * 100.0);
                view! {
                    <div
                        class="value-range"
                        data-testid="output-range"
                        data-low=format!("{low}")
                        data-high=format!("{high}")
                    >
                        <span class="range-track"><span class="range-marker" style=marker></span></span>
                        <p class="hint">
                            {move || format!(
                                "{} {} {} {}",
                                lang.get().pick("The model answers between", "Modelin yanıtı şu aralıkta:"),
                                readable(low, lang.get()),
                                lang.get().pick("and", "ile"),
                                readable(high, lang.get()),
                            )}
                        </p>
                    </div>
                }
            });
            view! {
                <p class="big" data-testid="predicted-value" data-value=format!("{value}")>
                    {move || readable(value, lang.get())}
                </p>
                <p class="hint">{move || lang.get().pick("Predicted value", "Tahmin edilen değer")}</p>
                {range_view}
            }
            .into_any()
        }
        ModelKind::Ranking | ModelKind::Binary => {
            let score = outputs.first().copied().unwrap_or(f64::NAN);
            view! {
                <p class="big" data-testid="ranking-score" data-value=format!("{score}")>
                    {move || readable(score, lang.get())}
                </p>
                <p class="hint">
                    {move || lang.get().pick(
                        "A ranking score: higher ranks first among the rows of one query; alone it has no unit.",
                        "Bir sıralama puanı: aynı sorgunun satırları arasında yüksek olan önce gelir; tek başına birimi yoktur.",
                    )}
                </p>
            }
            .into_any()
        }
    };
    view! {
        <div data-testid="prediction" data-kind=kind.name() data-values=values>
            {body}
        </div>
    }
}
