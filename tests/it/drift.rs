//! The drift statistics against Evidently 0.7.23 itself (scripts/fixtures/make_drift_fixtures.py
//! ran its DataDriftPreset and stattest functions on seeded data in tests/fixtures/drift/): the
//! same test chosen per column, the row-level statistics equal to Evidently's to rounding, the
//! aggregate (histogram) forms within 0.01 or 5% with the same verdict away from the threshold,
//! and the same dataset drift share.
//!
//! Where aggregates differ from rows: on 100 equal-width bins over the reference's range, the
//! normed Wasserstein distance sees values as spread evenly inside each bin (a small move, under
//! 2% on these fixtures). The Kolmogorov-Smirnov statistic, on bins at a small reference's own
//! values, can only shrink (by at most 0.01, asserted); its p-value moves much faster than the
//! statistic, so it is held to the verdict only (it moved by up to about 0.05 here).
//! Jensen-Shannon, chi-squared, the Z-test and PSI are exact on categories and on numerical
//! columns whose bins separate their few values. PSI of a column with many values depends on
//! the bins: Evidently bins reference and current together by Sturges' rule, the app the
//! reference's bins, so PSI is compared to Evidently on rows only; on the reference's 100 bins it
//! is larger (more, emptier bins) and its band can differ, which is printed, not asserted.
//! `cargo test --test it drift -- --nocapture` prints every difference.

use std::collections::BTreeSet;
use std::io::Read;

use instacart_reorder::monitoring::special::{
    chi_squared_survival, kolmogorov_survival, ks_two_sample_p_value, normal_cdf,
};
use instacart_reorder::monitoring::statistics::{
    chi_squared_p_value, evidently_binned_counts, jensen_shannon_distance, jensen_shannon_rows,
    ks_p_value_rows, ks_statistic_binned, ks_statistic_rows, population_stability_index,
    psi_binned, psi_rows, wasserstein_normed_binned, wasserstein_normed_rows, z_test_p_value,
};
use instacart_reorder::monitoring::{
    choose_method, column_drift, dataset_drift, CategoryCounts, Distribution, DriftError,
    DriftMethod, DriftVerdict, Histogram, PsiBand, TailSummary,
};
use serde_json::Value;

const BINS: usize = 100;

fn fixture_dir() -> String {
    format!("{}/tests/fixtures/drift", env!("CARGO_MANIFEST_DIR"))
}

fn expected() -> Value {
    let text =
        std::fs::read_to_string(format!("{}/evidently.json", fixture_dir())).expect("fixture");
    serde_json::from_str(&text).expect("json")
}

/// One column of a scenario: raw cells of each side (empty = missing).
struct Column {
    reference: Vec<String>,
    current: Vec<String>,
}

fn read_scenario(file: &str) -> Vec<(String, Column)> {
    let bytes = std::fs::read(format!("{}/{file}", fixture_dir())).expect("data");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("gzip");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let mut columns: Vec<(String, Column)> = headers[1..]
        .iter()
        .map(|name| {
            let column = Column {
                reference: Vec::new(),
                current: Vec::new(),
            };
            (name.clone(), column)
        })
        .collect();
    for record in reader.records() {
        let record = record.expect("row");
        let is_reference = &record[0] == "reference";
        for (index, (_, column)) in columns.iter_mut().enumerate() {
            let cell = record[index + 1].to_owned();
            if is_reference {
                column.reference.push(cell);
            } else {
                column.current.push(cell);
            }
        }
    }
    columns
}

fn numbers(cells: &[String]) -> Vec<f64> {
    cells
        .iter()
        .map(|cell| {
            if cell.is_empty() {
                f64::NAN
            } else {
                cell.parse().expect("number")
            }
        })
        .collect()
}

fn categories(cells: &[String]) -> CategoryCounts {
    CategoryCounts::from_values(
        cells
            .iter()
            .map(|cell| (!cell.is_empty()).then_some(cell.as_str())),
    )
}

fn distinct(column: &Column) -> usize {
    column
        .reference
        .iter()
        .chain(&column.current)
        .filter(|cell| !cell.is_empty())
        .map(|cell| {
            cell.parse::<f64>()
                .map(|v| v.to_bits())
                .unwrap_or_else(|_| hash(cell))
        })
        .collect::<BTreeSet<_>>()
        .len()
}

fn hash(text: &str) -> u64 {
    text.bytes().fold(1469598103934665603, |h, b| {
        (h ^ b as u64).wrapping_mul(1099511628211)
    })
}

fn method_named(name: &str) -> DriftMethod {
    [
        DriftMethod::Wasserstein,
        DriftMethod::JensenShannon,
        DriftMethod::KolmogorovSmirnov,
        DriftMethod::ChiSquared,
        DriftMethod::ZTest,
        DriftMethod::Psi,
    ]
    .into_iter()
    .find(|method| method.evidently_name() == name)
    .unwrap_or_else(|| panic!("unknown method {name}"))
}

fn close(ours: f64, theirs: f64, absolute: f64, relative: f64) -> bool {
    let difference = (ours - theirs).abs();
    difference <= absolute || difference <= relative * theirs.abs()
}

/// Largest absolute and relative differences seen per statistic and form.
#[derive(Default)]
struct Agreement {
    rows: Vec<(String, f64, f64)>,
}

impl Agreement {
    fn note(&mut self, what: &str, ours: f64, theirs: f64) {
        let absolute = (ours - theirs).abs();
        let relative = if theirs != 0.0 {
            absolute / theirs.abs()
        } else {
            0.0
        };
        match self.rows.iter_mut().find(|(name, _, _)| name == what) {
            Some(row) => {
                row.1 = row.1.max(absolute);
                row.2 = row.2.max(relative);
            }
            None => self.rows.push((what.to_owned(), absolute, relative)),
        }
    }

    fn print(&self) {
        for (what, absolute, relative) in &self.rows {
            println!("{what:<40} max abs {absolute:.3e}  max rel {relative:.3e}");
        }
    }
}

#[test]
fn drift_statistics_match_evidently() {
    let expected = expected();
    assert_eq!(expected["evidently"], "0.7.23");
    let mut agreement = Agreement::default();
    for scenario in expected["scenarios"].as_array().expect("scenarios") {
        let name = scenario["name"].as_str().expect("name");
        let columns = read_scenario(scenario["data"].as_str().expect("data"));
        let mut verdicts = Vec::new();
        for (column_name, column) in &columns {
            let theirs = &scenario["columns"][column_name];
            let label = format!("{name}/{column_name}");
            let method = method_named(theirs["method"].as_str().expect("method"));
            let score = theirs["score"].as_f64().expect("score");
            let threshold = theirs["threshold"].as_f64().expect("threshold");
            let drifted = theirs["drifted"].as_bool().expect("drifted");
            let is_categorical = theirs["column_type"] == "cat";
            assert_eq!(method.display_name(), theirs["display_name"], "{label}");
            assert_eq!(method.default_threshold(), threshold, "{label}");

            let distinct_values = distinct(column);
            assert_eq!(
                distinct_values as u64,
                theirs["distinct_values"].as_u64().unwrap(),
                "{label}"
            );
            let (row_score, binned, psi_exact, psi_on_bins) = if is_categorical {
                let (reference, current) =
                    (categories(&column.reference), categories(&column.current));
                let (r, c) = CategoryCounts::aligned(&reference, &current);
                let row_score = match method {
                    DriftMethod::JensenShannon => jensen_shannon_distance(&r, &c),
                    DriftMethod::ChiSquared => chi_squared_p_value(&r, &c),
                    DriftMethod::ZTest => z_test_p_value(&r, &c),
                    other => panic!("{label}: {other:?} on categories"),
                }
                .expect("scores");
                let psi = population_stability_index(&r, &c).expect("psi");
                let reference_rows = reference.present();
                assert_eq!(
                    reference_rows,
                    theirs["reference_rows"].as_u64().unwrap(),
                    "{label}"
                );
                assert_eq!(
                    choose_method(reference_rows, distinct_values, true),
                    Ok(method),
                    "{label}"
                );
                let binned = column_drift(
                    &Distribution::Categorical(reference),
                    &Distribution::Categorical(current),
                    None,
                )
                .expect("verdict");
                (row_score, binned, psi, psi)
            } else {
                let (reference, current) = (numbers(&column.reference), numbers(&column.current));
                let row_score = match method {
                    DriftMethod::Wasserstein => wasserstein_normed_rows(&reference, &current),
                    DriftMethod::KolmogorovSmirnov => ks_p_value_rows(&reference, &current),
                    DriftMethod::JensenShannon => jensen_shannon_rows(&reference, &current),
                    DriftMethod::ChiSquared => {
                        let (r, c) = evidently_binned_counts(&reference, &current).expect("counts");
                        chi_squared_p_value(&r, &c)
                    }
                    DriftMethod::ZTest => {
                        let (r, c) = evidently_binned_counts(&reference, &current).expect("counts");
                        z_test_p_value(&r, &c)
                    }
                    DriftMethod::Psi => unreachable!("not a default"),
                }
                .expect("scores");
                let js = jensen_shannon_rows(&reference, &current).expect("js");
                let their_js = theirs["jensenshannon"].as_f64().expect("js");
                assert!(
                    close(js, their_js, 1e-9, 1e-9),
                    "{label}: JS rows {js} vs {their_js}"
                );
                agreement.note("jensenshannon rows (numerical, own bins)", js, their_js);

                // The K-S p-value moves fast with its statistic: a small reference's own values
                // make the edges; the others get equal-width bins.
                let edges = if method == DriftMethod::KolmogorovSmirnov {
                    Histogram::distinct_value_edges(&reference)
                } else {
                    Histogram::equal_width_edges(&reference, BINS)
                }
                .expect("edges");
                let reference_histogram =
                    Histogram::from_values(&edges, &reference).expect("histogram");
                let current_histogram =
                    Histogram::from_values(&edges, &current).expect("histogram");
                let reference_rows = reference_histogram.present();
                assert_eq!(
                    reference_rows,
                    theirs["reference_rows"].as_u64().unwrap(),
                    "{label}"
                );
                assert_eq!(
                    choose_method(reference_rows, distinct_values, false),
                    Ok(method),
                    "{label}"
                );
                if method == DriftMethod::KolmogorovSmirnov {
                    let rows = ks_statistic_rows(&reference, &current).unwrap();
                    let bins =
                        ks_statistic_binned(&reference_histogram, &current_histogram).unwrap();
                    assert!(
                        bins <= rows + 1e-12,
                        "{label}: binned K-S {bins} over rows {rows}"
                    );
                    assert!(
                        rows - bins <= 0.01,
                        "{label}: binned K-S {bins} vs rows {rows}"
                    );
                    agreement.note("ks statistic binned vs rows", bins, rows);
                }
                let psi = psi_rows(&reference, &current).expect("psi");
                let equal_width = Histogram::equal_width_edges(&reference, BINS).expect("edges");
                let psi_on_bins = psi_binned(
                    &Histogram::from_values(&equal_width, &reference).expect("histogram"),
                    &Histogram::from_values(&equal_width, &current).expect("histogram"),
                )
                .expect("psi");
                let binned = column_drift(
                    &Distribution::Numerical(reference_histogram),
                    &Distribution::Numerical(current_histogram),
                    None,
                )
                .expect("verdict");
                (row_score, binned, psi, psi_on_bins)
            };

            // Row-level: Evidently's own computation.
            assert!(
                close(row_score, score, 1e-9, 1e-9),
                "{label}: {method:?} rows {row_score} vs Evidently {score}"
            );
            agreement.note(
                &format!("{} rows", method.evidently_name()),
                row_score,
                score,
            );
            assert_eq!(
                DriftVerdict::new(method, row_score).drifted,
                drifted,
                "{label}"
            );

            // Aggregates: same method, close score, same verdict away from the threshold.
            assert_eq!(binned.method, method, "{label}");
            // The K-S p-value moves fast with its statistic, which bins can only shrink: its
            // statistic is held to 0.01 (above) and its p-value to the verdict.
            if method != DriftMethod::KolmogorovSmirnov {
                assert!(
                    close(binned.score, score, 0.01, 0.05),
                    "{label}: {method:?} binned {} vs Evidently {score}",
                    binned.score
                );
            }
            agreement.note(
                &format!("{} binned", method.evidently_name()),
                binned.score,
                score,
            );
            if (score - threshold).abs() > 0.1 * threshold {
                assert_eq!(
                    binned.drifted, drifted,
                    "{label}: binned verdict, score {}",
                    binned.score
                );
            }
            verdicts.push(binned);

            let their_psi = theirs["psi"].as_f64().expect("psi");
            assert!(
                close(psi_exact, their_psi, 1e-9, 1e-9),
                "{label}: PSI {psi_exact} vs {their_psi}"
            );
            agreement.note("psi rows (Evidently's bins)", psi_exact, their_psi);
            let few_values = is_categorical || distinct_values <= 5;
            if few_values {
                assert!(
                    close(psi_on_bins, their_psi, 1e-9, 1e-9),
                    "{label}: binned PSI"
                );
                agreement.note("psi binned (few values)", psi_on_bins, their_psi);
            } else {
                agreement.note("psi binned (reference's 100 bins)", psi_on_bins, their_psi);
                println!("{label}: PSI Evidently {their_psi:.4} ({:?}), on reference bins {psi_on_bins:.4} ({:?})", PsiBand::of(their_psi), PsiBand::of(psi_on_bins));
            }
        }
        let summary = dataset_drift(&verdicts, 0.5).expect("dataset drift");
        let their_share = scenario["share_of_drifted_columns"]
            .as_f64()
            .expect("share");
        assert_eq!(summary.share_of_drifted_columns, their_share, "{name}");
        assert_eq!(
            summary.drifted,
            scenario["dataset_drift"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(
            summary.drifted_columns as u64,
            scenario["number_of_drifted_columns"].as_u64().unwrap()
        );
    }
    agreement.print();
}

#[test]
fn drift_method_choice_follows_evidently_defaults() {
    use DriftMethod::*;
    assert_eq!(choose_method(1001, 50, false), Ok(Wasserstein));
    assert_eq!(choose_method(1001, 5, false), Ok(JensenShannon));
    assert_eq!(choose_method(1001, 6, false), Ok(Wasserstein));
    assert_eq!(choose_method(1001, 40, true), Ok(JensenShannon));
    assert_eq!(choose_method(1000, 6, false), Ok(KolmogorovSmirnov));
    assert_eq!(choose_method(1000, 5, false), Ok(ChiSquared));
    assert_eq!(choose_method(1000, 2, false), Ok(ZTest));
    assert_eq!(choose_method(10, 3, true), Ok(ChiSquared));
    assert_eq!(choose_method(10, 2, true), Ok(ZTest));
    assert_eq!(choose_method(10, 1, true), Ok(ZTest));
    assert_eq!(choose_method(0, 3, true), Err(DriftError::EmptyReference));
    // Evidently's comparisons: K-S drifts at p <= threshold, chi-squared and Z only below it.
    assert!(DriftVerdict::new(KolmogorovSmirnov, 0.05).drifted);
    assert!(!DriftVerdict::new(ChiSquared, 0.05).drifted);
    assert!(!DriftVerdict::new(ZTest, 0.05).drifted);
    assert!(DriftVerdict::new(Wasserstein, 0.1).drifted);
    assert!(DriftVerdict::new(JensenShannon, 0.1).drifted);
    assert!(!DriftVerdict::new(JensenShannon, 0.099).drifted);
}

#[test]
fn drift_dataset_share_and_psi_bands() {
    let verdict =
        |drifted| DriftVerdict::new(DriftMethod::Wasserstein, if drifted { 0.5 } else { 0.0 });
    let summary = dataset_drift(&[verdict(true), verdict(false)], 0.5).unwrap();
    assert_eq!(
        (summary.drifted_columns, summary.columns, summary.drifted),
        (1, 2, true)
    );
    let summary = dataset_drift(&[verdict(true), verdict(false), verdict(false)], 0.5).unwrap();
    assert!(!summary.drifted);
    assert_eq!(dataset_drift(&[], 0.5), Err(DriftError::NoColumns));
    assert!(matches!(
        dataset_drift(&[verdict(true)], 0.0),
        Err(DriftError::InvalidShare(_))
    ));
    assert_eq!(PsiBand::of(0.099), PsiBand::Stable);
    assert_eq!(PsiBand::of(0.1), PsiBand::Moderate);
    assert_eq!(PsiBand::of(0.25), PsiBand::Moderate);
    assert_eq!(PsiBand::of(0.2501), PsiBand::Major);
}

#[test]
fn drift_distribution_functions_match_scipy() {
    // Values from scipy 1.17.1 (chi2.sf, norm.cdf, kstwo.sf).
    let close = |ours: f64, theirs: f64, tolerance: f64| {
        (ours - theirs).abs() <= tolerance * theirs.abs().max(1e-300)
    };
    assert!(close(
        chi_squared_survival(3.84, 1.0),
        0.05004352124870519,
        1e-12
    ));
    assert!(close(
        chi_squared_survival(30.0, 4.0),
        4.894437128029217e-06,
        1e-10
    ));
    assert!(close(
        chi_squared_survival(0.5, 3.0),
        0.9188914116546758,
        1e-12
    ));
    assert!(close(normal_cdf(1.96), 0.9750021048517795, 1e-13));
    assert!(close(normal_cdf(-0.3), 0.3820885778110474, 1e-13));
    // Where SciPy's one-sample distribution is exact and so is ours (2 x Smirnov).
    assert!(close(
        kolmogorov_survival(388, 0.1),
        0.0007875543628697684,
        1e-9
    ));
    assert!(close(
        kolmogorov_survival(388, 0.2),
        4.439715008031254e-14,
        1e-9
    ));
    assert!(close(
        kolmogorov_survival(1000, 0.05),
        0.013012074781090332,
        1e-9
    ));
    // Where ours is the corrected limiting distribution: close, not equal.
    for (n, d, scipy) in [
        (388, 0.02, 0.9969851290693945),
        (388, 0.05, 0.27725242132689965),
        (388, 0.07, 0.04251269286158477),
        (100, 0.1, 0.2526927570063874),
        (100, 0.2, 0.0005551927327988775),
        (1000, 0.03, 0.3226902143914636),
    ] {
        let ours = kolmogorov_survival(n, d);
        println!(
            "kstwo.sf({d}, {n}): scipy {scipy}, ours {ours}, diff {:.2e}",
            ours - scipy
        );
        assert!(
            (ours - scipy).abs() < 5e-3,
            "kstwo.sf({d}, {n}) {ours} vs {scipy}"
        );
    }
    assert_eq!(ks_two_sample_p_value(10, 10, 0.0), 1.0);
}

#[test]
fn drift_rejects_bad_input_without_panicking() {
    assert_eq!(
        Histogram::from_values(&[1.0], &[1.0]),
        Err(DriftError::InvalidEdges)
    );
    assert_eq!(
        Histogram::from_values(&[1.0, f64::NAN], &[1.0]),
        Err(DriftError::InvalidEdges)
    );
    assert_eq!(
        Histogram::from_values(&[2.0, 1.0], &[1.0]),
        Err(DriftError::InvalidEdges)
    );
    assert_eq!(
        Histogram::equal_width_edges(&[f64::NAN], 10),
        Err(DriftError::EmptyReference)
    );
    assert!(matches!(
        Histogram::from_parts(
            vec![0.0, 1.0],
            vec![1, 2],
            TailSummary::default(),
            TailSummary::default(),
            0,
            0.0,
            0.0
        ),
        Err(DriftError::CountsDoNotMatchEdges { .. })
    ));
    let a = Histogram::from_values(&[0.0, 1.0, 2.0], &[0.5, 1.5, f64::NAN, f64::INFINITY]).unwrap();
    assert_eq!((a.present(), a.missing()), (2, 2));
    let b = Histogram::from_values(&[0.0, 1.0, 3.0], &[0.5]).unwrap();
    assert_eq!(
        wasserstein_normed_binned(&a, &b),
        Err(DriftError::MismatchedBins)
    );
    let empty = Histogram::from_values(&[0.0, 1.0, 2.0], &[f64::NAN]).unwrap();
    assert_eq!(
        wasserstein_normed_binned(&empty, &a),
        Err(DriftError::EmptyReference)
    );
    assert_eq!(
        wasserstein_normed_binned(&a, &empty),
        Err(DriftError::EmptyCurrent)
    );
    let numerical = Distribution::Numerical(a.clone());
    let categorical = Distribution::Categorical(CategoryCounts::from_values([Some("x")]));
    assert_eq!(
        column_drift(&numerical, &categorical, None),
        Err(DriftError::MismatchedKinds)
    );
    assert_eq!(
        column_drift(&Distribution::Numerical(empty), &numerical, None),
        Err(DriftError::EmptyReference)
    );
    assert_eq!(
        ks_p_value_rows(&[], &[1.0]),
        Err(DriftError::EmptyReference)
    );
    assert_eq!(
        wasserstein_normed_rows(&[1.0], &[f64::NAN]),
        Err(DriftError::EmptyCurrent)
    );
    assert_eq!(
        jensen_shannon_distance(&[1, 2], &[1]),
        Err(DriftError::MismatchedLengths {
            reference: 2,
            current: 1
        })
    );
    assert_eq!(
        z_test_p_value(&[1, 2, 3], &[1, 2, 3]),
        Err(DriftError::NotTwoCategories(3))
    );
    assert_eq!(
        chi_squared_p_value(&[0, 0], &[1, 1]),
        Err(DriftError::EmptyReference)
    );
    // A category the reference never had: chi-squared's statistic is infinite, p-value 0.
    assert_eq!(chi_squared_p_value(&[5, 5, 0], &[5, 5, 1]), Ok(0.0));
}

#[test]
fn drift_binned_wasserstein_is_exact_on_tails_and_point_masses() {
    // Values on bin edges of one bin each side: uniform spreading inside a bin is the only
    // approximation, and a shift that moves every value out of the reference's range is exact.
    let reference: Vec<f64> = (0..1000).map(|i| i as f64 / 1000.0).collect();
    let current: Vec<f64> = reference.iter().map(|v| v + 5.0).collect();
    let edges = Histogram::equal_width_edges(&reference, 50).unwrap();
    let r = Histogram::from_values(&edges, &reference).unwrap();
    let c = Histogram::from_values(&edges, &current).unwrap();
    let rows = wasserstein_normed_rows(&reference, &current).unwrap();
    let binned = wasserstein_normed_binned(&r, &c).unwrap();
    assert!((rows - binned).abs() < 1e-3 * rows, "{rows} vs {binned}");
}
