//! Parallel reading for large inventories: one thread scans (finds record boundaries, cheap),
//! `workers` threads parse batches of records into resources (the expensive part), and the
//! iterator returns the results in input order. Memory is bounded by the batches in flight.
//!
//! Invariant: the producer announces each batch on the order channel before handing it to the
//! workers, and workers take batches in the same FIFO order, so the batch the consumer waits for
//! is always queued or being parsed: no deadlock.

use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread;

use rampart_model::Resource;

use crate::error::InventoryError;
use crate::reader::{parse_record, InventoryReader, Out, Raw, ReadStats, RecordKind};
use crate::scan::Pos;

/// Records per batch. Small, so that the resources in flight between a parse thread and the
/// consumer (about eight batches) stay in the cores' caches: a resource is allocated, evaluated,
/// handed over and freed on the parse thread while its memory is still cached, and the next
/// batch reuses that memory hot. Measured on the 1M estate (BENCHMARKS.md, session 5): 256 ->
/// 32 records cut the scan's CPU time ~20%; 16 was no better (more thread wake-ups).
const BATCH_RECORDS: usize = 32;
const BATCH_BYTES: usize = 1 << 20;

enum Job {
    Record(RecordKind, Pos, Range<usize>),
    Done(Out),
}

struct Batch<T> {
    bytes: Vec<u8>,
    jobs: Vec<Job>,
    reply: SyncSender<Reply<T>>,
}

/// A parsed batch and the worker that parsed it (which also frees what is given back of it).
struct Reply<T> {
    worker: usize,
    items: Vec<Parsed<T>>,
}

/// A parsed resource with what the map computed of it, or any other outcome (an error).
enum Parsed<T> {
    Resource(Resource, T),
    Other(Out),
}

/// Starts a thread (plain or scoped).
type Spawn<'s> = dyn FnMut(Box<dyn FnOnce() + Send + 's>) + 's;

/// What the parsing threads compute of each resource besides the resource itself (it may also
/// change the resource, e.g. free what no later stage reads).
type MapFn<'s, T> = dyn Fn(&mut Resource) -> T + Sync + 's;

/// The scanning thread, the parsing threads and the ordered receiving end, shared by
/// [`ParallelReader`] and [`ParallelMap`].
struct Pipeline<T> {
    name: String,
    order: Receiver<Receiver<Reply<T>>>,
    current: std::vec::IntoIter<Parsed<T>>,
    /// The worker that parsed the current batch.
    current_worker: usize,
    /// Per worker: where the resources it allocated go to be freed by it (a free on another
    /// thread is a slower, contended path in the allocator).
    trash_tx: Vec<SyncSender<Vec<Resource>>>,
    /// Resources of the current batch given back so far.
    trash: Vec<Resource>,
}

impl<T: Send> Pipeline<T> {
    fn start<'s>(
        mut reader: InventoryReader,
        workers: usize,
        map: &'s MapFn<'s, T>,
        spawn: &mut Spawn<'s>,
    ) -> Self
    where
        T: 's,
    {
        let workers = workers.max(1);
        let name = reader.name().to_owned();
        let derive = reader.derive();
        let (work_tx, work_rx) = sync_channel::<Batch<T>>(workers * 2);
        // Parsed batches' byte buffers go back to the scanner for the next batches: a fresh
        // megabyte per batch is a fresh mapping whose pages the kernel zeroes on first touch
        // (measured: ~13% of a scan's CPU time in `clear_page_erms`).
        let (recycle_tx, recycle_rx) = sync_channel::<Vec<u8>>(workers * 4);
        let work_rx = Arc::new(Mutex::new(work_rx));
        let (order_tx, order_rx) = sync_channel::<Receiver<Reply<T>>>(workers * 4);
        let mut trash_tx = Vec::with_capacity(workers);
        for worker in 0..workers {
            let (tx, trash_rx) = sync_channel::<Vec<Resource>>(8);
            trash_tx.push(tx);
            let work_rx = Arc::clone(&work_rx);
            let recycle_tx = recycle_tx.clone();
            let name = name.clone();
            spawn(Box::new(move || loop {
                // Free what the consumer gave back of this worker's earlier batches.
                while let Ok(trash) = trash_rx.try_recv() {
                    drop(trash);
                }
                let batch = match work_rx.lock().map(|rx| rx.recv()) {
                    Ok(Ok(batch)) => batch,
                    _ => return,
                };
                let Batch { bytes, jobs, reply } = batch;
                let out = jobs
                    .into_iter()
                    .map(|job| {
                        let out = match job {
                            Job::Record(kind, start, range) => {
                                parse_record(&name, kind, start, &bytes[range], derive)
                            }
                            Job::Done(out) => out,
                        };
                        match out {
                            Out::Ok(mut resource) => {
                                let mapped = map(&mut resource);
                                Parsed::Resource(resource, mapped)
                            }
                            other => Parsed::Other(other),
                        }
                    })
                    .collect();
                // Full (or the scanner is gone): this buffer is simply freed.
                let _ = recycle_tx.try_send(bytes);
                // The consumer may have stopped reading: nothing to do then.
                let _ = reply.send(Reply { worker, items: out });
            }));
        }
        spawn(Box::new(move || loop {
            let mut bytes = match recycle_rx.try_recv() {
                Ok(mut recycled) => {
                    recycled.clear();
                    recycled
                }
                Err(_) => Vec::with_capacity(BATCH_BYTES + (64 << 10)),
            };
            let mut jobs = Vec::with_capacity(BATCH_RECORDS);
            let mut end = false;
            while jobs.len() < BATCH_RECORDS && bytes.len() < BATCH_BYTES {
                let from = bytes.len();
                match reader.next_raw(&mut bytes) {
                    Raw::Record(kind, start) => {
                        jobs.push(Job::Record(kind, start, from..bytes.len()))
                    }
                    Raw::Done(out) => jobs.push(Job::Done(*out)),
                    Raw::End => {
                        end = true;
                        break;
                    }
                }
            }
            if !jobs.is_empty() {
                let (reply, reply_rx) = sync_channel(1);
                if order_tx.send(reply_rx).is_err()
                    || work_tx.send(Batch { bytes, jobs, reply }).is_err()
                {
                    return;
                }
            }
            if end {
                return;
            }
        }));
        Pipeline {
            name,
            order: order_rx,
            current: Vec::new().into_iter(),
            current_worker: 0,
            trash_tx,
            trash: Vec::new(),
        }
    }

    /// Sends the resources given back of the current batch to the worker that parsed them (or frees
    /// them here when its queue is full or it has ended).
    fn flush_trash(&mut self) {
        if self.trash.is_empty() {
            return;
        }
        let trash = std::mem::take(&mut self.trash);
        if let Some(tx) = self.trash_tx.get(self.current_worker) {
            let _ = tx.try_send(trash);
        }
    }

    fn next_out(&mut self) -> Option<Parsed<T>> {
        loop {
            if let Some(out) = self.current.next() {
                return Some(out);
            }
            // The producer hung up: the input is exhausted.
            let reply = self.order.recv().ok()?;
            match reply.recv() {
                Ok(batch) => {
                    self.flush_trash();
                    self.current = batch.items.into_iter();
                    self.current_worker = batch.worker;
                }
                Err(_) => {
                    // A parser thread ended without answering (it cannot panic on input; this
                    // would be a bug): report it rather than silently ending the inventory.
                    return Some(Parsed::Other(Out::Fatal(InventoryError::Io {
                        file: self.name.clone(),
                        source: std::io::Error::other("inventory parser thread stopped"),
                    })));
                }
            }
        }
    }
}

fn nothing(_: &mut Resource) {}

/// An [`InventoryReader`] whose scanning and parsing run on background threads; see
/// [`InventoryReader::parallel`]. Items and errors are the same, in the same order.
pub struct ParallelReader {
    inner: Pipeline<()>,
    stats: ReadStats,
}

impl ParallelReader {
    pub(crate) fn spawn(reader: InventoryReader, workers: usize) -> Self {
        let inner = Pipeline::start(reader, workers, &nothing, &mut |f| {
            thread::spawn(f);
        });
        ParallelReader {
            inner,
            stats: ReadStats::default(),
        }
    }

    /// What has been returned so far.
    #[must_use]
    pub fn stats(&self) -> ReadStats {
        self.stats
    }
}

impl Iterator for ParallelReader {
    type Item = Result<Resource, InventoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next_out().map(|parsed| match parsed {
            Parsed::Resource(resource, ()) => Out::Ok(resource).count(&mut self.stats),
            Parsed::Other(out) => out.count(&mut self.stats),
        })
    }
}

/// A [`ParallelReader`] whose parsing threads also apply a function to each resource, so that
/// work that needs only the resource runs beside the parsing instead of on the consuming thread;
/// see [`InventoryReader::parallel_map`]. Items and errors are the same, in the same order.
pub struct ParallelMap<T> {
    inner: Pipeline<T>,
    stats: ReadStats,
}

impl<T: Send> ParallelMap<T> {
    pub(crate) fn spawn<'s, 'env>(
        reader: InventoryReader,
        workers: usize,
        scope: &'s thread::Scope<'s, 'env>,
        map: &'s MapFn<'s, T>,
    ) -> Self
    where
        T: 's,
    {
        let inner = Pipeline::start(reader, workers, map, &mut |f| {
            scope.spawn(f);
        });
        ParallelMap {
            inner,
            stats: ReadStats::default(),
        }
    }

    /// What has been returned so far.
    #[must_use]
    pub fn stats(&self) -> ReadStats {
        self.stats
    }

    /// Hands a resource this iterator returned back once the caller is done with it, so that the
    /// parsing thread that allocated it frees it (optional: dropping it anywhere is correct, only
    /// slower). Call it before asking for the next item.
    pub fn give_back(&mut self, resource: Resource) {
        self.inner.trash.push(resource);
    }
}

impl<T: Send> Iterator for ParallelMap<T> {
    type Item = Result<(Resource, T), InventoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(match self.inner.next_out()? {
            Parsed::Resource(resource, mapped) => {
                self.stats.records += 1;
                Ok((resource, mapped))
            }
            Parsed::Other(out) => {
                Err(out
                    .count(&mut self.stats)
                    .err()
                    .unwrap_or_else(|| InventoryError::Io {
                        file: self.inner.name.clone(),
                        source: std::io::Error::other("parsed resource without its mapped value"),
                    }))
            }
        })
    }
}
