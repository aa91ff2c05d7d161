//! The messages of the own-model job: what a conversion needs besides `model.txt`, the
//! converted model as it comes back, and the worker's answer made by the very converter the
//! page runs when no worker is there, so a model is accepted or refused in the same words.

use serde::{Deserialize, Serialize};

use super::worker::{ConvertedBundle, WorkerMessage};
use crate::model::own_model::convert_own_model;

/// What a conversion needs besides `model.txt`: the two small optional files, as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvertModel {
    pub feature_names_json: Option<String>,
    pub threshold_text: Option<String>,
}

impl ConvertModel {
    /// Converts `model_txt` with these options by the very function the page calls when no worker
    /// is there (`own_model::convert_own_model`): the answer the worker posts back.
    pub fn answer(&self, model_txt: Vec<u8>) -> WorkerMessage {
        let converted = convert_own_model(
            &model_txt,
            self.feature_names_json.as_deref(),
            self.threshold_text.as_deref(),
        );
        match converted {
            Ok(converted) => match serde_json::to_string(converted.model.bundle()) {
                Ok(bundle_json) => WorkerMessage::ModelConverted(ConvertedBundle {
                    sha256: converted.sha256,
                    model_txt,
                    bundle_json,
                }),
                Err(error) => WorkerMessage::ModelRefused {
                    message: format!("the converted model cannot be written: {error}"),
                },
            },
            Err(error) => WorkerMessage::ModelRefused {
                message: error.to_string(),
            },
        }
    }
}
