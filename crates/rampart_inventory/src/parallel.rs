//! Parallel reading for large inventories: `workers` threads each cut the next batch of records
//! from the reader (finding record boundaries is cheap; one thread at a time, under a lock) and
//! parse it into resources (the expensive part), and the iterator returns the results in input
//! order; while the batch it must return next is not ready, the consuming thread parses the next
//! batch itself instead of sleeping. Memory is bounded by the batches in flight.
//!
//! Invariant: a thread announces its batch on the order channel before releasing the reader's
//! lock, so batches are announced in input order and every announced batch is held by a thread
//! that will answer it without needing the lock again: the batch the consumer waits for is always
//! being parsed (or was parsed by the consumer itself). The consumer never waits for the lock or
//! for room on the order channel (a worker may hold the lock while waiting for that room, which
//! only the consumer makes), so there is no deadlock.

use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, TryLockError};
use std::thread;

use rampart_model::Resource;

use crate::error::InventoryError;
use crate::reader::{parse_record, Derive, InventoryReader, Out, Raw, ReadStats, RecordKind};
use crate::scan::Pos;

/// Records per batch. Small, so that the resources in flight between a parse thread and the
/// consumer (about eight batches) stay in the cores' caches: a resource is allocated, evaluated,
/// handed over and freed on the parse thread while its memory is still cached, and the next
/// batch reuses that memory hot. Measured on the 1M estate (BENCHMARKS.md, session 5): 256 ->
/// 32 records cut the scan's CPU time ~20%; 16 was no better (more thread wake-ups). Since the
/// consumer parses too and no scanning thread is woken per batch (session 10), 64 read ~6% faster
/// than 32 (alternating runs at 200k and 1M); 128 was no better than 64.
const BATCH_RECORDS: usize = 64;
const BATCH_BYTES: usize = 1 << 20;

enum Job {
    Record(RecordKind, Pos, Range<usize>),
    Done(Out),
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

/// `current_worker` of a batch the consumer parsed itself (its resources are freed where they are
/// given back).
const CONSUMER: usize = usize::MAX;

/// The parsing threads and the ordered receiving end, shared by [`ParallelReader`] and
/// [`ParallelMap`].
struct Pipeline<'s, T> {
    order: Receiver<Receiver<Reply<T>>>,
    current: std::vec::IntoIter<Parsed<T>>,
    /// The worker that parsed the current batch ([`CONSUMER`]: this thread).
    current_worker: usize,
    /// Per worker: where the resources it allocated go to be freed by it (a free on another
    /// thread is a slower, contended path in the allocator).
    trash_tx: Vec<SyncSender<Vec<Resource>>>,
    /// Resources of the current batch given back so far.
    trash: Vec<Resource>,
    /// What this thread needs to parse a batch itself while the one it waits for is not ready.
    helper: Helper<'s, T>,
}

/// The consuming thread's means to parse batches itself (see [`Helper::recv`]).
struct Helper<'s, T> {
    parser: Parser<'s, T>,
    source: Arc<Mutex<Source<T>>>,
    /// This thread's buffer for the bytes of the batches it parses.
    bytes: Vec<u8>,
}

impl<T> Helper<'_, T> {
    /// What `rx` brings next (`None` once its sender is gone). While it brings nothing, this thread
    /// parses the input's next batch itself instead of sleeping, so that on a machine with as many
    /// parse threads as cores it is not woken for every batch; it sleeps only when there is no
    /// batch it may take: the lock is held, or the order channel is full (this thread must never
    /// wait for room it alone would make), or the input has ended.
    fn recv<M>(&mut self, rx: &Receiver<M>) -> Option<M> {
        loop {
            match rx.try_recv() {
                Ok(m) => return Some(m),
                Err(TryRecvError::Disconnected) => return None,
                Err(TryRecvError::Empty) => {
                    let Some((jobs, reply)) = next_batch(&self.source, &mut self.bytes, false)
                    else {
                        return rx.recv().ok();
                    };
                    let items = self.parser.parse(&self.bytes, jobs);
                    let _ = reply.send(Reply {
                        worker: CONSUMER,
                        items,
                    });
                }
            }
        }
    }
}

/// What the workers share: the reader, whose next records the worker holding the lock cuts into
/// a batch, and the order channel, on which that worker announces the batch before letting go of
/// the lock (`None` once the input has ended, so that the consumer sees the end after the last
/// announced batch).
struct Source<T> {
    reader: InventoryReader,
    order_tx: Option<SyncSender<Receiver<Reply<T>>>>,
}

/// How a batch's records become resources (and mapped values).
struct Parser<'s, T> {
    name: String,
    derive: Derive,
    map: &'s MapFn<'s, T>,
}

impl<T> Clone for Parser<'_, T> {
    fn clone(&self) -> Self {
        Parser {
            name: self.name.clone(),
            derive: self.derive,
            map: self.map,
        }
    }
}

impl<T> Parser<'_, T> {
    fn parse(&self, bytes: &[u8], jobs: Vec<Job>) -> Vec<Parsed<T>> {
        jobs.into_iter()
            .map(|job| {
                let out = match job {
                    Job::Record(kind, start, range) => {
                        parse_record(&self.name, kind, start, &bytes[range], self.derive)
                    }
                    Job::Done(out) => out,
                };
                match out {
                    Out::Ok(mut resource) => {
                        let mapped = (self.map)(&mut resource);
                        Parsed::Resource(resource, mapped)
                    }
                    other => Parsed::Other(other),
                }
            })
            .collect()
    }
}

/// A fresh buffer for the bytes of batches, reused for every batch of its thread: a fresh megabyte
/// per batch is a fresh mapping whose pages the kernel zeroes on first touch (measured: ~13% of a
/// scan's CPU time in `clear_page_erms`).
fn batch_buffer() -> Vec<u8> {
    Vec::with_capacity(BATCH_BYTES + (64 << 10))
}

impl<'s, T: Send + 's> Pipeline<'s, T> {
    fn start(
        reader: InventoryReader,
        workers: usize,
        map: &'s MapFn<'s, T>,
        spawn: &mut Spawn<'s>,
    ) -> Self {
        let workers = workers.max(1);
        let parser = Parser {
            name: reader.name().to_owned(),
            derive: reader.derive(),
            map,
        };
        let (order_tx, order_rx) = sync_channel::<Receiver<Reply<T>>>(workers * 4);
        // No scanning thread: finding the records' ends is ~2% of the work, and a thread of its
        // own slept and was woken for every batch (BENCHMARKS.md, session 10). The thread that
        // needs a batch cuts it itself, under the lock.
        let source = Arc::new(Mutex::new(Source {
            reader,
            order_tx: Some(order_tx),
        }));
        let mut trash_tx = Vec::with_capacity(workers);
        for worker in 0..workers {
            let (tx, trash_rx) = sync_channel::<Vec<Resource>>(8);
            trash_tx.push(tx);
            let source = Arc::clone(&source);
            let parser = parser.clone();
            spawn(Box::new(move || {
                let mut bytes = batch_buffer();
                loop {
                    // Free what the consumer gave back of this worker's earlier batches.
                    while let Ok(trash) = trash_rx.try_recv() {
                        drop(trash);
                    }
                    let Some((jobs, reply)) = next_batch(&source, &mut bytes, true) else {
                        return;
                    };
                    let items = parser.parse(&bytes, jobs);
                    // The consumer may have stopped reading: nothing to do then.
                    let _ = reply.send(Reply { worker, items });
                }
            }));
        }
        Pipeline {
            order: order_rx,
            current: Vec::new().into_iter(),
            current_worker: 0,
            trash_tx,
            trash: Vec::new(),
            helper: Helper {
                parser,
                source,
                bytes: batch_buffer(),
            },
        }
    }

    /// Sends the resources given back of the current batch to the worker that parsed them (or frees
    /// them here when this thread parsed them, or the worker's queue is full or it has ended).
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
            // `None`: the input has ended and every batch has been taken.
            let reply = self.helper.recv(&self.order)?;
            match self.helper.recv(&reply) {
                Some(batch) => {
                    self.flush_trash();
                    self.current = batch.items.into_iter();
                    self.current_worker = batch.worker;
                }
                None => {
                    // A parser thread ended without answering (it cannot panic on input; this
                    // would be a bug): report it rather than silently ending the inventory.
                    return Some(Parsed::Other(Out::Fatal(InventoryError::Io {
                        file: self.helper.parser.name.clone(),
                        source: std::io::Error::other("inventory parser thread stopped"),
                    })));
                }
            }
        }
    }
}

/// Takes the next batch of the input: announces its answer channel on the order channel, then cuts
/// its records into `bytes`, both under the source's lock, so that batches are announced in input
/// order and each announced batch is held by a thread that will answer it. `wait`: wait for the
/// lock and for room on the order channel (a worker), or give up at once (the consumer).
/// `None` when there is nothing to take: the input has ended (or the consumer has gone, or another
/// thread panicked holding the lock, or `wait` is false and the lock is taken or the order channel
/// full). The last batch may be empty (the input ended exactly at a batch's start); it is still
/// answered.
fn next_batch<T>(
    source: &Mutex<Source<T>>,
    bytes: &mut Vec<u8>,
    wait: bool,
) -> Option<(Vec<Job>, SyncSender<Reply<T>>)> {
    // The consumer must not wait for the lock either: its holder may be a worker waiting for room
    // on the order channel, which only the consumer makes.
    let locked = if wait {
        source.lock().map_err(TryLockError::Poisoned)
    } else {
        source.try_lock()
    };
    let mut src = match locked {
        Ok(src) => src,
        Err(TryLockError::WouldBlock) => return None,
        // A thread panicked cutting a batch (a bug: the reader does not panic on input). Drop the
        // order channel's sender so that the consumer does not wait for batches that never come.
        Err(TryLockError::Poisoned(poisoned)) => {
            poisoned.into_inner().order_tx = None;
            return None;
        }
    };
    let src = &mut *src;
    let order_tx = src.order_tx.as_ref()?;
    let (reply, reply_rx) = sync_channel(1);
    let announced = if wait {
        // Blocks while the consumer is `workers * 4` batches behind (holding the lock: the other
        // workers would wait for the order channel anyway).
        order_tx.send(reply_rx).is_ok()
    } else {
        match order_tx.try_send(reply_rx) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => return None,
            Err(TrySendError::Disconnected(_)) => false,
        }
    };
    if !announced {
        // The consumer has gone: nothing more will be read.
        src.order_tx = None;
        return None;
    }
    bytes.clear();
    let mut jobs = Vec::with_capacity(BATCH_RECORDS);
    while jobs.len() < BATCH_RECORDS && bytes.len() < BATCH_BYTES {
        let from = bytes.len();
        match src.reader.next_raw(bytes) {
            Raw::Record(kind, start) => jobs.push(Job::Record(kind, start, from..bytes.len())),
            Raw::Done(out) => jobs.push(Job::Done(*out)),
            Raw::End => {
                src.order_tx = None;
                break;
            }
        }
    }
    Some((jobs, reply))
}

fn nothing(_: &mut Resource) {}

/// An [`InventoryReader`] whose scanning and parsing run on background threads (and on the
/// consuming thread while it waits); see
/// [`InventoryReader::parallel`]. Items and errors are the same, in the same order.
pub struct ParallelReader {
    inner: Pipeline<'static, ()>,
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
pub struct ParallelMap<'s, T> {
    inner: Pipeline<'s, T>,
    stats: ReadStats,
}

impl<'s, T: Send + 's> ParallelMap<'s, T> {
    pub(crate) fn spawn<'env>(
        reader: InventoryReader,
        workers: usize,
        scope: &'s thread::Scope<'s, 'env>,
        map: &'s MapFn<'s, T>,
    ) -> Self {
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

impl<'s, T: Send + 's> Iterator for ParallelMap<'s, T> {
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
                        file: self.inner.helper.parser.name.clone(),
                        source: std::io::Error::other("parsed resource without its mapped value"),
                    }))
            }
        })
    }
}
