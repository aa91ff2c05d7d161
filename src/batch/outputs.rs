//! The columns a scored file gets for each kind of model, one rule for `reorder predict` and the
//! Batch page: `probability` and `is_reorder` (binary), `probability_<k>` per class and `class`,
//! the most likely one (multiclass), `prediction` (the regression family) or `score` (ranking);
//! and the class names a user may give for the `class` column.

use super::rows::ADDED_COLUMNS;
use crate::model::{Model, ModelKind};
use crate::prediction_log::csv_cell;

/// The column holding a multiclass model's most likely class.
pub const CLASS_COLUMN: &str = "class";

/// The columns the output adds after the pass-through ones, for `model`.
pub fn added_columns(model: &Model) -> Vec<String> {
    match model.kind() {
        ModelKind::Binary => ADDED_COLUMNS
            .iter()
            .map(|name| (*name).to_owned())
            .collect(),
        ModelKind::Multiclass => {
            let mut columns = model.output_names();
            columns.push(CLASS_COLUMN.to_owned());
            columns
        }
        ModelKind::Regression | ModelKind::Ranking => model.output_names(),
    }
}

/// The class with the highest probability; the first of equal ones (as numpy's `argmax`).
pub fn most_likely(probabilities: &[f64]) -> usize {
    let mut best = 0;
    for (class, &probability) in probabilities.iter().enumerate() {
        if probability > probabilities[best] {
            best = class;
        }
    }
    best
}

/// The cells `added_columns` names for one row's `outputs` (`model.num_outputs()` values):
/// numbers as Rust's `{}` prints them (the shortest text that reads back to the same bits).
pub fn output_cells(model: &Model, outputs: &[f64], classes: &ClassNames) -> Vec<String> {
    let mut cells: Vec<String> = outputs.iter().map(|value| format!("{value}")).collect();
    match model.kind() {
        ModelKind::Binary => cells.push(
            if model.is_reorder(outputs[0]) {
                "1"
            } else {
                "0"
            }
            .into(),
        ),
        // A name is text from the user: guarded like every pass-through cell.
        ModelKind::Multiclass => {
            cells.push(csv_cell(&classes.name(most_likely(outputs))).into_owned())
        }
        ModelKind::Regression | ModelKind::Ranking => {}
    }
    cells
}

/// Names for a multiclass model's classes, in class order; without them a class is its index.
/// Carried between the page and its workers as the list of names (checked where they were read).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct ClassNames(Vec<String>);

/// Why a class-names file does not fit the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassNamesError {
    #[error("the class names are not a JSON array of strings: {0}")]
    NotJson(String),
    #[error("{given} class names for a model of {classes} classes")]
    WrongCount { given: usize, classes: usize },
    #[error("class name {index} is empty")]
    Empty { index: usize },
    #[error("class name `{0}` is given twice")]
    Duplicate(String),
    #[error("class names are for multiclass models; this is a {0} model")]
    NotMulticlass(&'static str),
}

impl ClassNames {
    /// Reads a JSON array of strings, or one name per line, for a model of `classes` classes.
    pub fn parse(text: &str, classes: usize) -> Result<ClassNames, ClassNamesError> {
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        let names: Vec<String> = if trimmed.starts_with('[') {
            serde_json::from_str(trimmed)
                .map_err(|error| ClassNamesError::NotJson(error.to_string()))?
        } else {
            trimmed.lines().map(|line| line.trim().to_owned()).collect()
        };
        if names.len() != classes {
            return Err(ClassNamesError::WrongCount {
                given: names.len(),
                classes,
            });
        }
        if let Some(index) = names.iter().position(String::is_empty) {
            return Err(ClassNamesError::Empty { index });
        }
        for (index, name) in names.iter().enumerate() {
            if names[..index].contains(name) {
                return Err(ClassNamesError::Duplicate(name.clone()));
            }
        }
        Ok(ClassNames(names))
    }

    /// Whether names were given (else every class is its index).
    pub fn is_named(&self) -> bool {
        !self.0.is_empty()
    }

    /// The names for `model`'s classes read from `text`, refused for a model without classes.
    pub fn for_model(text: &str, model: &Model) -> Result<ClassNames, ClassNamesError> {
        if model.kind() != ModelKind::Multiclass {
            return Err(ClassNamesError::NotMulticlass(model.kind().name()));
        }
        ClassNames::parse(text, model.num_outputs())
    }

    /// The name of class `class`: the given one, or its index.
    pub fn name(&self, class: usize) -> String {
        self.0
            .get(class)
            .cloned()
            .unwrap_or_else(|| class.to_string())
    }
}
