//! How a threshold trades precision for recall on labelled rows: the confusion matrix at any
//! threshold, the precision-recall curve, F1 against the threshold and the ROC AUC. The scores
//! are sorted once; every later question is a binary search, so moving a threshold over a
//! million rows costs nothing.
//!
//! Up to `EXACT_LABELLED_ROWS` labelled rows are kept one by one and every answer is exact.
//! Past that (a file can hold many millions), memory must not grow with the file: the rows are
//! counted in `SCORE_BINS` probability bins instead (`ScoreBins`, a fixed 160 KB), whose edges
//! are the thresholds k / `SCORE_BINS`; at those thresholds (every threshold of four decimals or
//! fewer, the F1 grid's among them) the confusion matrix is still exact, elsewhere it is that of
//! the next edge up, and the AUC counts the rows of one bin as ties. `LabelledMetrics` is
//! either, and says which (`Method`).

/// Counts at one threshold (predicted positive = probability >= threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Confusion {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub true_negatives: usize,
}

impl Confusion {
    /// TP / (TP + FP); none when nothing is predicted positive.
    pub fn precision(&self) -> Option<f64> {
        let predicted = self.true_positives + self.false_positives;
        (predicted > 0).then(|| self.true_positives as f64 / predicted as f64)
    }

    /// TP / (TP + FN); none when nothing is really positive.
    pub fn recall(&self) -> Option<f64> {
        let actual = self.true_positives + self.false_negatives;
        (actual > 0).then(|| self.true_positives as f64 / actual as f64)
    }

    /// 2 TP / (2 TP + FP + FN); none when there is neither a prediction nor a positive.
    pub fn f1(&self) -> Option<f64> {
        let denominator = 2 * self.true_positives + self.false_positives + self.false_negatives;
        (denominator > 0).then(|| 2.0 * self.true_positives as f64 / denominator as f64)
    }

    pub fn total(&self) -> usize {
        self.true_positives + self.false_positives + self.false_negatives + self.true_negatives
    }

    /// Counts one labelled row, predicted positive or not.
    pub fn add(&mut self, predicted: bool, label: bool) {
        match (predicted, label) {
            (true, true) => self.true_positives += 1,
            (true, false) => self.false_positives += 1,
            (false, true) => self.false_negatives += 1,
            (false, false) => self.true_negatives += 1,
        }
    }

    /// The counts of two parts of the same rows, together.
    pub fn merge(&mut self, other: &Confusion) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
        self.true_negatives += other.true_negatives;
    }
}

/// Labelled rows kept one by one, for exact metrics; past this many, `ScoreBins` (16 MB of
/// pairs at most, in the worker and again on the page).
pub const EXACT_LABELLED_ROWS: usize = 1_000_000;
/// Probability bins of `ScoreBins`: bin k holds k / SCORE_BINS <= p < (k + 1) / SCORE_BINS, and
/// the last one p = 1.
pub const SCORE_BINS: usize = 10_000;

/// Labelled rows counted by probability bin: positives and negatives per bin.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScoreBins {
    positives: Vec<u64>,
    negatives: Vec<u64>,
}

impl Default for ScoreBins {
    fn default() -> Self {
        ScoreBins {
            positives: vec![0; SCORE_BINS + 1],
            negatives: vec![0; SCORE_BINS + 1],
        }
    }
}

/// Threshold at bin edge `k` (a division is correctly rounded, so `k / SCORE_BINS` is the very
/// number `0.25` or `step / 100` is for the same fraction).
fn edge(k: usize) -> f64 {
    k as f64 / SCORE_BINS as f64
}

impl ScoreBins {
    /// The bin of `probability` (clamped into 0..=1): the last edge at or below it.
    pub fn bin_of(probability: f64) -> usize {
        let p = probability.clamp(0.0, 1.0);
        let mut k = ((p * SCORE_BINS as f64) as usize).min(SCORE_BINS);
        while k > 0 && edge(k) > p {
            k -= 1;
        }
        while k < SCORE_BINS && edge(k + 1) <= p {
            k += 1;
        }
        k
    }

    pub fn add(&mut self, probability: f64, label: bool) {
        let bin = ScoreBins::bin_of(probability);
        if label {
            self.positives[bin] += 1;
        } else {
            self.negatives[bin] += 1;
        }
    }

    pub fn merge(&mut self, other: &ScoreBins) {
        for (mine, theirs) in [
            (&mut self.positives, &other.positives),
            (&mut self.negatives, &other.negatives),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                *a += b;
            }
        }
    }

    pub fn len(&self) -> usize {
        (self.positives.iter().sum::<u64>() + self.negatives.iter().sum::<u64>()) as usize
    }

    /// Each bin with rows: its lower edge, its upper edge (the last bin, p = 1, is 1 to 1), and
    /// its positives and negatives.
    pub fn counted_bins(&self) -> impl Iterator<Item = (f64, f64, u64, u64)> + '_ {
        (0..=SCORE_BINS).filter_map(|bin| {
            let (p, n) = (self.positives[bin], self.negatives[bin]);
            (p + n > 0).then(|| (edge(bin), edge((bin + 1).min(SCORE_BINS)), p, n))
        })
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn positives(&self) -> usize {
        self.positives.iter().sum::<u64>() as usize
    }

    /// The first bin counted as predicted positive at `threshold`: the first edge at or above it.
    fn first_bin_at(threshold: f64) -> usize {
        if threshold <= 0.0 {
            return 0;
        }
        if threshold > 1.0 {
            return SCORE_BINS + 1;
        }
        let bin = ScoreBins::bin_of(threshold);
        if edge(bin) == threshold {
            bin
        } else {
            bin + 1
        }
    }

    /// Whether `confusion_at(threshold)` is exact: the threshold is a bin edge (or outside 0..1).
    pub fn is_exact_at(threshold: f64) -> bool {
        !(0.0..=1.0).contains(&threshold) || edge(ScoreBins::bin_of(threshold)) == threshold
    }

    /// The confusion matrix at `threshold`, exactly when it is a bin edge, else at the next edge.
    pub fn confusion_at(&self, threshold: f64) -> Confusion {
        let first = ScoreBins::first_bin_at(threshold).min(SCORE_BINS + 1);
        let sum = |counts: &[u64]| counts.iter().sum::<u64>() as usize;
        let true_positives = sum(&self.positives[first..]);
        let false_positives = sum(&self.negatives[first..]);
        let false_negatives = sum(&self.positives[..first]);
        let true_negatives = sum(&self.negatives[..first]);
        Confusion {
            true_positives,
            false_positives,
            false_negatives,
            true_negatives,
        }
    }

    /// The precision-recall curve at each bin edge that has rows, from the highest down.
    pub fn pr_curve(&self, max_points: usize) -> Vec<CurvePoint> {
        let total_positives = self.positives();
        let mut points = Vec::new();
        let (mut tp, mut fp) = (0usize, 0usize);
        for bin in (0..=SCORE_BINS).rev() {
            let (p, n) = (self.positives[bin] as usize, self.negatives[bin] as usize);
            if p + n == 0 {
                continue;
            }
            tp += p;
            fp += n;
            points.push(CurvePoint {
                threshold: edge(bin),
                precision: tp as f64 / (tp + fp) as f64,
                recall: if total_positives > 0 {
                    tp as f64 / total_positives as f64
                } else {
                    0.0
                },
            });
        }
        thin(points, max_points)
    }

    /// F1 at the thresholds 0, 1/steps, …, 1 (bin edges for any `steps` dividing `SCORE_BINS`).
    pub fn f1_by_threshold(&self, steps: usize) -> Vec<(f64, Option<f64>)> {
        let steps = steps.max(1);
        (0..=steps)
            .map(|step| {
                let threshold = step as f64 / steps as f64;
                (threshold, self.confusion_at(threshold).f1())
            })
            .collect()
    }

    /// ROC AUC, the rows of one bin counted as ties (half); none without both classes.
    pub fn auc(&self) -> Option<f64> {
        let (positives, negatives) = (
            self.positives.iter().sum::<u64>() as f64,
            self.negatives.iter().sum::<u64>() as f64,
        );
        if positives == 0.0 || negatives == 0.0 {
            return None;
        }
        let mut negatives_below = 0.0;
        let mut wins = 0.0;
        for bin in 0..=SCORE_BINS {
            let (p, n) = (self.positives[bin] as f64, self.negatives[bin] as f64);
            wins += p * (negatives_below + n / 2.0);
            negatives_below += n;
        }
        Some(wins / (positives * negatives))
    }
}

/// How `LabelledMetrics` answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// From every labelled row.
    Exact,
    /// From `ScoreBins`.
    Binned,
}

/// The labelled rows' metrics, exact or from bins (see the module's doc).
#[derive(Debug, Clone)]
pub enum LabelledMetrics {
    Exact(LabelledScores),
    Binned {
        bins: ScoreBins,
        /// Counted row by row at the model's threshold, so the model's own figures stay exact
        /// whatever the threshold.
        at_model: Confusion,
        model_threshold: f64,
    },
}

impl LabelledMetrics {
    pub fn method(&self) -> Method {
        match self {
            LabelledMetrics::Exact(_) => Method::Exact,
            LabelledMetrics::Binned { .. } => Method::Binned,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            LabelledMetrics::Exact(scores) => scores.len(),
            LabelledMetrics::Binned { bins, .. } => bins.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn positives(&self) -> usize {
        match self {
            LabelledMetrics::Exact(scores) => scores.positives(),
            LabelledMetrics::Binned { bins, .. } => bins.positives(),
        }
    }

    pub fn confusion_at(&self, threshold: f64) -> Confusion {
        match self {
            LabelledMetrics::Exact(scores) => scores.confusion_at(threshold),
            LabelledMetrics::Binned {
                at_model,
                model_threshold,
                ..
            } if threshold == *model_threshold => *at_model,
            LabelledMetrics::Binned { bins, .. } => bins.confusion_at(threshold),
        }
    }

    /// Whether `confusion_at(threshold)` is exact.
    pub fn is_exact_at(&self, threshold: f64) -> bool {
        match self {
            LabelledMetrics::Exact(_) => true,
            LabelledMetrics::Binned {
                model_threshold, ..
            } => threshold == *model_threshold || ScoreBins::is_exact_at(threshold),
        }
    }

    pub fn auc(&self) -> Option<f64> {
        match self {
            LabelledMetrics::Exact(scores) => scores.auc(),
            LabelledMetrics::Binned { bins, .. } => bins.auc(),
        }
    }
}

/// Points kept on the precision-recall curve the Batch page draws.
pub const PR_CURVE_POINTS: usize = 200;
/// Steps of the F1-versus-threshold grid the Batch page draws.
pub const F1_STEPS: usize = 100;

/// One point of a curve: the threshold and the precision and recall there.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CurvePoint {
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
}

/// Probabilities with their true labels, sorted from the highest probability down.
#[derive(Debug, Clone, Default)]
pub struct LabelledScores {
    /// Probabilities, highest first.
    probabilities: Vec<f64>,
    /// `positives_before[k]` = positives among the first `k` scores.
    positives_before: Vec<u32>,
}

impl LabelledScores {
    /// Sorts `(probability, label)` pairs.
    pub fn new(mut pairs: Vec<(f64, bool)>) -> LabelledScores {
        sort_highest_first(&mut pairs);
        LabelledScores::from_sorted(pairs)
    }

    /// From pairs already sorted highest probability first (`sort_highest_first`), in one pass,
    /// so the side that receives them (the Batch page) has no sort to do; pairs in another order
    /// are sorted first, so the result is always that of `new`.
    pub fn from_sorted(mut pairs: Vec<(f64, bool)>) -> LabelledScores {
        if !pairs.is_sorted_by(|a, b| a.0.total_cmp(&b.0).is_ge()) {
            sort_highest_first(&mut pairs);
        }
        let mut positives_before = Vec::with_capacity(pairs.len() + 1);
        let mut count = 0u32;
        positives_before.push(0);
        for &(_, label) in &pairs {
            count += u32::from(label);
            positives_before.push(count);
        }
        LabelledScores {
            probabilities: pairs
                .into_iter()
                .map(|(probability, _)| probability)
                .collect(),
            positives_before,
        }
    }

    /// The sorted pairs back (what `from_sorted` was given, sorted), taking the scores apart.
    pub fn into_pairs(self) -> Vec<(f64, bool)> {
        self.probabilities
            .into_iter()
            .zip(self.positives_before.windows(2))
            .map(|(probability, counts)| (probability, counts[1] > counts[0]))
            .collect()
    }

    pub fn len(&self) -> usize {
        self.probabilities.len()
    }

    /// Every (probability, label), highest probability first.
    pub fn pairs(&self) -> impl Iterator<Item = (f64, bool)> + '_ {
        self.probabilities
            .iter()
            .zip(self.positives_before.windows(2))
            .map(|(&probability, counts)| (probability, counts[1] > counts[0]))
    }

    pub fn is_empty(&self) -> bool {
        self.probabilities.is_empty()
    }

    /// Really positive rows.
    pub fn positives(&self) -> usize {
        self.positives_before.last().copied().unwrap_or(0) as usize
    }

    fn confusion_of_top(&self, predicted: usize) -> Confusion {
        let true_positives = self.positives_before[predicted] as usize;
        let false_positives = predicted - true_positives;
        let false_negatives = self.positives() - true_positives;
        Confusion {
            true_positives,
            false_positives,
            false_negatives,
            true_negatives: self.len() - predicted - false_negatives,
        }
    }

    /// The confusion matrix when `probability >= threshold` is predicted positive.
    pub fn confusion_at(&self, threshold: f64) -> Confusion {
        let predicted = self
            .probabilities
            .partition_point(|&probability| probability >= threshold);
        self.confusion_of_top(predicted)
    }

    /// The precision-recall curve: one point per distinct probability, taken as the threshold,
    /// from the highest threshold (lowest recall) down. With more than `max_points` distinct
    /// probabilities, evenly spaced ones are kept, always with the last (recall 1).
    pub fn pr_curve(&self, max_points: usize) -> Vec<CurvePoint> {
        let mut points = Vec::new();
        for end in 1..=self.len() {
            let threshold = self.probabilities[end - 1];
            if end < self.len() && self.probabilities[end] == threshold {
                continue;
            }
            let confusion = self.confusion_of_top(end);
            points.push(CurvePoint {
                threshold,
                precision: confusion.precision().unwrap_or(1.0),
                recall: confusion.recall().unwrap_or(0.0),
            });
        }
        thin(points, max_points)
    }

    /// ROC AUC: the chance that a random positive row scores above a random negative one (ties
    /// count half); none without both classes.
    pub fn auc(&self) -> Option<f64> {
        let positives = self.positives() as f64;
        let negatives = (self.len() - self.positives()) as f64;
        if positives == 0.0 || negatives == 0.0 {
            return None;
        }
        // Walking from the lowest probability up: each group of equal probabilities wins over
        // the negatives below it and ties with its own.
        let mut negatives_below = 0.0;
        let mut wins = 0.0;
        let mut end = self.len();
        while end > 0 {
            let probability = self.probabilities[end - 1];
            let start = self.probabilities[..end].partition_point(|&p| p > probability);
            let group_positives =
                (self.positives_before[end] - self.positives_before[start]) as f64;
            let group_negatives = (end - start) as f64 - group_positives;
            wins += group_positives * (negatives_below + group_negatives / 2.0);
            negatives_below += group_negatives;
            end = start;
        }
        Some(wins / (positives * negatives))
    }

    /// F1 at the thresholds 0, 1/steps, 2/steps, …, 1 (none where F1 is undefined).
    pub fn f1_by_threshold(&self, steps: usize) -> Vec<(f64, Option<f64>)> {
        let steps = steps.max(1);
        (0..=steps)
            .map(|step| {
                let threshold = step as f64 / steps as f64;
                (threshold, self.confusion_at(threshold).f1())
            })
            .collect()
    }
}

/// Sorts `(probability, label)` pairs from the highest probability down, as `LabelledScores`
/// keeps them. The order among equal probabilities is left open: every threshold question counts
/// all rows of a probability together, so it changes no answer.
pub fn sort_highest_first(pairs: &mut [(f64, bool)]) {
    pairs.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
}

/// Keeps at most `max_points` of `points`, evenly spaced, always with the first and last.
fn thin<T: Copy>(points: Vec<T>, max_points: usize) -> Vec<T> {
    if points.len() <= max_points || max_points < 2 {
        return points;
    }
    let last = points.len() - 1;
    (0..max_points)
        .map(|k| points[k * last / (max_points - 1)])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thinning_keeps_both_ends_evenly() {
        let points: Vec<usize> = (0..11).collect();
        assert_eq!(thin(points, 3), vec![0, 5, 10]);
    }

    #[test]
    fn scores_give_back_the_sorted_pairs_they_were_made_from() {
        let pairs = vec![
            (0.9, true),
            (0.7, false),
            (0.7, true),
            (0.2, false),
            (0.1, true),
        ];
        assert_eq!(
            LabelledScores::from_sorted(pairs.clone()).into_pairs(),
            pairs
        );
        let unsorted = vec![(0.2, false), (0.9, true)];
        assert_eq!(
            LabelledScores::from_sorted(unsorted).into_pairs(),
            vec![(0.9, true), (0.2, false)]
        );
    }
}
