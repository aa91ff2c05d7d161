//! The geometry of every SVG chart the app draws, as plain arithmetic on numbers so it is tested
//! natively and each page only turns shapes into SVG elements: the dashboard's bar charts (the
//! probability histogram, predictions per day), the Batch page's curves on the unit square (the
//! precision-recall curve, F1 against the threshold) and the Predict page's explanation bars
//! (TreeSHAP contributions around a zero axis). Coordinates are SVG user units, y downwards.

/// A rectangle of a bar chart.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// A bar chart whose bars stand on the bottom edge of a `width` x `height` plot, with a strip of
/// `LABEL_STRIP` units below it for the axis labels (the dashboard's charts).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BarChart {
    pub width: f64,
    pub height: f64,
}

impl BarChart {
    /// Height of the strip under the plot that holds the axis labels.
    pub const LABEL_STRIP: f64 = 16.0;

    /// The SVG `viewBox`: the plot and the label strip.
    pub fn view_box(&self) -> String {
        format!("0 0 {} {}", self.width, self.height + Self::LABEL_STRIP)
    }

    /// The baseline of the axis labels.
    pub fn label_y(&self) -> f64 {
        self.height + 14.0
    }

    /// A bar of `count` when the tallest bar holds `tallest` (the plot's full height).
    fn bar_height(&self, count: u64, tallest: f64) -> f64 {
        self.height * count as f64 / tallest
    }

    /// One bar per count, side by side across the width with a 1-unit gap on each side; the
    /// tallest count fills the height (all-zero counts draw flat bars).
    pub fn histogram(&self, counts: &[u64]) -> Vec<Rect> {
        let bar_width = self.width / counts.len().max(1) as f64;
        let tallest = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
        counts
            .iter()
            .enumerate()
            .map(|(i, &count)| {
                let height = self.bar_height(count, tallest);
                Rect {
                    x: i as f64 * bar_width + 1.0,
                    y: self.height - height,
                    width: bar_width - 2.0,
                    height,
                }
            })
            .collect()
    }

    /// One bar per `(day number, count)` (days in increasing order, gaps allowed), placed on a
    /// time axis from the first day to the last: each day gets `width / span` units, its bar 90%
    /// of that (at least 1 unit).
    pub fn per_day(&self, days: &[(i64, u64)]) -> Vec<Rect> {
        let (Some(first), Some(last)) = (days.first(), days.last()) else {
            return Vec::new();
        };
        let span = (last.0 - first.0 + 1) as f64;
        let tallest = days.iter().map(|d| d.1).max().unwrap_or(1).max(1) as f64;
        let slot = (self.width / span).max(1.0);
        days.iter()
            .map(|&(day, count)| {
                let height = self.bar_height(count, tallest);
                Rect {
                    x: (day - first.0) as f64 * self.width / span,
                    y: self.height - height,
                    width: (slot * 0.9).max(1.0),
                    height,
                }
            })
            .collect()
    }

    /// Where a probability (0-1, clamped) falls across the width.
    pub fn probability_x(&self, probability: f64) -> f64 {
        probability.clamp(0.0, 1.0) * self.width
    }
}

/// A plot of the unit square (both axes 0-1) inside a `width` x `height` viewBox with padding
/// for the axes and their labels (the Batch page's curves).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct UnitSquareChart {
    pub width: f64,
    pub height: f64,
    pub pad_left: f64,
    pub pad_right: f64,
    pub pad_top: f64,
    pub pad_bottom: f64,
}

/// The axes of a `UnitSquareChart`: the plot's edges, the ticks and the titles' anchors.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitAxes {
    pub left: f64,
    pub right: f64,
    pub top: f64,
    pub bottom: f64,
    pub ticks: Vec<Tick>,
    /// Anchor of the x axis title (centred under the axis).
    pub x_title: (f64, f64),
    /// Anchor of the y axis title (centred beside the axis, drawn rotated by -90 degrees).
    pub y_title: (f64, f64),
}

/// One tick value with the anchors of its labels on both axes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tick {
    pub value: f64,
    /// Under the x axis (text centred).
    pub x_label: (f64, f64),
    /// Left of the y axis (text ending there).
    pub y_label: (f64, f64),
}

impl UnitSquareChart {
    /// The Batch page's charts: 320 x 220 with room for tick labels on the left and below.
    pub const BATCH: UnitSquareChart = UnitSquareChart {
        width: 320.0,
        height: 220.0,
        pad_left: 36.0,
        pad_right: 10.0,
        pad_top: 10.0,
        pad_bottom: 28.0,
    };

    /// The SVG `viewBox`.
    pub fn view_box(&self) -> String {
        format!("0 0 {} {}", self.width, self.height)
    }

    /// Chart coordinates of a point of the unit square (clamped to it).
    pub fn point(&self, x: f64, y: f64) -> (f64, f64) {
        let width = self.width - self.pad_left - self.pad_right;
        let height = self.height - self.pad_top - self.pad_bottom;
        (
            self.pad_left + x.clamp(0.0, 1.0) * width,
            self.pad_top + (1.0 - y.clamp(0.0, 1.0)) * height,
        )
    }

    /// The `points` attribute of an SVG polyline through these unit-square points.
    pub fn polyline(&self, points: impl Iterator<Item = (f64, f64)>) -> String {
        points
            .map(|(x, y)| {
                let (x, y) = self.point(x, y);
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The axes with ticks at `values` (unit-square coordinates).
    pub fn axes(&self, values: &[f64]) -> UnitAxes {
        let (left, bottom) = self.point(0.0, 0.0);
        let (right, top) = self.point(1.0, 1.0);
        let ticks = values
            .iter()
            .map(|&value| {
                let (x, _) = self.point(value, 0.0);
                let (_, y) = self.point(0.0, value);
                Tick {
                    value,
                    x_label: (x, bottom + 14.0),
                    y_label: (left - 4.0, y + 3.0),
                }
            })
            .collect();
        UnitAxes {
            left,
            right,
            top,
            bottom,
            ticks,
            x_title: ((left + right) / 2.0, self.height - 2.0),
            y_title: (10.0, (top + bottom) / 2.0),
        }
    }
}

/// One feature's bar in the explanation chart.
#[derive(Clone, Debug, PartialEq)]
pub struct ContributionBar {
    pub name: String,
    pub contribution: f64,
    pub x: f64,
    pub width: f64,
}

/// The explanation chart's layout: the shown bars (largest effects first), where the zero axis
/// is, and the sum of the contributions left out.
#[derive(Clone, Debug, PartialEq)]
pub struct ContributionLayout {
    pub bars: Vec<ContributionBar>,
    pub axis: f64,
    pub rest: f64,
}

/// The explanation chart: a label column, the plot (bars from a zero axis in its middle) and a
/// value column, one row per feature.
pub struct ContributionChart;

impl ContributionChart {
    pub const WIDTH: f64 = 480.0;
    pub const LABEL_WIDTH: f64 = 200.0;
    pub const VALUE_WIDTH: f64 = 60.0;
    pub const ROW_HEIGHT: f64 = 26.0;
    pub const BAR_HEIGHT: f64 = 18.0;

    /// Top of row `row`'s bar.
    pub fn row_y(row: usize) -> f64 {
        4.0 + row as f64 * Self::ROW_HEIGHT
    }

    /// Baseline of row `row`'s label and value.
    pub fn text_y(row: usize) -> f64 {
        Self::row_y(row) + Self::BAR_HEIGHT - 3.0
    }

    /// Height of a chart of `rows` rows.
    pub fn height(rows: usize) -> f64 {
        Self::ROW_HEIGHT * rows as f64 + 8.0
    }

    /// Orders contributions by size (ties keep feature order), keeps the top `shown`, and lays
    /// the bars out around a zero axis in the middle of the plot area, the largest reaching its
    /// edge.
    pub fn layout(contributions: &[(String, f64)], shown: usize) -> ContributionLayout {
        let mut order: Vec<usize> = (0..contributions.len()).collect();
        order.sort_by(|&a, &b| {
            contributions[b]
                .1
                .abs()
                .total_cmp(&contributions[a].1.abs())
                .then(a.cmp(&b))
        });
        let kept: Vec<usize> = order.iter().copied().take(shown).collect();
        let rest: f64 = order
            .iter()
            .skip(shown)
            .map(|&index| contributions[index].1)
            .sum();
        let largest = kept
            .iter()
            .map(|&index| contributions[index].1.abs())
            .fold(0.0_f64, f64::max);
        let plot_width = Self::WIDTH - Self::LABEL_WIDTH - Self::VALUE_WIDTH;
        let axis = Self::LABEL_WIDTH + plot_width / 2.0;
        let scale = if largest > 0.0 {
            (plot_width / 2.0) / largest
        } else {
            0.0
        };
        let bars = kept
            .into_iter()
            .map(|index| {
                let (name, contribution) = &contributions[index];
                let width = contribution.abs() * scale;
                let x = if *contribution >= 0.0 {
                    axis
                } else {
                    axis - width
                };
                ContributionBar {
                    name: name.clone(),
                    contribution: *contribution,
                    x,
                    width,
                }
            })
            .collect();
        ContributionLayout { bars, axis, rest }
    }
}
