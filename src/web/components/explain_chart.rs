//! The explanation of one prediction: its TreeSHAP contributions (in raw-score space, as
//! LightGBM's `pred_contrib` gives them: log-odds for a binary model, one class's score for a
//! multiclass one) as an SVG bar chart, largest effects first, each bar saying whether that
//! feature's value raises or lowers the chance, the class's score or the prediction. The geometry is `chart::ContributionChart`
//! (plain arithmetic on the contributions, tested natively), so the chart is always drawn to the
//! same scale as the numbers beside it.

use leptos::prelude::*;

use crate::chart::{ContributionChart as Chart, ContributionLayout};
use crate::lang::Lang;
use crate::web::state::language::use_lang;

/// How many features the chart shows; the rest are summed into one line.
pub const TOP_FEATURES: usize = 10;

/// What the contributions add up to: the raw score of the model's kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ExplainSpace {
    /// A binary model's log-odds.
    #[default]
    LogOdds,
    /// One class's raw score, before the softmax (or its own sigmoid).
    ClassScore,
    /// A regression model's raw score, before the objective's transform.
    RawValue,
    /// A ranking model's score.
    Score,
}

impl ExplainSpace {
    fn direction(self, contribution: f64, lang: Lang) -> &'static str {
        let (raises, lowers) = match self {
            ExplainSpace::LogOdds => (
                lang.pick("raises the chance", "olasılığı artırıyor"),
                lang.pick("lowers the chance", "olasılığı azaltıyor"),
            ),
            ExplainSpace::ClassScore => (
                lang.pick("raises this class's score", "bu sınıfın puanını artırıyor"),
                lang.pick("lowers this class's score", "bu sınıfın puanını azaltıyor"),
            ),
            ExplainSpace::RawValue => (
                lang.pick("raises the prediction", "tahmini artırıyor"),
                lang.pick("lowers the prediction", "tahmini azaltıyor"),
            ),
            ExplainSpace::Score => (
                lang.pick("raises the score", "puanı artırıyor"),
                lang.pick("lowers the score", "puanı azaltıyor"),
            ),
        };
        if contribution > 0.0 {
            raises
        } else if contribution < 0.0 {
            lowers
        } else {
            lang.pick("has no effect", "etkisi yok")
        }
    }

    fn hint(self, lang: Lang) -> &'static str {
        match self {
            ExplainSpace::LogOdds => lang.pick(
                "Each bar is one feature's TreeSHAP contribution in log-odds: red raises the chance, blue lowers it. Largest effects first.",
                "Her çubuk bir özelliğin log-odds cinsinden TreeSHAP katkısıdır: kırmızı olasılığı artırır, mavi azaltır. En büyük etkiler önce.",
            ),
            ExplainSpace::ClassScore => lang.pick(
                "Each bar is one feature's TreeSHAP contribution to this class's raw score (before the softmax): red raises it, blue lowers it. Largest effects first.",
                "Her çubuk bir özelliğin bu sınıfın ham puanına (softmax'tan önce) TreeSHAP katkısıdır: kırmızı artırır, mavi azaltır. En büyük etkiler önce.",
            ),
            ExplainSpace::RawValue => lang.pick(
                "Each bar is one feature's TreeSHAP contribution to the model's raw score (before its objective's transform, e.g. the log of the value for poisson, gamma and tweedie): red raises the prediction, blue lowers it. Largest effects first.",
                "Her çubuk bir özelliğin modelin ham puanına (amaç fonksiyonunun dönüşümünden önce; örneğin poisson, gamma ve tweedie için değerin logaritması) TreeSHAP katkısıdır: kırmızı tahmini artırır, mavi azaltır. En büyük etkiler önce.",
            ),
            ExplainSpace::Score => lang.pick(
                "Each bar is one feature's TreeSHAP contribution to the ranking score: red raises it, blue lowers it. Largest effects first.",
                "Her çubuk bir özelliğin sıralama puanına TreeSHAP katkısıdır: kırmızı artırır, mavi azaltır. En büyük etkiler önce.",
            ),
        }
    }

    fn total(self, lang: Lang) -> &'static str {
        match self {
            ExplainSpace::LogOdds => lang.pick("this row (log-odds)", "bu satır (log-odds)"),
            _ => lang.pick("this row (raw score)", "bu satır (ham puan)"),
        }
    }
}

/// The chart plus a readable list of the same bars.
#[component]
pub fn ExplainChart(
    contributions: Vec<(String, f64)>,
    expected_value: f64,
    raw: f64,
    #[prop(optional)] space: ExplainSpace,
) -> impl IntoView {
    let lang = use_lang();
    let ContributionLayout { bars, axis, rest } = Chart::layout(&contributions, TOP_FEATURES);
    let height = Chart::height(bars.len());
    let drawn = bars
        .iter()
        .enumerate()
        .map(|(row, bar)| {
            let y = Chart::row_y(row);
            let text_y = Chart::text_y(row);
            let class = if bar.contribution >= 0.0 { "bar-raise" } else { "bar-lower" };
            let label = if bar.name.chars().count() > 24 {
                format!("{}…", bar.name.chars().take(23).collect::<String>())
            } else {
                bar.name.clone()
            };
            let value = format!("{:+.3}", bar.contribution);
            let name = bar.name.clone();
            let feature = bar.name.clone();
            let contribution = bar.contribution;
            view! {
                <g data-testid="explain-bar" data-feature=feature data-value=format!("{contribution}")>
                    <title>{move || format!("{name}: {} ({value})", space.direction(contribution, lang.get()))}</title>
                    <text x={Chart::LABEL_WIDTH - 6.0} y=text_y text-anchor="end">{label}</text>
                    <rect class=class x=bar.x y=y width=bar.width.max(1.0) height={Chart::BAR_HEIGHT}></rect>
                    <text x={Chart::WIDTH - 2.0} y=text_y text-anchor="end">
                        {format!("{:+.3}", contribution)}
                    </text>
                </g>
            }
        })
        .collect_view();
    let listed = bars
        .iter()
        .map(|bar| {
            let name = bar.name.clone();
            let contribution = bar.contribution;
            let class = if contribution >= 0.0 {
                "raise"
            } else {
                "lower"
            };
            view! {
                <li>
                    <strong>{name}</strong>
                    " "
                    <span class=class>{move || space.direction(contribution, lang.get())}</span>
                    {format!(" ({contribution:+.3})")}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="explain-chart" data-testid="explanation">
            <p class="hint">
                {move || space.hint(lang.get())}
            </p>
            <svg
                viewBox=format!("0 0 {} {height}", Chart::WIDTH)
                role="img"
                aria-label=move || lang.get().pick("Feature contributions", "Özellik katkıları")
            >
                <line x1=axis y1="0" x2=axis y2=height stroke="#4a5560" stroke-width="1"></line>
                {drawn}
            </svg>
            <ol class="explain-list">{listed}</ol>
            <p class="hint" data-testid="explain-totals">
                {move || {
                    let lang = lang.get();
                    format!(
                        "{} {:.3} · {} {:+.3} · {} {:.3}",
                        lang.pick("average model output", "ortalama model çıktısı"),
                        expected_value,
                        lang.pick("other features", "diğer özellikler"),
                        rest,
                        space.total(lang),
                        raw,
                    )
                }}
            </p>
        </div>
    }
}
