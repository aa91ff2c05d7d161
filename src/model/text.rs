//! Reads LightGBM's text model format (`model.txt`, versions v3/v4) into plain arrays.
//!
//! Only what the app can score exactly is accepted: a binary objective with its sigmoid,
//! numerical splits (missing types None/Zero/NaN, either default side, +-inf thresholds),
//! single-leaf trees, gbdt or random forest (`average_output`). Everything else is refused with
//! a typed error that says what was found and where, before any scoring happens.

use super::tree::{TreeArrays, TreeError};
use thiserror::Error;

pub use crate::input::upload::MAX_MODEL_BYTES;

/// A parsed, validated LightGBM binary model.
#[derive(Debug, Clone, PartialEq)]
pub struct LightGbmModel {
    /// The format version line, e.g. `v4`.
    pub version: String,
    /// The objective line as written, e.g. `binary sigmoid:1`.
    pub objective: String,
    /// The sigmoid slope of the binary objective.
    pub sigmoid: f64,
    /// Random forest: the raw score is the mean of the trees, not their sum.
    pub average_output: bool,
    pub feature_names: Vec<String>,
    pub trees: Vec<TreeArrays>,
}

impl LightGbmModel {
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
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
    #[error("objective `{objective}` is not supported: only `binary` models can be scored")]
    UnsupportedObjective { objective: String },
    #[error("the model has {num_class} classes; only binary models (num_class=1) are supported")]
    Multiclass { num_class: String },
    #[error("tree {tree}: categorical splits are not supported (num_cat={num_cat})")]
    Categorical { tree: usize, num_cat: usize },
    #[error("tree {tree}: linear trees are not supported")]
    LinearTree { tree: usize },
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
    let num_class = num_class.ok_or(ParseError::MissingHeader { key: "num_class" })?;
    if num_class.trim() != "1" {
        return Err(ParseError::Multiclass { num_class });
    }
    if let Some(per_iteration) = num_tree_per_iteration {
        if per_iteration.trim() != "1" {
            return Err(ParseError::BadHeader {
                key: "num_tree_per_iteration",
                value: per_iteration,
                reason: "only one tree per iteration (binary) is supported".to_string(),
            });
        }
    }
    let objective = objective.ok_or(ParseError::MissingHeader { key: "objective" })?;
    let sigmoid = parse_binary_objective(&objective)?;
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
    Ok(LightGbmModel {
        version,
        objective,
        sigmoid,
        average_output,
        feature_names,
        trees,
    })
}

/// Accepts `binary` with an optional `sigmoid:<slope>`; returns the slope (default 1).
fn parse_binary_objective(objective: &str) -> Result<f64, ParseError> {
    let mut words = objective.split_whitespace();
    if words.next() != Some("binary") {
        return Err(ParseError::UnsupportedObjective {
            objective: objective.to_string(),
        });
    }
    let mut sigmoid = 1.0;
    for word in words {
        if let Some(value) = word.strip_prefix("sigmoid:") {
            sigmoid = value
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0)
                .ok_or_else(|| ParseError::BadHeader {
                    key: "objective",
                    value: objective.to_string(),
                    reason: "sigmoid must be a positive finite number".to_string(),
                })?;
        }
    }
    Ok(sigmoid)
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
    if let Some(num_cat) = optional_field(fields, "num_cat") {
        let num_cat: usize = num_cat
            .trim()
            .parse()
            .map_err(|_| ParseError::BadTreeValue {
                tree,
                field: "num_cat",
                token: num_cat.chars().take(40).collect(),
            })?;
        if num_cat > 0 {
            return Err(ParseError::Categorical { tree, num_cat });
        }
    }
    if let Some(is_linear) = optional_field(fields, "is_linear") {
        if is_linear.trim() != "0" {
            return Err(ParseError::LinearTree { tree });
        }
    }
    if optional_field(fields, "leaf_const").is_some() {
        return Err(ParseError::LinearTree { tree });
    }
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
        }
    };
    arrays
        .validate(num_features)
        .map_err(|source| ParseError::BadTree { tree, source })?;
    Ok(arrays)
}
