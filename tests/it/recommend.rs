//! `recommend`, the one pipeline behind the Demo page and the order-history upload, on the
//! committed data (assets/catalog.json, assets/demo_users.json, assets/model.json): the ranking
//! and its ties, the threshold basket, the expected-F1 basket against a brute-force expected F1,
//! the metrics against a true basket worked out by hand, and every row equal to what the model
//! gives for that candidate's features.

use instacart_reorder::batch::Confusion;
use instacart_reorder::features::{candidates, Catalog, DemoUsers, ModelColumns, UserHistory};
use instacart_reorder::model::Model;
use instacart_reorder::order_history::recommend::{expected_f1_basket, recommend, Recommendation};

fn read(path: &str) -> String {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|error| panic!("cannot read {full}: {error}"))
}

struct Assets {
    catalog: Catalog,
    users: Vec<UserHistory>,
    model: Model,
}

fn assets() -> Assets {
    Assets {
        catalog: Catalog::from_json(&read("assets/catalog.json")).expect("catalog"),
        users: DemoUsers::from_json(&read("assets/demo_users.json"))
            .expect("demo users")
            .users,
        model: Model::from_bundle_json(&read("assets/model.json")).expect("bundle"),
    }
}

fn recommend_all(assets: &Assets) -> Vec<Recommendation> {
    assets
        .users
        .iter()
        .map(|user| recommend(user, &assets.catalog, &assets.model).expect("ranks"))
        .collect()
}

/// Expected F1 of taking the top `k` products, by enumerating every possible real basket
/// (independent of the dynamic programme in `expected_f1_basket`).
fn brute_force_expected_f1(probabilities: &[f64], k: usize) -> f64 {
    let n = probabilities.len();
    let mut expected = 0.0;
    for outcome in 0u32..(1 << n) {
        let mut mass = 1.0;
        for (index, p) in probabilities.iter().enumerate() {
            mass *= if outcome & (1 << index) != 0 {
                *p
            } else {
                1.0 - p
            };
        }
        let actual = outcome.count_ones() as usize;
        let hits = (0..k).filter(|index| outcome & (1 << index) != 0).count();
        let f1 = if k == 0 && actual == 0 {
            1.0
        } else {
            2.0 * hits as f64 / (k + actual) as f64
        };
        expected += mass * f1;
    }
    expected
}

#[test]
fn candidates_are_ranked_by_probability_then_product_id() {
    let assets = assets();
    let mut ties = 0;
    for recommendation in recommend_all(&assets) {
        assert!(!recommendation.ranked.is_empty());
        for pair in recommendation.ranked.windows(2) {
            assert!(
                pair[0].probability >= pair[1].probability,
                "user {}: {} before {}",
                recommendation.user_id,
                pair[0].probability,
                pair[1].probability
            );
            if pair[0].probability == pair[1].probability {
                ties += 1;
                assert!(pair[0].product_id < pair[1].product_id);
            }
        }
    }
    // The rule for ties is exercised by the data, not only stated.
    assert!(ties > 0, "no tied probabilities among the demo shoppers");
}

#[test]
fn the_threshold_basket_is_every_candidate_at_or_above_the_threshold() {
    let assets = assets();
    let threshold = assets.model.threshold();
    let mut baskets = 0;
    for recommendation in recommend_all(&assets) {
        assert_eq!(recommendation.threshold, threshold);
        let expected: Vec<u64> = recommendation
            .ranked
            .iter()
            .filter(|row| row.probability >= threshold)
            .map(|row| row.product_id)
            .collect();
        let basket: Vec<u64> = recommendation
            .threshold_basket()
            .iter()
            .map(|row| row.product_id)
            .collect();
        assert_eq!(basket, expected, "user {}", recommendation.user_id);
        for row in &recommendation.ranked {
            assert_eq!(row.is_reorder, row.probability >= threshold);
        }
        baskets += usize::from(!basket.is_empty());
    }
    assert!(
        baskets > 0,
        "no demo shopper has a non-empty threshold basket"
    );
}

#[test]
fn the_expected_f1_basket_is_the_brute_force_optimum() {
    let assets = assets();
    let mut checked = 0;
    for recommendation in recommend_all(&assets) {
        let probabilities: Vec<f64> = recommendation
            .ranked
            .iter()
            .map(|row| row.probability)
            .collect();
        // Every real basket of up to 14 candidates is enumerated; longer rankings are checked
        // on their 14 most likely candidates through the same function.
        let checked_probabilities = &probabilities[..probabilities.len().min(14)];
        let by_k: Vec<f64> = (0..=checked_probabilities.len())
            .map(|k| brute_force_expected_f1(checked_probabilities, k))
            .collect();
        let best = by_k.iter().copied().fold(f64::MIN, f64::max);
        let (k, expected) = if checked_probabilities.len() == probabilities.len() {
            (recommendation.f1_count, recommendation.expected_f1)
        } else {
            expected_f1_basket(checked_probabilities)
        };
        assert!(
            (expected - best).abs() < 1e-9,
            "user {}: {expected} vs {best}",
            recommendation.user_id
        );
        assert!((by_k[k] - best).abs() < 1e-9);
        // Ties go to the smaller basket.
        assert!(by_k[..k].iter().all(|value| *value < best - 1e-12));
        assert_eq!(
            recommendation.f1_basket().len(),
            recommendation.f1_count,
            "the basket is the first f1_count candidates"
        );
        checked += 1;
    }
    assert_eq!(checked, assets.users.len());
}

#[test]
fn expected_f1_basket_worked_by_hand() {
    // One product at 0.6: empty basket scores P(none) = 0.4; taking it scores 0.6.
    assert_eq!(expected_f1_basket(&[0.6]), (1, 0.6));
    // At 0.5 both are 0.5: the tie goes to the empty basket.
    assert_eq!(expected_f1_basket(&[0.5]), (0, 0.5));
    // 0.9 and 0.1: empty 0.1 x 0.9 = 0.09; top 1: 0.9 x 0.9 x 2/2 + 0.9 x 0.1 x 2/3 = 0.87;
    // both: P(1 hit) = 0.82 -> 2/3, P(2) = 0.09 -> 1: 0.6367. Best: top 1, 0.87.
    let (k, expected) = expected_f1_basket(&[0.9, 0.1]);
    assert_eq!(k, 1);
    assert!((expected - 0.87).abs() < 1e-12, "{expected}");
    assert_eq!(expected_f1_basket(&[]), (0, 1.0));
}

#[test]
fn every_row_is_what_the_model_gives_for_that_candidates_features() {
    let assets = assets();
    let columns = ModelColumns::for_model(&assets.model.feature_names()).expect("columns");
    for user in &assets.users {
        let recommendation = recommend(user, &assets.catalog, &assets.model).expect("ranks");
        let found = candidates(user, &assets.catalog).expect("candidates");
        assert_eq!(recommendation.ranked.len(), found.len());
        for row in &recommendation.ranked {
            let candidate = found
                .iter()
                .find(|candidate| candidate.product_id == row.product_id)
                .expect("a candidate");
            let values = columns.row(&candidate.values);
            assert_eq!(row.values.len(), values.len());
            for (got, want) in row.values.iter().zip(&values) {
                assert!(got.to_bits() == want.to_bits(), "{got} vs {want}");
            }
            let probability = assets.model.predict(&values).expect("scores").probability;
            assert_eq!(row.probability.to_bits(), probability.to_bits());
            assert_eq!(row.known, assets.catalog.product(row.product_id).is_some());
            assert_eq!(row.in_true_basket, candidate.label);
        }
    }
}

#[test]
fn metrics_count_the_threshold_basket_against_a_true_basket_worked_by_hand() {
    let assets = assets();
    // The first demo shopper with a threshold basket of 3 or more and a candidate below it.
    let (user, ranked) = assets
        .users
        .iter()
        .find_map(|user| {
            let recommendation = recommend(user, &assets.catalog, &assets.model).ok()?;
            (recommendation.threshold_count >= 3
                && recommendation.ranked.len() > recommendation.threshold_count)
                .then_some((user.clone(), recommendation))
        })
        .expect("a shopper with a threshold basket of 3 or more");
    let predicted = ranked.threshold_count;
    // True basket, by hand: the best-ranked candidate (predicted: a hit), the worst-ranked one
    // (not predicted: a miss) and a product never bought before (not a candidate: not counted).
    let best = ranked.ranked[0].product_id;
    let worst = ranked.ranked[ranked.ranked.len() - 1].product_id;
    let mut user = user;
    user.target.products = Some(vec![best, worst, 999_999_999]);
    let recommendation = recommend(&user, &assets.catalog, &assets.model).expect("ranks");
    let confusion = recommendation.metrics().expect("the true basket is known");
    assert_eq!(
        confusion,
        Confusion {
            true_positives: 1,
            false_positives: predicted - 1,
            false_negatives: 1,
            true_negatives: ranked.ranked.len() - predicted - 1,
        }
    );
    // precision 1/predicted, recall 1/2, F1 = 2 x 1 / (predicted + 2).
    assert_eq!(confusion.precision(), Some(1.0 / predicted as f64));
    assert_eq!(confusion.recall(), Some(0.5));
    assert_eq!(confusion.f1(), Some(2.0 / (predicted + 2) as f64));
    // The ranking does not depend on the true basket.
    assert_eq!(
        recommendation
            .ranked
            .iter()
            .map(|row| (row.product_id, row.probability.to_bits()))
            .collect::<Vec<_>>(),
        ranked
            .ranked
            .iter()
            .map(|row| (row.product_id, row.probability.to_bits()))
            .collect::<Vec<_>>()
    );

    // Without a true basket there is nothing to count.
    user.target.products = None;
    let unknown = recommend(&user, &assets.catalog, &assets.model).expect("ranks");
    assert_eq!(unknown.metrics(), None);
    assert!(unknown
        .ranked
        .iter()
        .all(|row| row.in_true_basket.is_none()));
}

/// E[F1] of the top `k` by the definition, with the two count distributions written out
/// (O(n^2) for one k; independent of the checkpointed dynamic programme).
fn expected_f1_of(probabilities: &[f64], k: usize) -> f64 {
    let distribution = |ps: &[f64]| {
        let mut counts = vec![1.0];
        for &p in ps {
            let mut next = vec![0.0; counts.len() + 1];
            for (count, &mass) in counts.iter().enumerate() {
                next[count] += mass * (1.0 - p);
                next[count + 1] += mass * p;
            }
            counts = next;
        }
        counts
    };
    let hits = distribution(&probabilities[..k]);
    let missed = distribution(&probabilities[k..]);
    if k == 0 {
        return missed[0];
    }
    let mut expected = 0.0;
    for (h, &p_h) in hits.iter().enumerate().skip(1) {
        for (m, &p_m) in missed.iter().enumerate() {
            expected += p_h * p_m * 2.0 * h as f64 / (k + h + m) as f64;
        }
    }
    expected
}

/// Deterministic probabilities, sorted from the highest down.
fn sorted_probabilities(n: usize, seed: u64) -> Vec<f64> {
    let mut state = seed;
    let mut out: Vec<f64> = (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64).powi(3)
        })
        .collect();
    out.sort_by(|a, b| b.total_cmp(a));
    out
}

#[test]
fn the_expected_f1_basket_equals_the_definition_for_every_size() {
    for (n, seed) in [(1, 1), (2, 2), (7, 3), (16, 4), (31, 5), (64, 6), (101, 7)] {
        let probabilities = sorted_probabilities(n, seed);
        let by_k: Vec<f64> = (0..=n).map(|k| expected_f1_of(&probabilities, k)).collect();
        let best = by_k.iter().copied().fold(f64::MIN, f64::max);
        let (k, expected) = expected_f1_basket(&probabilities);
        assert!(
            (expected - best).abs() < 1e-12,
            "n {n}: {expected} vs {best}"
        );
        assert!((by_k[k] - best).abs() < 1e-12, "n {n}: k {k}");
    }
}

#[test]
fn five_thousand_candidates_get_a_locally_best_basket() {
    let probabilities = sorted_probabilities(5_000, 42);
    let (k, expected) = expected_f1_basket(&probabilities);
    assert!(k > 0 && k < probabilities.len());
    let at_k = expected_f1_of(&probabilities, k);
    assert!((expected - at_k).abs() < 1e-12, "{expected} vs {at_k}");
    assert!(expected_f1_of(&probabilities, k - 1) <= expected + 1e-12);
    assert!(expected_f1_of(&probabilities, k + 1) <= expected + 1e-12);
}
