//! Reads LightGBM's text model format (`model.txt`, versions v3/v4) into plain arrays.
//!
//! Every model LightGBM 4.7 can predict with a built-in objective is accepted: binary,
//! cross-entropy, multiclass (softmax and one-vs-all), the regression family and ranking;
//! numerical splits (missing types None/Zero/NaN, either default side, +-inf thresholds),
//! categorical splits (bitsets), linear trees, single-leaf trees, gbdt, dart, goss or random
//! forest (`average_output`); and the category names the Python package appends
//! (`pandas_categorical`). Anything else is refused with a typed error that says what was found
//! and where, before any scoring happens.

use super::objective::{Objective, ObjectiveError};
use super::tree::{LinearLeaves, TreeArrays, TreeError};
use thiserror::Error;

pub use crate::input::upload::MAX_MODEL_BYTES;

/// A parsed, validated LightGBM model.
#[derive(Debug, Clone, PartialEq)]
pub struct LightGbmModel {
    /// The format version line, e.g. `v4`.
    pub version: String,
    /// The objective line as written, e.g. `binary sigmoid:1`.
    pub objective_line: String,
    /// What the objective line means.
    pub objective: Objective,
    /// Random forest: the raw score is the mean of the trees, not their sum.
    pub average_output: bool,
    pub feature_names: Vec<String>,
    /// `feature_infos`, one per feature.
    pub feature_infos: Vec<FeatureInfo>,
    /// The Python package's `pandas_categorical`: the category names of each pandas
    /// categorical column, in code order (names written as JSON writes them: strings as they
    /// are, numbers in their shortest form).
    pub pandas_categorical: Option<Vec<Vec<String>>>,
    /// Trees in LightGBM's order: iteration-major, one per output within an iteration.
    pub trees: Vec<TreeArrays>,
}

impl LightGbmModel {
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The sigmoid slope (1 for objectives without one).
    pub fn sigmoid(&self) -> f64 {
        self.objective.sigmoid().unwrap_or(1.0)
    }
}

/// What `feature_infos` says about one feature: its training range, or the categories seen in
/// training.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureInfo {
    Numerical {
        min: f64,
        max: f64,
    },
    Categorical {
        categories: Vec<i32>,
    },
    /// `none`: the feature never varied, or the entry is not one LightGBM writes.
    Unused,
}

impl FeatureInfo {
    /// Reads one entry: `[min:max]`, `c1:c2:...` or `none`.
    pub fn parse(entry: &str) -> FeatureInfo {
        if let Some(range) = entry.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            if let Some((min, max)) = range.split_once(':') {
                if let (Ok(min), Ok(max)) = (min.parse::<f64>(), max.parse::<f64>()) {
                    return FeatureInfo::Numerical { min, max };
                }
            }
            return FeatureInfo::Unused;
        }
        let categories: Option<Vec<i32>> = entry.split(':').map(|c| c.parse().ok()).collect();
        match categories {
            Some(categories) if !entry.is_empty() => FeatureInfo::Categorical { categories },
            _ => FeatureInfo::Unused,
        }
    }
}

/// Why a `model.txt` was refused.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParseError {
    #[error("the model is {bytes} bytes, over the {limit}-byte limit")]
    TooLarge { bytes: usize, limit: usize },
    #[error("this is not a LightGBM text model: it does not start with `tree`")]
    NotAModel,
    #[error("the header has no `{key}` line")]
    MissingHeader { key: &'static str },
    #[error("header `{key}`: `{value}` is not valid ({reason})")]
    BadHeader {
        key: &'static str,
        value: String,
        reason: String,
    },
    #[error("the objective cannot be scored: {0}")]
    Objective(#[from] ObjectiveError),
    #[error("`num_tree_per_iteration={found}` does not fit objective `{objective}`, which has {expected} output(s) per row")]
    TreesPerIteration {
        objective: String,
        expected: usize,
        found: usize,
    },
    #[error("the model has {trees} trees, not a whole number of iterations of {per_iteration}")]
    PartialIteration { trees: usize, per_iteration: usize },
    #[error("tree {tree}: `num_cat={num_cat}` but {found} category sets")]
    CategoryCount {
        tree: usize,
        num_cat: usize,
        found: usize,
    },
    #[error("tree {tree}: linear leaf fields: {reason}")]
    BadLinearFields { tree: usize, reason: String },
    #[error("`pandas_categorical` is not valid: {reason}")]
    BadPandasCategorical { reason: String },
    #[error("tree {tree}: no `{field}` line")]
    MissingTreeField { tree: usize, field: &'static str },
    #[error("tree {tree}, `{field}`: `{token}` is not a valid value")]
    BadTreeValue {
        tree: usize,
        field: &'static str,
        token: String,
    },
    #[error("tree {tree}: {source}")]
    BadTree {
        tree: usize,
        #[source]
        source: TreeError,
    },
    #[error("line {line}: expected `Tree={expected}`, found `{found}`")]
    TreeOutOfOrder {
        line: usize,
        expected: usize,
        found: String,
    },
    #[error("the model is truncated: {reason}")]
    Truncated { reason: String },
    #[error("the model has no trees")]
    NoTrees,
}

/// Returns the value of `key=value` if `line` is that key.
fn value_of<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.strip_prefix(key)?.strip_prefix('=')
}

fn parse_header_number<T: std::str::FromStr>(
    key: &'static str,
    value: &str,
) -> Result<T, ParseError> {
    value.trim().parse().map_err(|_| ParseError::BadHeader {
        key,
        value: value.to_string(),
        reason: "not a number".to_string(),
    })
}

/// Parses and validates a LightGBM `model.txt`.
pub fn parse_model_text(text: &str) -> Result<LightGbmModel, ParseError> {
    if text.len() > MAX_MODEL_BYTES {
        return Err(ParseError::TooLarge {
            bytes: text.len(),
            limit: MAX_MODEL_BYTES,
        });
    }
    // A byte-order mark some editors write is not part of the model.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.lines().enumerate().peekable();
    match lines.next() {
        Some((_, first)) if first.trim() == "tree" => {}
        _ => return Err(ParseError::NotAModel),
    }

    let mut version = None;
    let mut num_class = None;
    let mut num_tree_per_iteration = None;
    let mut max_feature_idx: Option<usize> = None;
    let mut objective = None;
    let mut average_output = false;
    let mut feature_names = None;
    let mut feature_infos = None;
    let mut tree_sizes: Option<usize> = None;

    // Header: until the first `Tree=` line.
    while let Some(&(_, line)) = lines.peek() {
        let line = line.trim_end_matches('\r');
        if line.starts_with("Tree=") || line == "end of trees" {
            break;
        }
        lines.next();
        if line == "average_output" {
            average_output = true;
        } else if let Some(v) = value_of(line, "version") {
            version = Some(v.to_string());
        } else if let Some(v) = value_of(line, "num_class") {
            num_class = Some(v.to_string());
        } else if let Some(v) = value_of(line, "num_tree_per_iteration") {
            num_tree_per_iteration = Some(v.to_string());
        } else if let Some(v) = value_of(line, "max_feature_idx") {
            max_feature_idx = Some(parse_header_number("max_feature_idx", v)?);
        } else if let Some(v) = value_of(line, "objective") {
            objective = Some(v.to_string());
        } else if let Some(v) = value_of(line, "feature_names") {
            feature_names = Some(v.split(' ').map(str::to_string).collect::<Vec<_>>());
        } else if let Some(v) = value_of(line, "feature_infos") {
            feature_infos = Some(v.split(' ').map(FeatureInfo::parse).collect::<Vec<_>>());
        } else if let Some(v) = value_of(line, "tree_sizes") {
            tree_sizes = Some(v.split_whitespace().count());
        }
    }

    let version = version.ok_or(ParseError::MissingHeader { key: "version" })?;
    if version != "v3" && version != "v4" {
        return Err(ParseError::BadHeader {
            key: "version",
            value: version,
            reason: "only v3 and v4 are supported".to_string(),
        });
    }
    let num_class: usize = parse_header_number(
        "num_class",
        &num_class.ok_or(ParseError::MissingHeader { key: "num_class" })?,
    )?;
    let objective_line = objective.ok_or(ParseError::MissingHeader { key: "objective" })?;
    let objective = Objective::parse(&objective_line)?;
    let per_iteration: usize = match num_tree_per_iteration {
        Some(value) => parse_header_number("num_tree_per_iteration", &value)?,
        None => num_class,
    };
    if per_iteration != objective.trees_per_iteration() || num_class != objective.num_outputs {
        return Err(ParseError::TreesPerIteration {
            objective: objective_line,
            expected: objective.trees_per_iteration(),
            found: per_iteration,
        });
    }
    let max_feature_idx = max_feature_idx.ok_or(ParseError::MissingHeader {
        key: "max_feature_idx",
    })?;
    let num_features = max_feature_idx
        .checked_add(1)
        .filter(|&n| n <= 1_000_000)
        .ok_or_else(|| ParseError::BadHeader {
            key: "max_feature_idx",
            value: max_feature_idx.to_string(),
            reason: "too many features".to_string(),
        })?;
    let feature_names = feature_names.ok_or(ParseError::MissingHeader {
        key: "feature_names",
    })?;
    if feature_names.len() != num_features {
        return Err(ParseError::BadHeader {
            key: "feature_names",
            value: format!("{} names", feature_names.len()),
            reason: format!("max_feature_idx={max_feature_idx} means {num_features} features"),
        });
    }
    if let Some(empty) = feature_names.iter().position(String::is_empty) {
        return Err(ParseError::BadHeader {
            key: "feature_names",
            value: format!("name {empty} is empty"),
            reason: "every feature needs a name".to_string(),
        });
    }

    // Trees.
    let mut trees = Vec::new();
    let mut ended = false;
    while let Some((index, line)) = lines.next() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        if line == "end of trees" {
            ended = true;
            break;
        }
        let expected = trees.len();
        match value_of(line, "Tree") {
            Some(number) if number.trim().parse::<usize>().ok() == Some(expected) => {}
            _ => {
                return Err(ParseError::TreeOutOfOrder {
                    line: index + 1,
                    expected,
                    found: line.chars().take(80).collect(),
                })
            }
        }
        let mut fields: Vec<(&str, &str)> = Vec::new();
        while let Some(&(_, field_line)) = lines.peek() {
            let field_line = field_line.trim_end_matches('\r');
            if field_line.is_empty()
                || field_line.starts_with("Tree=")
                || field_line == "end of trees"
            {
                break;
            }
            lines.next();
            if let Some((key, value)) = field_line.split_once('=') {
                fields.push((key, value));
            } else {
                return Err(ParseError::BadTreeValue {
                    tree: expected,
                    field: "line",
                    token: field_line.chars().take(80).collect(),
                });
            }
        }
        let tree = parse_tree(expected, &fields, num_features)?;
        trees.push(tree);
    }
    if !ended {
        return Err(ParseError::Truncated {
            reason: format!("no `end of trees` line after {} trees", trees.len()),
        });
    }
    if let Some(expected) = tree_sizes {
        if expected != trees.len() {
            return Err(ParseError::Truncated {
                reason: format!(
                    "tree_sizes lists {expected} trees but {} were found",
                    trees.len()
                ),
            });
        }
    }
    if trees.is_empty() {
        return Err(ParseError::NoTrees);
    }
    if !trees.len().is_multiple_of(per_iteration) {
        return Err(ParseError::PartialIteration {
            trees: trees.len(),
            per_iteration,
        });
    }
    let mut pandas_categorical = None;
    for (_, line) in lines {
        if let Some(json) = line
            .trim_end_matches('\r')
            .strip_prefix("pandas_categorical:")
        {
            pandas_categorical = parse_pandas_categorical(json)?;
        }
    }
    let feature_infos = match feature_infos {
        Some(infos) if infos.len() == num_features => infos,
        _ => vec![FeatureInfo::Unused; num_features],
    };
    Ok(LightGbmModel {
        version,
        objective_line,
        objective,
        average_output,
        feature_names,
        feature_infos,
        pandas_categorical,
        trees,
    })
}

/// The Python package's `pandas_categorical:` line: JSON `null` or a list of lists of names.
fn parse_pandas_categorical(json: &str) -> Result<Option<Vec<Vec<String>>>, ParseError> {
    let bad = |reason: String| ParseError::BadPandasCategorical { reason };
    let value: serde_json::Value =
        serde_json::from_str(json.trim()).map_err(|error| bad(error.to_string()))?;
    let columns = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Array(columns) => columns,
        _ => return Err(bad("not a list".to_string())),
    };
    columns
        .into_iter()
        .enumerate()
        .map(|(column, names)| match names {
            serde_json::Value::Array(names) => Ok(names
                .into_iter()
                .map(|name| match name {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                })
                .collect()),
            _ => Err(bad(format!("column {column} is not a list of names"))),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn field<'a>(
    tree: usize,
    fields: &[(&str, &'a str)],
    name: &'static str,
) -> Result<&'a str, ParseError> {
    fields
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| *value)
        .ok_or(ParseError::MissingTreeField { tree, field: name })
}

fn optional_field<'a>(fields: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| *key == name)
        .map(|(_, value)| *value)
}

fn parse_list<T: std::str::FromStr>(
    tree: usize,
    name: &'static str,
    value: &str,
) -> Result<Vec<T>, ParseError> {
    value
        .split_whitespace()
        .map(|token| {
            token.parse::<T>().map_err(|_| ParseError::BadTreeValue {
                tree,
                field: name,
                token: token.chars().take(40).collect(),
            })
        })
        .collect()
}

/// Counts are written as integers, but accept `12.0`-style floats that are whole.
fn parse_counts(tree: usize, name: &'static str, value: &str) -> Result<Vec<u64>, ParseError> {
    value
        .split_whitespace()
        .map(|token| {
            token
                .parse::<u64>()
                .ok()
                .or_else(|| {
                    token
                        .parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite() && *v >= 0.0 && v.fract() == 0.0 && *v < 1e18)
                        .map(|v| v as u64)
                })
                .ok_or_else(|| ParseError::BadTreeValue {
                    tree,
                    field: name,
                    token: token.chars().take(40).collect(),
                })
        })
        .collect()
}

fn parse_tree(
    tree: usize,
    fields: &[(&str, &str)],
    num_features: usize,
) -> Result<TreeArrays, ParseError> {
    let num_leaves: usize = field(tree, fields, "num_leaves")?
        .trim()
        .parse()
        .map_err(|_| ParseError::BadTreeValue {
            tree,
            field: "num_leaves",
            token: field(tree, fields, "num_leaves")
                .unwrap_or_default()
                .chars()
                .take(40)
                .collect(),
        })?;
    let num_cat: usize = match optional_field(fields, "num_cat") {
        Some(num_cat) => num_cat
            .trim()
            .parse()
            .map_err(|_| ParseError::BadTreeValue {
                tree,
                field: "num_cat",
                token: num_cat.chars().take(40).collect(),
            })?,
        None => 0,
    };
    let (cat_boundaries, cat_threshold) = if num_cat > 0 {
        let boundaries: Vec<u32> = parse_list(
            tree,
            "cat_boundaries",
            field(tree, fields, "cat_boundaries")?,
        )?;
        if boundaries.len() != num_cat + 1 {
            return Err(ParseError::CategoryCount {
                tree,
                num_cat,
                found: boundaries.len().saturating_sub(1),
            });
        }
        let words = parse_list(tree, "cat_threshold", field(tree, fields, "cat_threshold")?)?;
        (boundaries, words)
    } else {
        (Vec::new(), Vec::new())
    };
    let linear = match optional_field(fields, "is_linear").map(str::trim) {
        Some("1") => Some(parse_linear_leaves(tree, fields, num_leaves)?),
        None | Some("0") => None,
        Some(other) => {
            return Err(ParseError::BadTreeValue {
                tree,
                field: "is_linear",
                token: other.chars().take(40).collect(),
            })
        }
    };
    let leaf_value = parse_list::<f64>(tree, "leaf_value", field(tree, fields, "leaf_value")?)?;
    let arrays = if num_leaves <= 1 {
        TreeArrays {
            num_leaves,
            split_feature: Vec::new(),
            threshold: Vec::new(),
            decision_type: Vec::new(),
            left_child: Vec::new(),
            right_child: Vec::new(),
            leaf_value,
            leaf_count: optional_field(fields, "leaf_count")
                .map(|v| parse_counts(tree, "leaf_count", v))
                .transpose()?
                .unwrap_or_default(),
            internal_count: Vec::new(),
            cat_boundaries,
            cat_threshold,
            linear,
        }
    } else {
        TreeArrays {
            num_leaves,
            split_feature: parse_list(
                tree,
                "split_feature",
                field(tree, fields, "split_feature")?,
            )?,
            threshold: parse_list(tree, "threshold", field(tree, fields, "threshold")?)?,
            decision_type: parse_list(
                tree,
                "decision_type",
                field(tree, fields, "decision_type")?,
            )?,
            left_child: parse_list(tree, "left_child", field(tree, fields, "left_child")?)?,
            right_child: parse_list(tree, "right_child", field(tree, fields, "right_child")?)?,
            leaf_value,
            leaf_count: parse_counts(tree, "leaf_count", field(tree, fields, "leaf_count")?)?,
            internal_count: parse_counts(
                tree,
                "internal_count",
                field(tree, fields, "internal_count")?,
            )?,
            cat_boundaries,
            cat_threshold,
            linear,
        }
    };
    arrays
        .validate(num_features)
        .map_err(|source| ParseError::BadTree { tree, source })?;
    Ok(arrays)
}

/// A linear tree's leaf models: `leaf_const` (one per leaf), `num_features` (how many features
/// each leaf's model uses), then `leaf_features` and `leaf_coeff`, every leaf's list written one
/// after the other (LightGBM separates them by extra spaces, which carry no information).
fn parse_linear_leaves(
    tree: usize,
    fields: &[(&str, &str)],
    num_leaves: usize,
) -> Result<LinearLeaves, ParseError> {
    let constant: Vec<f64> = parse_list(tree, "leaf_const", field(tree, fields, "leaf_const")?)?;
    let counts: Vec<usize> =
        parse_list(tree, "num_features", field(tree, fields, "num_features")?)?;
    let features: Vec<u32> = parse_list(
        tree,
        "leaf_features",
        optional_field(fields, "leaf_features").unwrap_or_default(),
    )?;
    let coefficients: Vec<f64> = parse_list(
        tree,
        "leaf_coeff",
        optional_field(fields, "leaf_coeff").unwrap_or_default(),
    )?;
    let bad = |reason: String| ParseError::BadLinearFields { tree, reason };
    if constant.len() != num_leaves || counts.len() != num_leaves {
        return Err(bad(format!(
            "{} constants and {} feature counts for {num_leaves} leaves",
            constant.len(),
            counts.len()
        )));
    }
    let total: usize = counts.iter().sum();
    if features.len() != total || coefficients.len() != total {
        return Err(bad(format!(
            "the counts add up to {total} but there are {} features and {} coefficients",
            features.len(),
            coefficients.len()
        )));
    }
    let mut start = 0;
    let mut per_leaf_features = Vec::with_capacity(num_leaves);
    let mut per_leaf_coefficients = Vec::with_capacity(num_leaves);
    for count in counts {
        per_leaf_features.push(features[start..start + count].to_vec());
        per_leaf_coefficients.push(coefficients[start..start + count].to_vec());
        start += count;
    }
    Ok(LinearLeaves {
        constant,
        features: per_leaf_features,
        coefficients: per_leaf_coefficients,
    })
}
