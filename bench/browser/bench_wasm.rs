//! Browser benchmark entry: exposes the evaluator the app ships (`model::Model`) to the page
//! under bench/ through wasm-bindgen, so bench/scripts/browser.sh can time it beside
//! onnxruntime-web on the same rows. It is built by Trunk from bench/browser/index.html only (the
//! `bench-wasm` feature); the product never loads it. Natively it only explains itself.

#[cfg(target_arch = "wasm32")]
mod exports {
    use std::cell::RefCell;

    use instacart_reorder::model::Model;
    use wasm_bindgen::prelude::*;

    thread_local! {
        static MODEL: RefCell<Option<Model>> = const { RefCell::new(None) };
    }

    fn with_model<T>(work: impl FnOnce(&Model) -> Result<T, JsError>) -> Result<T, JsError> {
        MODEL.with(|slot| match slot.borrow().as_ref() {
            Some(model) => work(model),
            None => Err(JsError::new("no model loaded: call load_model first")),
        })
    }

    /// Parses and validates a bundle (assets/model.json format); returns its feature count.
    #[wasm_bindgen]
    pub fn load_model(bundle_json: &str) -> Result<usize, JsError> {
        let model = Model::from_bundle_json(bundle_json)?;
        let width = model.num_features();
        MODEL.with(|slot| *slot.borrow_mut() = Some(model));
        Ok(width)
    }

    /// The loaded model's decision threshold (`probability >= threshold` means reorder).
    #[wasm_bindgen]
    pub fn model_threshold() -> Result<f64, JsError> {
        with_model(|model| Ok(model.threshold()))
    }

    /// Probability for one row (one value per feature, NaN = missing) of a single-output model.
    #[wasm_bindgen]
    pub fn score_one(row: &[f64]) -> Result<f64, JsError> {
        with_model(|model| Ok(model.predict(row)?.probability))
    }

    /// Probabilities for row-major rows (a multiple of the feature count) of a single-output
    /// model, blocked batch scoring.
    #[wasm_bindgen]
    pub fn score_batch(rows: &[f64]) -> Result<Vec<f64>, JsError> {
        with_model(|model| {
            let width = model.num_features().max(1);
            let mut out = vec![0.0; rows.len() / width];
            model.predict_batch(rows, &mut out)?;
            Ok(out)
        })
    }

    /// The loaded model's values per row: the number of classes of a multiclass model, else 1.
    #[wasm_bindgen]
    pub fn model_outputs() -> Result<usize, JsError> {
        with_model(|model| Ok(model.num_outputs()))
    }

    /// Every output of one row (a model of any kind): `model_outputs()` values, as LightGBM's
    /// `predict` returns them (one probability per class for a multiclass model).
    #[wasm_bindgen]
    pub fn score_one_all(row: &[f64]) -> Result<Vec<f64>, JsError> {
        with_model(|model| Ok(model.score(row)?.outputs))
    }

    /// Every output of row-major rows (a model of any kind), `model_outputs()` values per row,
    /// row-major.
    #[wasm_bindgen]
    pub fn score_batch_all(rows: &[f64]) -> Result<Vec<f64>, JsError> {
        with_model(|model| Ok(model.score_batch(rows)?.outputs))
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "bench_wasm is the browser benchmark's wasm module: bench/scripts/browser.sh builds it \
         with Trunk from bench/browser/index.html"
    );
    std::process::exit(2);
}
