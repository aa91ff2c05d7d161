//! The Batch page's metrics of a labelled file scored by a model without a threshold
//! (`batch::KindReport`, computed where the run is): accuracy, log loss and the confusion matrix
//! for classes; RMSE, MAE and R^2 for values; NDCG@k per query for rankings. Each figure carries
//! its full-precision value in `data-value` for tests and exports.

use leptos::prelude::*;

use crate::batch::{KindLabel, KindReport, QUERY_COLUMNS};
use crate::web::state::language::use_lang;

/// Classes beyond which the confusion matrix is not drawn (it would not fit a page).
const MAX_CONFUSION_CLASSES: usize = 20;

/// One figure: its name, its value at four decimals, the exact value in `data-value`.
fn figure(test_id: &'static str, name: &'static str, value: f64) -> impl IntoView {
    view! {
        <dt>{name}</dt>
        <dd data-testid=test_id data-value=format!("{value}")>{format!("{value:.4}")}</dd>
    }
}

#[component]
pub fn KindMetricsCard(report: KindReport, label: KindLabel) -> impl IntoView {
    let lang = use_lang();
    let column = label.column.clone();
    let bad = label.bad.clone();
    let (kind, rows, body) = match report {
        KindReport::Classes {
            rows,
            accuracy,
            log_loss,
            classes,
            confusion,
        } => {
            let matrix = (classes <= MAX_CONFUSION_CLASSES).then(|| {
                let head = (0..classes)
                    .map(|class| view! { <th class="num" scope="col">{class}</th> })
                    .collect_view();
                let body = (0..classes)
                    .map(|truth| {
                        let cells = (0..classes)
                            .map(|predicted| {
                                let count = confusion[truth * classes + predicted];
                                view! {
                                    <td class="num" class:diagonal=truth == predicted data-testid="confusion-cell"
                                        data-true=truth.to_string() data-predicted=predicted.to_string() data-value=count.to_string()>
                                        {count}
                                    </td>
                                }
                            })
                            .collect_view();
                        view! { <tr><th class="num" scope="row">{truth}</th>{cells}</tr> }
                    })
                    .collect_view();
                view! {
                    <div class="table-wrap">
                        <table data-testid="confusion-matrix">
                            <caption class="hint">
                                {move || lang.get().pick(
                                    "Rows: the true class; columns: the most likely class.",
                                    "Satırlar: gerçek sınıf; sütunlar: en olası sınıf.",
                                )}
                            </caption>
                            <thead><tr><th></th>{head}</tr></thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                }
            });
            let body = view! {
                <dl class="facts">
                    {figure("metric-accuracy", "accuracy", accuracy)}
                    {figure("metric-log-loss", "log loss", log_loss)}
                </dl>
                {matrix}
            }
            .into_any();
            ("multiclass", rows, body)
        }
        KindReport::Values {
            rows,
            rmse,
            mae,
            r_squared,
        } => {
            let body = view! {
                <dl class="facts">
                    {figure("metric-rmse", "RMSE", rmse)}
                    {figure("metric-mae", "MAE", mae)}
                    {r_squared.map(|r_squared| figure("metric-r-squared", "R²", r_squared))}
                </dl>
            }
            .into_any();
            ("regression", rows, body)
        }
        KindReport::Ranking {
            rows,
            queries,
            ndcg,
        } => {
            let body = match ndcg {
                Some(ndcg) => {
                    let figures = ndcg
                        .into_iter()
                        .map(|(k, value)| {
                            view! {
                                <dt>{format!("NDCG@{k}")}</dt>
                                <dd data-testid="metric-ndcg" data-k=k.to_string() data-value=format!("{value}")>
                                    {format!("{value:.4}")}
                                </dd>
                            }
                        })
                        .collect_view();
                    view! {
                        <p class="hint">
                            {move || format!("{queries} {}", lang.get().pick("queries; the mean over them:", "sorgu; ortalamaları:"))}
                        </p>
                        <dl class="facts">{figures}</dl>
                    }
                    .into_any()
                }
                None => view! {
                    <p class="hint" data-testid="metric-ndcg-needs-query">
                        {move || format!(
                            "{} {}",
                            lang.get().pick("NDCG is computed per query: add a query column named", "NDCG sorgu başına hesaplanır: şu adlardan biriyle bir sorgu sütunu ekleyin:"),
                            QUERY_COLUMNS.join(", "),
                        )}
                    </p>
                }
                .into_any(),
            };
            ("ranking", rows, body)
        }
    };
    view! {
        <div class="card" data-testid="kind-metrics" data-kind=kind data-rows=rows.to_string()>
            <h2>{move || lang.get().pick("How good it is on this file", "Bu dosyadaki başarısı")}</h2>
            <p class="hint">
                {move || format!(
                    "{rows} {} `{column}`",
                    lang.get().pick("labelled rows, label column", "etiketli satır, etiket sütunu"),
                )}
            </p>
            {body}
            {(bad.count > 0).then(|| {
                let first = bad.first.clone().map(|(line, cell)| format!(" ({} {line}: `{cell}`)", lang.get_untracked().pick("first on line", "ilki satır")));
                view! {
                    <p class="hint" data-testid="kind-bad-labels" data-count=bad.count.to_string()>
                        {move || format!(
                            "{} {}{}",
                            bad.count,
                            lang.get().pick("labels are not a label of this kind and were left out", "etiket bu türün etiketi değil ve dışarıda bırakıldı"),
                            first.clone().unwrap_or_default(),
                        )}
                    </p>
                }
            })}
        </div>
    }
}
