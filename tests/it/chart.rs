//! The geometry behind every chart the app draws (`chart`): the dashboard's histogram and
//! per-day bars, the Batch page's unit-square curves and axes, and the explanation chart's bars,
//! each coordinate worked out by hand.

use instacart_reorder::chart::{
    BarChart, ContributionBar, ContributionChart, Rect, UnitSquareChart,
};

const DASHBOARD: BarChart = BarChart {
    width: 400.0,
    height: 160.0,
};

fn rect(x: f64, y: f64, width: f64, height: f64) -> Rect {
    Rect {
        x,
        y,
        width,
        height,
    }
}

#[test]
fn histogram_bars_share_the_width_and_the_tallest_fills_the_height() {
    // 4 bins of 100 units, 1-unit gaps each side; tallest 4 -> 160 units, so 40 per count.
    assert_eq!(
        DASHBOARD.histogram(&[0, 2, 4, 1]),
        vec![
            rect(1.0, 160.0, 98.0, 0.0),
            rect(101.0, 80.0, 98.0, 80.0),
            rect(201.0, 0.0, 98.0, 160.0),
            rect(301.0, 120.0, 98.0, 40.0),
        ]
    );
    // Nothing logged: flat bars, no division by zero.
    assert!(DASHBOARD
        .histogram(&[0; 20])
        .iter()
        .all(|bar| bar.height == 0.0 && bar.y == 160.0 && bar.width == 18.0));
    assert_eq!(DASHBOARD.view_box(), "0 0 400 176");
    assert_eq!(DASHBOARD.label_y(), 174.0);
    assert_eq!(DASHBOARD.probability_x(0.25), 100.0);
    assert_eq!(DASHBOARD.probability_x(1.5), 400.0);
    assert_eq!(DASHBOARD.probability_x(-1.0), 0.0);
}

#[test]
fn per_day_bars_sit_on_a_time_axis_with_gaps() {
    // Days 10 and 12: a span of 3 days, 400/3 units each, bars 90% of that; day 11 is a gap.
    let bars = DASHBOARD.per_day(&[(10, 2), (12, 4)]);
    assert_eq!(
        bars,
        vec![
            rect(0.0, 80.0, 400.0 / 3.0 * 0.9, 80.0),
            rect(800.0 / 3.0, 0.0, 400.0 / 3.0 * 0.9, 160.0),
        ]
    );
    // A long span: bars at least 1 unit wide.
    let bars = DASHBOARD.per_day(&[(0, 1), (999, 1)]);
    assert_eq!(bars[0].width, 1.0);
    assert_eq!(bars[1].x, 999.0 * 400.0 / 1000.0);
    assert!(DASHBOARD.per_day(&[]).is_empty());
}

#[test]
fn the_unit_square_fills_the_padded_plot_with_y_upwards() {
    let chart = UnitSquareChart::BATCH;
    // Plot: x from 36 to 310 (274 wide), y from 192 (0) up to 10 (1) (182 high).
    assert_eq!(chart.point(0.0, 0.0), (36.0, 192.0));
    assert_eq!(chart.point(1.0, 1.0), (310.0, 10.0));
    assert_eq!(chart.point(0.5, 0.5), (173.0, 101.0));
    assert_eq!(chart.point(2.0, -1.0), (310.0, 192.0), "clamped");
    assert_eq!(
        chart.polyline([(0.0, 0.0), (0.5, 0.5), (1.0, 1.0)].into_iter()),
        "36.0,192.0 173.0,101.0 310.0,10.0"
    );
    assert_eq!(chart.polyline(std::iter::empty()), "");
    assert_eq!(chart.view_box(), "0 0 320 220");

    let axes = chart.axes(&[0.0, 0.5, 1.0]);
    assert_eq!(
        (axes.left, axes.right, axes.top, axes.bottom),
        (36.0, 310.0, 10.0, 192.0)
    );
    assert_eq!(axes.ticks.len(), 3);
    // x labels 14 below the axis; y labels 4 left of it, 3 below the tick.
    assert_eq!(axes.ticks[1].value, 0.5);
    assert_eq!(axes.ticks[1].x_label, (173.0, 206.0));
    assert_eq!(axes.ticks[1].y_label, (32.0, 104.0));
    assert_eq!(axes.ticks[0].y_label, (32.0, 195.0));
    assert_eq!(axes.x_title, (173.0, 218.0));
    assert_eq!(axes.y_title, (10.0, 101.0));
}

#[test]
fn contribution_bars_grow_from_a_middle_axis_largest_first() {
    let contributions: Vec<(String, f64)> = [("a", 0.5), ("b", -1.0), ("c", 0.25), ("d", -0.25)]
        .iter()
        .map(|(name, value)| (name.to_string(), *value))
        .collect();
    let layout = ContributionChart::layout(&contributions, 3);
    // Plot 480 - 200 - 60 = 220 wide, axis at 200 + 110 = 310; the largest |1.0| spans 110.
    assert_eq!(layout.axis, 310.0);
    // c and d tie at 0.25: feature order keeps c; d is left out.
    assert_eq!(layout.rest, -0.25);
    let bar = |name: &str, contribution: f64, x: f64, width: f64| ContributionBar {
        name: name.to_owned(),
        contribution,
        x,
        width,
    };
    assert_eq!(
        layout.bars,
        vec![
            bar("b", -1.0, 200.0, 110.0),
            bar("a", 0.5, 310.0, 55.0),
            bar("c", 0.25, 310.0, 27.5),
        ]
    );
    assert_eq!(ContributionChart::row_y(0), 4.0);
    assert_eq!(ContributionChart::row_y(2), 56.0);
    assert_eq!(ContributionChart::text_y(2), 71.0);
    assert_eq!(ContributionChart::height(3), 86.0);

    // No effect at all: zero-width bars on the axis.
    let flat = ContributionChart::layout(&[("a".to_owned(), 0.0)], 10);
    assert_eq!(flat.bars, vec![bar("a", 0.0, 310.0, 0.0)]);
    assert_eq!(flat.rest, 0.0);
}
