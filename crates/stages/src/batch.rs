//! Watch sessions on their way to SQL, batched: a batch leaves when it
//! holds `max_rows` rows or its oldest row has waited `max_wait_ms`.
//! Sans IO: rows and the time go in, batches come out of `poll_batch`.

use std::collections::VecDeque;

use store::WatchRow;

/// See the module documentation.
#[derive(Debug)]
pub struct WatchBatcher {
    max_rows: usize,
    max_wait_ms: u64,
    rows: VecDeque<WatchRow>,
    oldest_ms: Option<u64>,
}

impl WatchBatcher {
    pub fn new(max_rows: usize, max_wait_ms: u64) -> WatchBatcher {
        WatchBatcher {
            max_rows: max_rows.max(1),
            max_wait_ms,
            rows: VecDeque::new(),
            oldest_ms: None,
        }
    }

    pub fn handle_row(&mut self, row: WatchRow, now_ms: u64) {
        self.oldest_ms.get_or_insert(now_ms);
        self.rows.push_back(row);
    }

    /// The next batch due at `now_ms`, if any.
    pub fn poll_batch(&mut self, now_ms: u64) -> Option<Vec<WatchRow>> {
        let waited = self
            .oldest_ms
            .is_some_and(|t| now_ms.saturating_sub(t) >= self.max_wait_ms);
        if self.rows.is_empty() || (self.rows.len() < self.max_rows && !waited) {
            return None;
        }
        let n = self.rows.len().min(self.max_rows);
        let batch: Vec<WatchRow> = self.rows.drain(..n).collect();
        self.oldest_ms = (!self.rows.is_empty()).then_some(now_ms);
        Some(batch)
    }

    /// Everything left, at shutdown.
    pub fn drain(&mut self) -> Vec<WatchRow> {
        self.oldest_ms = None;
        self.rows.drain(..).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(n: i64) -> WatchRow {
        WatchRow {
            room: "r".into(),
            viewer: format!("v{n}"),
            stage: "s1".into(),
            node: "a".into(),
            started_at_ms: 0,
            ended_at_ms: n,
            watched_ms: n,
        }
    }

    #[test]
    fn a_batch_leaves_when_full_or_when_its_oldest_row_waited_long_enough() {
        let mut batcher = WatchBatcher::new(25, 30_000);
        for n in 0..60 {
            batcher.handle_row(row(n), 1_000);
        }
        assert_eq!(batcher.poll_batch(1_000).map(|b| b.len()), Some(25));
        assert_eq!(batcher.poll_batch(1_000).map(|b| b.len()), Some(25));
        assert_eq!(batcher.poll_batch(1_000), None, "10 rows wait");
        assert_eq!(batcher.poll_batch(30_999), None);
        assert_eq!(batcher.poll_batch(31_000).map(|b| b.len()), Some(10));
        assert_eq!(batcher.poll_batch(99_000), None, "nothing left");
        batcher.handle_row(row(1), 100_000);
        assert_eq!(batcher.drain().len(), 1);
    }
}
