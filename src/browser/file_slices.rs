//! Reading a user's file a slice at a time, for the Batch run wherever it goes on (the worker, or
//! the page when no worker starts): a 1 GB file is never read whole into memory.

use js_sys::Uint8Array;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

use crate::batch::RunFailure;
use crate::browser::js_error::js_message;

fn read_failure(error: JsValue) -> RunFailure {
    RunFailure::Read {
        message: js_message(&error),
    }
}

/// Bytes `start..end` of `file`.
pub async fn read_slice(file: &web_sys::File, start: u64, end: u64) -> Result<Vec<u8>, RunFailure> {
    SliceRead::start(file, start, end)?.bytes().await
}

/// A slice of a file being read: started at once, its bytes taken later, so the next slice is
/// read from disk while the current one is scored.
pub struct SliceRead {
    buffer: JsFuture,
}

impl SliceRead {
    /// Starts reading bytes `start..end` of `file`.
    pub fn start(file: &web_sys::File, start: u64, end: u64) -> Result<SliceRead, RunFailure> {
        let slice = file
            .slice_with_f64_and_f64(start as f64, end as f64)
            .map_err(read_failure)?;
        Ok(SliceRead {
            buffer: JsFuture::from(slice.array_buffer()),
        })
    }

    /// The slice's bytes, once read.
    pub async fn bytes(self) -> Result<Vec<u8>, RunFailure> {
        Ok(self.array().await?.to_vec())
    }

    /// The slice's bytes, once read, where JavaScript holds them (to be copied once, straight
    /// where they are wanted).
    pub async fn array(self) -> Result<Uint8Array, RunFailure> {
        let buffer = self.buffer.await.map_err(read_failure)?;
        Ok(Uint8Array::new(&buffer))
    }
}
