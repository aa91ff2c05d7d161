"""Trains the next-basket LightGBM model on the Rust feature table and writes the model's
artifacts: model.txt, feature_names.json, best_threshold.txt, metrics.json, reference.csv,
meta.json and the demo user ids (model_card.py writes MODEL_CARD.md from them).

It then trains the personal-history model with the same pipeline, split and parameters on the
features a person's own export can give (groups user, user_product and order_context: the
export's product ids are not the 2017 dataset's, so product, aisle and department statistics
are unknown for it), into MODELS_DIR/personal/ (model.txt, feature_names.json,
best_threshold.txt, meta.json, reference.csv); its metrics go into metrics.json under
`personal`, on the same test users.

Besides the threshold baskets, both models are scored the way the Kaggle competition scored a
basket: each test user's expected-F1 basket (the k most likely candidates for the k that
maximises the expected F1, as `recommend::expected_f1_basket` draws it in the app) against
their true basket, averaged over users (`mean_user_f1_expected_f1_basket`).

Into WORK_DIR it writes the demo user ids (test_user_ids.txt) and the training split's feature
rows (train_features.csv: the rows the main model is fitted on, its features only, in
feature_names.json order, an empty cell for a missing value), from which train.sh's
`reorder reference` makes the drift reference assets/drift_reference.json.

Users are split 70/15/15 by user id with a fixed seed; early stopping and the decision
threshold (argmax F1 with `probability >= threshold`) use the validation users only; every
reported number is on the test users, with 95% bootstrap intervals over users.

Usage: python train.py TABLE_CSV DEFINITIONS_JSON MODELS_DIR WORK_DIR [--categorical NAMES]

--categorical NAMES (comma-separated feature names, e.g. aisle_id,department_id; for experiments,
not used by train.sh) passes those features to lgb.Dataset as `categorical_feature` in every model
that has them (every other parameter unchanged) and records them in metrics.json under
training.categorical_feature. Without it every feature is numeric and the outputs are unchanged.
"""

import hashlib
import json
import os
import sys

import lightgbm as lgb
import numpy as np
import polars as pl

SEED = 20240601
BOOTSTRAP_ROUNDS = 1000
REFERENCE_ROWS = 3000
NAN_HEAVY_ROWS = 500
DEMO_USERS_MAX = 100  # the app ships at most this many test users (the sample has 89)
PARAMS = {
    "objective": "binary",
    "learning_rate": 0.03,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_bin": 255,
    "metric": ["binary_logloss", "auc"],
    "num_threads": 1,
    "deterministic": True,
    "force_col_wise": True,
    "seed": SEED,
    "verbose": -1,
}
MAX_ROUNDS = 3000
EARLY_STOPPING = 100
# The feature groups a person's own export can give (see the module comment).
PERSONAL_GROUPS = ("user", "user_product", "order_context")


def split_users(user_ids):
    users = np.unique(user_ids)
    rng = np.random.default_rng(SEED)
    shuffled = users[rng.permutation(len(users))]
    n_train = int(round(0.70 * len(users)))
    n_valid = int(round(0.15 * len(users)))
    return (np.sort(shuffled[:n_train]), np.sort(shuffled[n_train:n_train + n_valid]),
            np.sort(shuffled[n_train + n_valid:]))


def auc(labels, scores):
    """Mann-Whitney AUC with average ranks for ties."""
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    ranks = np.empty(len(scores))
    start = 0
    while start < len(scores):
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2.0 + 1.0
        start = end + 1
    positives = labels.sum()
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def fast_auc(labels, scores):
    """The same AUC computed with a stable tie-aware rank (used inside the bootstrap)."""
    order = np.argsort(scores, kind="mergesort")
    sorted_scores = scores[order]
    boundaries = np.concatenate(([True], sorted_scores[1:] != sorted_scores[:-1], [True]))
    starts = np.flatnonzero(boundaries)
    group_ranks = (starts[:-1] + starts[1:] - 1) / 2.0 + 1.0
    ranks = np.empty(len(scores))
    ranks[order] = np.repeat(group_ranks, np.diff(starts))
    positives = labels.sum()
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    return float((ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def logloss(labels, probabilities):
    p = np.clip(probabilities, 1e-15, 1 - 1e-15)
    return float(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))


def best_threshold(labels, scores):
    """argmax over t of F1 with the rule score >= t; t is one of the scores."""
    order = np.argsort(-scores, kind="mergesort")
    sorted_scores = scores[order]
    true_positives = np.cumsum(labels[order])
    predicted = np.arange(1, len(scores) + 1)
    last_of_value = np.concatenate((sorted_scores[1:] != sorted_scores[:-1], [True]))
    tp = true_positives[last_of_value]
    pp = predicted[last_of_value]
    f1 = 2 * tp / (pp + labels.sum())
    best = int(np.argmax(f1))
    return float(sorted_scores[last_of_value][best])


def classification(labels, decisions, users):
    tp = float(np.sum(decisions & (labels == 1)))
    predicted = float(decisions.sum())
    actual = float(labels.sum())
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * tp / (predicted + actual) if predicted + actual else 0.0
    return {"f1": f1, "precision": precision, "recall": recall,
            "mean_user_f1": mean_user_f1(labels, decisions, users)}


def mean_user_f1(labels, decisions, users):
    """Mean over users of the F1 of their predicted set vs their true set among candidates
    (1.0 when both are empty)."""
    boundaries = np.flatnonzero(np.concatenate(([True], users[1:] != users[:-1], [True])))
    tp = np.add.reduceat((decisions & (labels == 1)).astype(float), boundaries[:-1])
    predicted = np.add.reduceat(decisions.astype(float), boundaries[:-1])
    actual = np.add.reduceat(labels.astype(float), boundaries[:-1])
    denominator = predicted + actual
    scores = np.where(denominator == 0, 1.0, 2 * tp / np.where(denominator == 0, 1, denominator))
    return float(scores.mean())


def evaluate(labels, scores, threshold, users, probabilities=True):
    decisions = scores >= threshold
    result = {
        "threshold": threshold,
        "auc": fast_auc(labels, scores),
        "logloss": logloss(labels, scores) if probabilities else None,
    }
    result.update(classification(labels, decisions, users))
    return result


def bootstrap(labels, scores, threshold, users, probabilities, rng_seed):
    """95% percentile intervals, resampling test users with replacement."""
    unique_users, starts = np.unique(users, return_index=True)
    ends = np.append(starts[1:], len(users))
    rng = np.random.default_rng(rng_seed)
    keys = ["auc", "logloss", "f1", "precision", "recall", "mean_user_f1"]
    samples = {key: [] for key in keys}
    for _ in range(BOOTSTRAP_ROUNDS):
        chosen = rng.integers(0, len(unique_users), len(unique_users))
        index = np.concatenate([np.arange(starts[c], ends[c]) for c in chosen])
        pseudo_users = np.repeat(np.arange(len(chosen)), ends[chosen] - starts[chosen])
        metrics = evaluate(labels[index], scores[index], threshold, pseudo_users, probabilities)
        for key in keys:
            if metrics[key] is not None:
                samples[key].append(metrics[key])
    return {key: [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]
            for key, values in samples.items() if values}


def expected_f1_basket(probabilities):
    """The basket size k (the k most likely products) that maximises the expected F1 when each
    product is in the real basket independently with its probability; `probabilities` sorted
    from the highest down; an empty basket scores 1 when no product is bought; ties go to the
    smaller basket. The same computation as `recommend::expected_f1_basket` in the app."""
    n = len(probabilities)
    suffix = [None] * (n + 1)
    suffix[n] = np.array([1.0])
    for k in range(n - 1, -1, -1):
        p = probabilities[k]
        following = suffix[k + 1]
        distribution = np.zeros(len(following) + 1)
        distribution[:-1] += following * (1.0 - p)
        distribution[1:] += following * p
        suffix[k] = distribution
    best_k, best = 0, suffix[0][0]
    taken = np.array([1.0])
    for k in range(1, n + 1):
        p = probabilities[k - 1]
        step = np.zeros(len(taken) + 1)
        step[:-1] += taken * (1.0 - p)
        step[1:] += taken * p
        taken = step
        hits = np.arange(1, len(taken))[:, None]
        missed = np.arange(len(suffix[k]))[None, :]
        expected = float(np.sum(taken[1:, None] * suffix[k][None, :] * 2.0 * hits / (k + hits + missed)))
        if expected > best:
            best_k, best = k, expected
    return best_k


def expected_f1_user_scores(labels, scores, users):
    """Each user's F1 of their expected-F1 basket against their true basket among the
    candidates (1.0 when both are empty), in user order. Rows are sorted by user, then product
    id, so a stable sort on the probability ranks ties by increasing product id, as the app."""
    boundaries = np.flatnonzero(np.concatenate(([True], users[1:] != users[:-1], [True])))
    result = []
    for start, end in zip(boundaries[:-1], boundaries[1:]):
        order = np.argsort(-scores[start:end], kind="mergesort")
        ranked_labels = labels[start:end][order]
        k = expected_f1_basket(scores[start:end][order])
        tp = float(ranked_labels[:k].sum())
        actual = float(ranked_labels.sum())
        result.append(1.0 if k + actual == 0 else 2 * tp / (k + actual))
    return np.array(result)


def bootstrap_mean(values, rng_seed):
    """95% percentile interval of the mean of per-user values, resampling users."""
    rng = np.random.default_rng(rng_seed)
    means = [values[rng.integers(0, len(values), len(values))].mean()
             for _ in range(BOOTSTRAP_ROUNDS)]
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def rounded(value):
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, list):
        return [rounded(item) for item in value]
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    return value


def csv_value(value):
    return "" if np.isnan(value) else repr(float(value))


def train_model(names, columns, features, labels, users, masks, categorical=()):
    """Trains on the train users with early stopping on the validation users; returns the
    booster (to be saved with its best iteration) and that iteration. `categorical`: the feature
    names to treat as LightGBM categorical features (those this model has)."""
    in_train, in_valid, _ = masks
    data = features[:, columns]
    categorical_names = [name for name in names if name in categorical]
    train_set = lgb.Dataset(data[in_train], labels[in_train], feature_name=names,
                            categorical_feature=categorical_names or "auto",
                            params={"max_bin": PARAMS["max_bin"], "verbose": -1}, free_raw_data=False)
    valid_set = lgb.Dataset(data[in_valid], labels[in_valid], reference=train_set)
    booster = lgb.train(PARAMS, train_set, num_boost_round=MAX_ROUNDS, valid_sets=[valid_set],
                        valid_names=["valid"],
                        callbacks=[lgb.early_stopping(EARLY_STOPPING, first_metric_only=True,
                                                      verbose=False)])
    return booster, booster.best_iteration


def write_model(models_dir, version_prefix, definitions, columns, features, labels, users, masks,
                seed_offset, categorical=()):
    """Trains one model on the feature `columns` and writes model.txt, best_threshold.txt,
    feature_names.json, reference.csv and meta.json into `models_dir`; returns its threshold,
    test and validation metrics (the test ones with 95% bootstrap intervals), its best
    iteration and the test users' expected-F1-basket scores."""
    in_train, in_valid, in_test = masks
    names = [definitions[column]["name"] for column in columns]
    booster, best_iteration = train_model(names, columns, features, labels, users, masks,
                                          categorical)
    booster.save_model(f"{models_dir}/model.txt", num_iteration=best_iteration)
    model = lgb.Booster(model_file=f"{models_dir}/model.txt")
    data = features[:, columns]

    valid_probability = model.predict(data[in_valid])
    test_probability = model.predict(data[in_test])
    threshold = best_threshold(labels[in_valid], valid_probability)

    test_labels, test_user_ids = labels[in_test], users[in_test]
    test = evaluate(test_labels, test_probability, threshold, test_user_ids)
    test["ci95"] = bootstrap(test_labels, test_probability, threshold, test_user_ids, True,
                             SEED + seed_offset)
    valid = evaluate(labels[in_valid], valid_probability, threshold, users[in_valid])
    per_user = expected_f1_user_scores(test_labels, test_probability, test_user_ids)
    test["mean_user_f1_expected_f1_basket"] = float(per_user.mean())
    test["ci95"]["mean_user_f1_expected_f1_basket"] = bootstrap_mean(per_user, SEED + 20 + seed_offset)
    valid["mean_user_f1_expected_f1_basket"] = float(expected_f1_user_scores(
        labels[in_valid], valid_probability, users[in_valid]).mean())

    with open(f"{models_dir}/best_threshold.txt", "w", encoding="utf-8") as handle:
        handle.write(repr(threshold) + "\n")
    with open(f"{models_dir}/feature_names.json", "w", encoding="utf-8") as handle:
        json.dump(names, handle, indent=2)
        handle.write("\n")

    # Reference rows: test rows as they are, plus rows with about half of the features blanked.
    test_rows = data[in_test]
    reference = test_rows[:REFERENCE_ROWS].copy()
    rng = np.random.default_rng(SEED + 10)
    heavy = test_rows[rng.integers(0, len(test_rows), NAN_HEAVY_ROWS)].copy()
    heavy[rng.random(heavy.shape) < 0.5] = np.nan
    heavy[0, :] = np.nan
    reference = np.vstack([reference, heavy])
    reference_probability = model.predict(reference)
    with open(f"{models_dir}/reference.csv", "w", encoding="utf-8") as handle:
        handle.write(",".join(names + ["probability"]) + "\n")
        for row, probability in zip(reference, reference_probability):
            handle.write(",".join([csv_value(value) for value in row] + [repr(float(probability))]) + "\n")

    # meta.json for `reorder convert`: descriptions and training-split ranges.
    train_features = data[in_train]
    meta_features = []
    for position, column in enumerate(columns):
        values = train_features[:, position]
        values = values[~np.isnan(values)]
        entry = dict(definitions[column])
        if len(values):
            entry.update(min=float(values.min()), median=float(np.median(values)),
                         max=float(values.max()))
        else:
            entry.update(min=None, median=None, max=None)
        meta_features.append(entry)
    reported = rounded(test)
    model_hash = hashlib.sha256(open(f"{models_dir}/model.txt", "rb").read()).hexdigest()[:12]
    meta = {
        "model_version": f"{version_prefix}-{model_hash}",
        "lightgbm_version": lgb.__version__,
        "metrics": {"test_auc": reported["auc"], "test_f1": reported["f1"],
                    "test_logloss": reported["logloss"],
                    "test_precision": reported["precision"],
                    "test_recall": reported["recall"],
                    "test_mean_user_f1": reported["mean_user_f1"],
                    "threshold": threshold},
        "features": meta_features,
    }
    with open(f"{models_dir}/meta.json", "w", encoding="utf-8") as handle:
        json.dump(meta, handle, indent=2)
        handle.write("\n")
    return {"threshold": threshold, "test": test, "validation": valid,
            "best_iteration": int(best_iteration), "model_version": meta["model_version"]}


def main():
    args = sys.argv[1:]
    categorical = []
    if "--categorical" in args:
        at = args.index("--categorical")
        categorical = [name for name in args[at + 1].split(",") if name]
        del args[at:at + 2]
    table_path, definitions_path, models_dir, work_dir = args
    definitions = json.load(open(definitions_path, encoding="utf-8"))
    names = [definition["name"] for definition in definitions]
    unknown = [name for name in categorical if name not in names]
    if unknown:
        sys.exit(f"--categorical: unknown features {', '.join(unknown)}")
    table = pl.read_csv(table_path, schema_overrides={name: pl.Float64 for name in names})
    if table.columns != ["user_id", "product_id", "label"] + names:
        sys.exit("the table's columns are not user_id, product_id, label + the feature definitions")
    table = table.sort(["user_id", "product_id"])
    users = table["user_id"].to_numpy()
    labels = table["label"].to_numpy().astype(np.int64)
    features = table.select(names).to_numpy().astype(np.float64)  # nulls become NaN

    train_users, valid_users, test_users = split_users(users)
    in_train = np.isin(users, train_users)
    in_valid = np.isin(users, valid_users)
    in_test = np.isin(users, test_users)
    masks = (in_train, in_valid, in_test)

    main_model = write_model(models_dir, "nextbasket", definitions, list(range(len(names))),
                             features, labels, users, masks, 0, categorical)
    threshold = main_model["threshold"]
    test = main_model["test"]

    personal_dir = f"{models_dir}/personal"
    os.makedirs(personal_dir, exist_ok=True)
    personal_columns = [column for column, definition in enumerate(definitions)
                        if definition["group"] in PERSONAL_GROUPS]
    personal = write_model(personal_dir, "personal", definitions, personal_columns, features,
                           labels, users, masks, 5, categorical)

    test_labels, test_user_ids = labels[in_test], users[in_test]
    baselines = {}
    base_rate = float(labels[in_train].mean())
    constant = np.full(in_test.sum(), base_rate)
    all_yes = evaluate(test_labels, constant, base_rate, test_user_ids)
    all_yes["ci95"] = bootstrap(test_labels, constant, base_rate, test_user_ids, True, SEED + 1)
    all_yes["note"] = "every candidate is predicted yes (constant probability = training positive rate)"
    baselines["all_yes"] = all_yes
    for offset, name in enumerate(["product_reorder_rate", "up_order_rate"], start=2):
        column = names.index(name)
        valid_scores = np.nan_to_num(features[in_valid, column], nan=-1.0)
        test_scores = np.nan_to_num(features[in_test, column], nan=-1.0)
        baseline_threshold = best_threshold(labels[in_valid], valid_scores)
        result = evaluate(test_labels, test_scores, baseline_threshold, test_user_ids, False)
        result["ci95"] = bootstrap(test_labels, test_scores, baseline_threshold, test_user_ids,
                                   False, SEED + offset)
        result["note"] = f"yes when {name} >= threshold (tuned on validation); not a probability, so no logloss"
        baselines[name] = result

    metrics = {
        "threshold": threshold,
        "rule": "probability >= threshold",
        "split": {"train_users": int(len(train_users)), "valid_users": int(len(valid_users)),
                  "test_users": int(len(test_users)), "seed": SEED,
                  "train_rows": int(in_train.sum()), "valid_rows": int(in_valid.sum()),
                  "test_rows": int(in_test.sum())},
        "test": {key: value for key, value in test.items() if key != "threshold"},
        "validation": {key: value for key, value in main_model["validation"].items()
                       if key != "threshold"},
        "baselines": baselines,
        "personal": {
            "note": "the model for a person's own export: the same split, parameters and rule, on the "
                    "features of groups " + ", ".join(PERSONAL_GROUPS) + " only (no product, aisle or "
                    "department statistics); files in models/personal/",
            "model_version": personal["model_version"],
            "threshold": personal["threshold"],
            "features": [names[column] for column in personal_columns],
            "test": {key: value for key, value in personal["test"].items() if key != "threshold"},
            "validation": {key: value for key, value in personal["validation"].items()
                           if key != "threshold"},
            "best_iteration": personal["best_iteration"],
        },
        "training": {"best_iteration": main_model["best_iteration"], "lightgbm_version": lgb.__version__,
                     "params": {key: value for key, value in PARAMS.items()},
                     "early_stopping_rounds": EARLY_STOPPING,
                     "train_positive_rate": base_rate},
    }
    if categorical:
        metrics["training"]["categorical_feature"] = categorical
    metrics = rounded(metrics)
    metrics["threshold"] = threshold
    metrics["personal"]["threshold"] = personal["threshold"]
    with open(f"{models_dir}/metrics.json", "w", encoding="utf-8") as handle:
        json.dump(metrics, handle, indent=2)
        handle.write("\n")

    with open(f"{work_dir}/test_user_ids.txt", "w", encoding="utf-8") as handle:
        handle.write("".join(f"{user}\n" for user in test_users[:DEMO_USERS_MAX]))

    # The main model's training rows, for its drift reference (`reorder reference` in train.sh).
    with open(f"{work_dir}/train_features.csv", "w", encoding="utf-8") as handle:
        handle.write(",".join(names) + "\n")
        for row in features[in_train]:
            handle.write(",".join(csv_value(value) for value in row) + "\n")

    print(f"best iteration {main_model['best_iteration']}; threshold {threshold:.4f}; test AUC "
          f"{test['auc']:.4f} F1 {test['f1']:.4f} (all_yes {all_yes['f1']:.4f}, product_reorder_rate "
          f"{baselines['product_reorder_rate']['f1']:.4f}, up_order_rate {baselines['up_order_rate']['f1']:.4f})")
    print(f"personal model: best iteration {personal['best_iteration']}; threshold "
          f"{personal['threshold']:.4f}; test AUC {personal['test']['auc']:.4f} F1 {personal['test']['f1']:.4f}")


if __name__ == "__main__":
    main()
