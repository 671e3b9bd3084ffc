//! Work that is independent per table or per statement (reading, checking and rendering each
//! table, rendering each statement) runs on every core. The results come back in input order,
//! so the output never depends on the number of cores or on scheduling.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};

/// Items a thread takes at a time: enough to make taking them cheap, few enough that the
/// threads finish together though items differ in cost.
const BATCH: usize = 16;

/// `f` applied to every item, results in input order. A caller that wants the first error
/// collects the results into a `Result`: that is the first error in input order, the one a
/// sequential loop would stop at.
pub fn map_in_order<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let mut results = Vec::with_capacity(items.len());
    for_each_in_order(items, f, |result| results.push(result));
    results
}

/// `f` applied to every item on every core; `sink` gets the results one at a time in input
/// order, each as soon as it and all before it are done. A caller that joins the results
/// into one text need not hold them all besides the text.
pub fn for_each_in_order<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync, mut sink: impl FnMut(R)) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len().div_ceil(BATCH));
    if threads <= 1 {
        items.into_iter().map(f).for_each(sink);
        return;
    }
    let mut batches: Vec<Mutex<Vec<T>>> = Vec::with_capacity(items.len().div_ceil(BATCH));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        batches.push(Mutex::new(items.by_ref().take(BATCH).collect()));
    }
    let (batches, next, f) = (&batches, &AtomicUsize::new(0), &f);
    std::thread::scope(|scope| {
        let (done, arrivals) = mpsc::channel::<(usize, Vec<R>)>();
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let done = done.clone();
                scope.spawn(move || {
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(batch) = batches.get(at) else { return };
                        // Each batch is taken exactly once, so the lock is never contended.
                        let batch = std::mem::take(&mut *batch.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
                        if done.send((at, batch.into_iter().map(f).collect())).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        drop(done);
        // Batches finish out of order; each waits here until the ones before it are out.
        let mut waiting = BTreeMap::new();
        let mut due = 0;
        for (at, results) in arrivals {
            waiting.insert(at, results);
            while let Some(results) = waiting.remove(&due) {
                results.into_iter().for_each(&mut sink);
                due += 1;
            }
        }
        for worker in workers {
            worker.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_input_order() {
        let squares = map_in_order((0..1000u64).collect(), |n| n * n);
        assert_eq!(squares, (0..1000u64).map(|n| n * n).collect::<Vec<_>>());
    }

    #[test]
    fn collected_results_stop_at_the_first_error_in_input_order() {
        let results = map_in_order((0..1000u32).collect(), |n| if n % 300 == 299 { Err(n) } else { Ok(n) });
        assert_eq!(results.into_iter().collect::<Result<Vec<_>, _>>(), Err(299));
    }
}
