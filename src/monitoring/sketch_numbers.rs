//! An input sketch as a flat list of numbers, the way the Web Worker hands a scored chunk's
//! sketch to the page: beside the chunk's other numbers in the message's float array, not as JSON
//! in its header. JSON text of a few thousand counts per chunk cost both sides parsing time, and
//! serde's code for the nested sketch types cost the worker's wasm about 30 KB, which a static
//! Space's 1 MB limit for a binary file without LFS cannot spare (docs/monitoring.md).
//!
//! The layout, every count an integral `f64` (exact below 2^53):
//! `rows`, the prediction's counts, the feature count, then per feature a tag and its counts:
//! `0` numerical (its counts), `1` categorical (`missing`, the number of categories, then per
//! category its code and its count), `2` unbinned (`present`, `missing`). A numerical part is
//! `bins`, the bins' counts, `below.count`, `below.sum`, `above.count`, `above.sum`, `missing`,
//! `sum`, `sum_of_squares`. The bins' fingerprint travels apart (a string).

use std::collections::BTreeMap;

use super::distribution::TailSummary;
use super::sketch::{category_key, BinCounts, FeatureSketch, InputSketch};

/// Numbers that are not a sketch in the layout above.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SketchNumbersError {
    #[error("the sketch's numbers end early (at number {at})")]
    EndsEarly { at: usize },
    #[error("number {at} of the sketch should be a count and is {value}")]
    NotACount { at: usize, value: String },
    #[error("number {at} of the sketch is a feature tag it does not know ({value})")]
    UnknownTag { at: usize, value: String },
    #[error("the sketch's numbers go on after its end ({extra} more)")]
    TrailingNumbers { extra: usize },
}

const NUMERICAL: f64 = 0.0;
const CATEGORICAL: f64 = 1.0;
const UNBINNED: f64 = 2.0;

impl InputSketch {
    /// Appends the sketch to `out` in the layout of the module doc.
    pub fn write_numbers(&self, out: &mut Vec<f64>) {
        out.push(self.rows as f64);
        write_bin_counts(&self.prediction, out);
        out.push(self.features.len() as f64);
        for feature in &self.features {
            match feature {
                FeatureSketch::Numerical(counts) => {
                    out.push(NUMERICAL);
                    write_bin_counts(counts, out);
                }
                FeatureSketch::Categorical { counts, missing } => {
                    out.push(CATEGORICAL);
                    out.push(*missing as f64);
                    out.push(counts.len() as f64);
                    for (category, &count) in counts {
                        // Keys are `category_key`s of finite numbers, which read back as them.
                        out.push(category.parse::<f64>().unwrap_or(f64::NAN));
                        out.push(count as f64);
                    }
                }
                FeatureSketch::Unbinned { present, missing } => {
                    out.push(UNBINNED);
                    out.push(*present as f64);
                    out.push(*missing as f64);
                }
            }
        }
    }

    /// The sketch `write_numbers` wrote, on the bins whose fingerprint is `bins`.
    pub fn from_numbers(bins: String, numbers: &[f64]) -> Result<InputSketch, SketchNumbersError> {
        let mut reader = Reader { numbers, at: 0 };
        let rows = reader.count()?;
        let prediction = reader.bin_counts()?;
        let features = reader.length()?;
        let mut sketch = InputSketch {
            bins,
            rows,
            features: Vec::new(),
            prediction,
        };
        for _ in 0..features {
            let at = reader.at;
            let tag = reader.number()?;
            let feature = if tag == NUMERICAL {
                FeatureSketch::Numerical(reader.bin_counts()?)
            } else if tag == CATEGORICAL {
                let missing = reader.count()?;
                let categories = reader.length()?;
                let mut counts = BTreeMap::new();
                for _ in 0..categories {
                    let code_at = reader.at;
                    let code = reader.number()?;
                    if !code.is_finite() {
                        return Err(SketchNumbersError::NotACount {
                            at: code_at,
                            value: code.to_string(),
                        });
                    }
                    *counts.entry(category_key(code)).or_default() += reader.count()?;
                }
                FeatureSketch::Categorical { counts, missing }
            } else if tag == UNBINNED {
                FeatureSketch::Unbinned {
                    present: reader.count()?,
                    missing: reader.count()?,
                }
            } else {
                return Err(SketchNumbersError::UnknownTag {
                    at,
                    value: tag.to_string(),
                });
            };
            sketch.features.push(feature);
        }
        if reader.at != numbers.len() {
            return Err(SketchNumbersError::TrailingNumbers {
                extra: numbers.len() - reader.at,
            });
        }
        Ok(sketch)
    }
}

fn write_bin_counts(counts: &BinCounts, out: &mut Vec<f64>) {
    out.push(counts.counts.len() as f64);
    out.extend(counts.counts.iter().map(|&count| count as f64));
    out.extend([
        counts.below.count as f64,
        counts.below.sum,
        counts.above.count as f64,
        counts.above.sum,
        counts.missing as f64,
        counts.sum,
        counts.sum_of_squares,
    ]);
}

/// Reads the numbers in order, saying where a bad one is.
struct Reader<'a> {
    numbers: &'a [f64],
    at: usize,
}

impl Reader<'_> {
    fn number(&mut self) -> Result<f64, SketchNumbersError> {
        let value = *self
            .numbers
            .get(self.at)
            .ok_or(SketchNumbersError::EndsEarly { at: self.at })?;
        self.at += 1;
        Ok(value)
    }

    /// A count: a whole number from 0 to 2^53.
    fn count(&mut self) -> Result<u64, SketchNumbersError> {
        let at = self.at;
        let value = self.number()?;
        if value.fract() == 0.0 && (0.0..=9_007_199_254_740_992.0).contains(&value) {
            Ok(value as u64)
        } else {
            Err(SketchNumbersError::NotACount {
                at,
                value: value.to_string(),
            })
        }
    }

    /// A count of items still to read: no more than the numbers left (a corrupt length must
    /// not make a reader allocate for it).
    fn length(&mut self) -> Result<usize, SketchNumbersError> {
        let at = self.at;
        let length = self.count()?;
        if length > (self.numbers.len() - self.at) as u64 {
            return Err(SketchNumbersError::EndsEarly { at });
        }
        Ok(length as usize)
    }

    fn bin_counts(&mut self) -> Result<BinCounts, SketchNumbersError> {
        let bins = self.length()?;
        let mut counts = Vec::with_capacity(bins);
        for _ in 0..bins {
            counts.push(self.count()?);
        }
        Ok(BinCounts {
            counts,
            below: TailSummary {
                count: self.count()?,
                sum: self.number()?,
            },
            above: TailSummary {
                count: self.count()?,
                sum: self.number()?,
            },
            missing: self.count()?,
            sum: self.number()?,
            sum_of_squares: self.number()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin_counts(counts: Vec<u64>) -> BinCounts {
        BinCounts {
            counts,
            below: TailSummary {
                count: 2,
                sum: -3.5,
            },
            above: TailSummary {
                count: 1,
                sum: 1e300,
            },
            missing: 4,
            sum: 0.1 + 0.2,
            sum_of_squares: 7.25,
        }
    }

    fn sketch() -> InputSketch {
        let mut categories = BTreeMap::new();
        categories.insert(category_key(24.0), 3);
        categories.insert(category_key(-1.0), 1);
        categories.insert(category_key(2.5), 9);
        InputSketch {
            bins: "bins-1".into(),
            rows: 17,
            features: vec![
                FeatureSketch::Numerical(bin_counts(vec![0, 5, 1 << 40])),
                FeatureSketch::Categorical {
                    counts: categories,
                    missing: 2,
                },
                FeatureSketch::Unbinned {
                    present: 15,
                    missing: 2,
                },
                FeatureSketch::Numerical(bin_counts(Vec::new())),
            ],
            prediction: bin_counts(vec![3, 0, 14]),
        }
    }

    #[test]
    fn a_sketch_reads_back_from_its_numbers_with_every_count_and_sum() {
        let sketch = sketch();
        let mut numbers = vec![42.0];
        sketch.write_numbers(&mut numbers);
        let back = InputSketch::from_numbers("bins-1".into(), &numbers[1..]).unwrap();
        assert_eq!(back, sketch);
        assert_eq!(back.prediction.sum.to_bits(), (0.1f64 + 0.2).to_bits());
    }

    #[test]
    fn numbers_cut_short_or_with_extra_ones_are_refused() {
        let mut numbers = Vec::new();
        sketch().write_numbers(&mut numbers);
        for cut in [0, 1, numbers.len() / 2, numbers.len() - 1] {
            assert!(
                matches!(
                    InputSketch::from_numbers("b".into(), &numbers[..cut]),
                    Err(SketchNumbersError::EndsEarly { .. })
                ),
                "cut at {cut}"
            );
        }
        numbers.push(0.0);
        assert_eq!(
            InputSketch::from_numbers("b".into(), &numbers),
            Err(SketchNumbersError::TrailingNumbers { extra: 1 })
        );
    }

    #[test]
    fn a_count_that_is_not_whole_or_a_tag_it_does_not_know_is_named_by_position() {
        let mut numbers = Vec::new();
        sketch().write_numbers(&mut numbers);
        let mut fractional_rows = numbers.clone();
        fractional_rows[0] = 1.5;
        assert_eq!(
            InputSketch::from_numbers("b".into(), &fractional_rows),
            Err(SketchNumbersError::NotACount {
                at: 0,
                value: "1.5".into()
            })
        );
        // The first feature's tag follows rows, the prediction (3 bins + 7) and the count.
        let tag_at = 1 + 1 + 3 + 7 + 1;
        let mut bad_tag = numbers.clone();
        bad_tag[tag_at] = 7.0;
        assert_eq!(
            InputSketch::from_numbers("b".into(), &bad_tag),
            Err(SketchNumbersError::UnknownTag {
                at: tag_at,
                value: "7".into()
            })
        );
        let mut huge_length = numbers;
        huge_length[1] = 1e12;
        assert!(matches!(
            InputSketch::from_numbers("b".into(), &huge_length),
            Err(SketchNumbersError::EndsEarly { at: 1 })
        ));
    }
}
