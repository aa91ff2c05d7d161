//! The explanation of one prediction: its TreeSHAP contributions (in log-odds, as LightGBM's
//! `pred_contrib` gives them) as an SVG bar chart, largest effects first, each bar saying whether
//! that feature's value raises or lowers the chance. The geometry is plain arithmetic on the
//! contributions so the chart is always drawn to the same scale as the numbers beside it.

use leptos::prelude::*;

use crate::lang::Lang;
use crate::web::state::language::use_lang;

/// How many features the chart shows; the rest are summed into one line.
pub const TOP_FEATURES: usize = 10;

const CHART_WIDTH: f64 = 480.0;
const LABEL_WIDTH: f64 = 200.0;
const VALUE_WIDTH: f64 = 60.0;
const ROW_HEIGHT: f64 = 26.0;
const BAR_HEIGHT: f64 = 18.0;

/// One drawn bar: which feature, its contribution, and where the bar sits.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub name: String,
    pub contribution: f64,
    pub x: f64,
    pub width: f64,
}

/// Orders contributions by size (ties keep feature order), keeps the top `TOP_FEATURES`, and lays
/// the bars out around a zero axis in the middle of the plot area. Returns the bars, the axis
/// position and the sum of the contributions left out.
pub fn layout_bars(contributions: &[(String, f64)]) -> (Vec<Bar>, f64, f64) {
    let mut order: Vec<usize> = (0..contributions.len()).collect();
    order.sort_by(|&a, &b| {
        contributions[b]
            .1
            .abs()
            .total_cmp(&contributions[a].1.abs())
            .then(a.cmp(&b))
    });
    let shown: Vec<usize> = order.iter().copied().take(TOP_FEATURES).collect();
    let rest: f64 = order
        .iter()
        .skip(TOP_FEATURES)
        .map(|&index| contributions[index].1)
        .sum();
    let largest = shown
        .iter()
        .map(|&index| contributions[index].1.abs())
        .fold(0.0_f64, f64::max);
    let plot_width = CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    let axis = LABEL_WIDTH + plot_width / 2.0;
    let scale = if largest > 0.0 {
        (plot_width / 2.0) / largest
    } else {
        0.0
    };
    let bars = shown
        .into_iter()
        .map(|index| {
            let (name, contribution) = &contributions[index];
            let width = contribution.abs() * scale;
            let x = if *contribution >= 0.0 {
                axis
            } else {
                axis - width
            };
            Bar {
                name: name.clone(),
                contribution: *contribution,
                x,
                width,
            }
        })
        .collect();
    (bars, axis, rest)
}

fn direction(contribution: f64, lang: Lang) -> &'static str {
    if contribution > 0.0 {
        lang.pick("raises the chance", "olasılığı artırıyor")
    } else if contribution < 0.0 {
        lang.pick("lowers the chance", "olasılığı azaltıyor")
    } else {
        lang.pick("has no effect", "etkisi yok")
    }
}

/// The chart plus a readable list of the same bars.
#[component]
pub fn ExplainChart(
    contributions: Vec<(String, f64)>,
    expected_value: f64,
    raw: f64,
) -> impl IntoView {
    let lang = use_lang();
    let (bars, axis, rest) = layout_bars(&contributions);
    let height = ROW_HEIGHT * bars.len() as f64 + 8.0;
    let drawn = bars
        .iter()
        .enumerate()
        .map(|(row, bar)| {
            let y = 4.0 + row as f64 * ROW_HEIGHT;
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
                    <title>{move || format!("{name}: {} ({value})", direction(contribution, lang.get()))}</title>
                    <text x=LABEL_WIDTH - 6.0 y=y + BAR_HEIGHT - 3.0 text-anchor="end">{label}</text>
                    <rect class=class x=bar.x y=y width=bar.width.max(1.0) height=BAR_HEIGHT></rect>
                    <text x=CHART_WIDTH - 2.0 y=y + BAR_HEIGHT - 3.0 text-anchor="end">
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
                    <span class=class>{move || direction(contribution, lang.get())}</span>
                    {format!(" ({contribution:+.3})")}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="explain-chart" data-testid="explanation">
            <p class="hint">
                {move || lang.get().pick(
                    "Each bar is one feature's TreeSHAP contribution in log-odds: red raises the chance, blue lowers it. Largest effects first.",
                    "Her çubuk bir özelliğin log-odds cinsinden TreeSHAP katkısıdır: kırmızı olasılığı artırır, mavi azaltır. En büyük etkiler önce.",
                )}
            </p>
            <svg
                viewBox=format!("0 0 {CHART_WIDTH} {height}")
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
                        lang.pick("this row (log-odds)", "bu satır (log-odds)"),
                        raw,
                    )
                }}
            </p>
        </div>
    }
}
