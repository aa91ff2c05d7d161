//! Scored rows gathered into larger chunks for the log. A batch run is read and scored in ranges
//! small enough to keep the two workers' memory low and their shares even, but each chunk the
//! page logs costs it an IndexedDB transaction (and the dashboard's buckets an update), so the
//! run's worker hands the page fewer, larger chunks: the ranges' rows, in order, `target_rows`
//! or more at a time.

use super::run_report::ScoredChunk;

/// Gathers a run's scored chunks, in order, into chunks of at least `target_rows` rows (the last
/// one may be smaller), numbered from 0.
pub struct ChunkMerger {
    target_rows: usize,
    next_index: u32,
    gathering: ScoredChunk,
}

impl ChunkMerger {
    pub fn new(target_rows: usize) -> ChunkMerger {
        ChunkMerger {
            target_rows: target_rows.max(1),
            next_index: 0,
            gathering: ScoredChunk::default(),
        }
    }

    /// Adds the next chunk's rows; returns a chunk for the log once enough rows are gathered.
    pub fn push(&mut self, chunk: ScoredChunk) -> Option<ScoredChunk> {
        let gathering = &mut self.gathering;
        if gathering.is_empty() {
            gathering.probabilities = chunk.probabilities;
            gathering.decisions = chunk.decisions;
            gathering.user_ids = chunk.user_ids;
            gathering.product_ids = chunk.product_ids;
            gathering.values = chunk.values;
            gathering.sketch = chunk.sketch;
        } else {
            gathering.probabilities.extend(chunk.probabilities);
            gathering.decisions.extend(chunk.decisions);
            gathering.user_ids.extend(chunk.user_ids);
            gathering.product_ids.extend(chunk.product_ids);
            gathering.values.extend(chunk.values);
            gathering.sketch = match (gathering.sketch.take(), chunk.sketch) {
                (Some(mut gathered), Some(next)) => match gathered.merge(&next) {
                    Ok(()) => Some(gathered),
                    // Ranges of one run are sketched on one model's bins; should they not
                    // be, the log gets no sketch for this chunk rather than a wrong one.
                    Err(_) => None,
                },
                _ => None,
            };
        }
        if self.gathering.len() >= self.target_rows {
            self.take()
        } else {
            None
        }
    }

    /// The rows gathered and not handed out yet, if any (at the end of the run).
    pub fn finish(&mut self) -> Option<ScoredChunk> {
        self.take()
    }

    fn take(&mut self) -> Option<ScoredChunk> {
        if self.gathering.is_empty() {
            return None;
        }
        let mut chunk = std::mem::take(&mut self.gathering);
        chunk.index = self.next_index;
        self.next_index += 1;
        Some(chunk)
    }
}
