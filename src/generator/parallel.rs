//! Work that is independent per table or per statement (reading, checking and rendering each
//! table, rendering each statement) runs on every core. The results come back in input order,
//! so the output never depends on the number of cores or on scheduling.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Items a thread takes at a time: enough to make taking them cheap, few enough that the
/// threads finish together though items differ in cost.
const BATCH: usize = 16;

/// `f` applied to every item, results in input order. A caller that wants the first error
/// collects the results into a `Result`: that is the first error in input order, the one a
/// sequential loop would stop at.
pub fn map_in_order<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = cores.min(items.len().div_ceil(BATCH));
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let count = items.len();
    let mut batches: Vec<Mutex<Vec<T>>> = Vec::with_capacity(count.div_ceil(BATCH));
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        batches.push(Mutex::new(items.by_ref().take(BATCH).collect()));
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let at = next.fetch_add(1, Ordering::Relaxed);
            let Some(batch) = batches.get(at) else { return done };
            // Each batch is taken exactly once, so the lock is never contended.
            let batch = std::mem::take(&mut *batch.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
            done.push((at, batch.into_iter().map(&f).collect::<Vec<R>>()));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for helper in helpers {
            done.extend(helper.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)));
        }
        done
    });
    done.sort_unstable_by_key(|(at, _)| *at);
    let mut results = Vec::with_capacity(count);
    for (_, batch) in done {
        results.extend(batch);
    }
    results
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
