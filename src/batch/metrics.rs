//! How a threshold trades precision for recall on labelled rows: the confusion matrix at any
//! threshold, the precision-recall curve, and F1 against the threshold. The scores are sorted
//! once; every later question is a binary search, so moving a threshold over a million rows
//! costs nothing.

/// Counts at one threshold (predicted positive = probability >= threshold).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
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
