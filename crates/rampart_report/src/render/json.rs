//! The JSON renderer: the [`Report`] itself, pretty-printed by default (diff-friendly, and the
//! contract is read by people too), compact with [`RenderOptions::compact_json`]; always ends with a
//! newline.
//!
//! Output is byte for byte what `serde_json::to_writer_pretty(report)` (or `to_writer`) gives; the
//! renderer writes the document's skeleton and the per-result objects itself because results are
//! ~all of a large report (12M at 1M resources) and going through serde costs a dozen small writes
//! and a byte-at-a-time escape per field. Everything else is serialised by serde_json with a
//! formatter that starts at the right depth. A test compares both paths on hostile strings.
//!
//! Rendering on every core: a large report (more items than one chunk, [`CHUNK`]) has its big
//! arrays (each recommendation's results and the top-level `resources` array) cut into chunks of
//! consecutive items, which worker threads (one fewer than the cores) render into buffers while the
//! calling thread writes the skeleton and, at each array, the array's chunks in order, rendering the
//! next chunk itself whenever the one it must write is not ready. An item's bytes depend only on the
//! item, its index (the first one has no `,` before it) and its fixed depth, so chunks concatenated
//! in order are exactly the bytes of the single-threaded loop: the output is identical whatever the
//! chunk size or the number of threads (a test renders with tiny chunks against serde). Memory stays
//! bounded: a chunk is taken only while fewer than twice the rendering threads' number are rendered
//! and not yet written, and buffers are reused. A report of at most one chunk (or a one-core
//! machine) takes the single-threaded path and starts no thread.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::ops::Range;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::escape::needs_escape;
use crate::render::RenderOptions;
use crate::results::{sub_assessments_of, ResultEntry};
use crate::{RecommendationReport, Report, ReportError};
use crate::{StrId, StringTable};
use rampart_model::{Cause, Provider, Status, SubAssessment};

/// Items (results or resources) per chunk rendered by a worker: ~300-600 bytes each pretty-printed,
/// so ~100 KB per buffer. Small, so that a chunk is still in cache when the writer hands it to the
/// kernel, which copies it into the page cache: with 7 MB chunks that copy ran from memory and
/// rendering + writing the 1M report took 6.2-6.9 s; with 256 items, 2.8-3.0 s (BENCHMARKS.md,
/// session 5). 128 and fewer were slower again (more hand-overs).
const CHUNK: usize = 256;

/// Most worker threads started: the calling thread writes every byte alone, so on a big machine more
/// workers would mostly wait for it while holding a buffer each.
const MAX_THREADS: usize = 8;

pub(crate) fn render(
    report: &Report,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    // One worker fewer than the cores: the writer renders chunks too while it waits (see
    // `Pipeline::write_array`), and a thread more than cores was woken for every chunk.
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .saturating_sub(1)
        .min(MAX_THREADS);
    render_json_chunked(report, options, CHUNK, threads, out)
}

/// The JSON renderer with its parallelism fixed: the big arrays in chunks of `chunk` items (at least
/// 1) rendered by `threads` worker threads besides the writing thread, which renders the next chunk
/// itself whenever the one it must write is not ready (0: the single-threaded path, as for a report
/// of at most one chunk). The output does not depend on either; tests use tiny chunks to check
/// that. Not an API: [`render`] chooses them itself.
///
/// # Errors
/// When writing to `out` fails.
#[doc(hidden)]
pub fn render_json_chunked(
    report: &Report,
    options: &RenderOptions,
    chunk: usize,
    threads: usize,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let chunk = chunk.max(1);
    let pretty = !options.compact_json;
    // A local buffer: many small pieces are written, each a dynamic call on `out` otherwise.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    let items = report.resources.len()
        + report
            .recommendations
            .iter()
            .map(|rec| rec.resources.len())
            .sum::<usize>();
    if threads == 0 || items <= chunk {
        let keys = Keys::new(pretty);
        let escapes = Escapes::new(report.resources.len());
        Emitter {
            out: &mut out,
            pretty,
            keys: &keys,
            escapes: &escapes,
            pipeline: None,
        }
        .report(report)
    } else {
        render_parallel(report, pretty, chunk, threads, &mut out)
    }
    .map_err(ReportError::io("json"))?;
    out.write_all(b"\n").map_err(ReportError::io("json"))?;
    out.flush().map_err(ReportError::io("json"))
}

/// Renders `report` into `out` with `threads` workers (and the calling thread) rendering the big
/// arrays' chunks.
fn render_parallel<W: Write>(
    report: &Report,
    pretty: bool,
    chunk: usize,
    threads: usize,
    out: &mut W,
) -> io::Result<()> {
    /// Stops the workers when the writer is done, fails or panics: either way they have nothing
    /// more to do (they would otherwise wait for the writer forever, and the scope for them).
    struct StopOnDrop<'a, 'r>(&'a Pipeline<'r>);
    impl Drop for StopOnDrop<'_, '_> {
        fn drop(&mut self) {
            self.0.stop();
        }
    }
    let pipeline = Pipeline::new(report, pretty, chunk, threads);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| pipeline.work());
        }
        let _stop = StopOnDrop(&pipeline);
        Emitter {
            out,
            pretty,
            keys: &pipeline.keys,
            escapes: &pipeline.escapes,
            pipeline: Some(&pipeline),
        }
        .report(report)
    })
}

/// Which big array a chunk belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Array {
    /// `recommendations[i].resources`.
    Results(usize),
    /// The top-level `resources`.
    Resources,
}

/// A run of consecutive items of one array, rendered as a unit.
struct Job {
    array: Array,
    items: Range<usize>,
}

/// The chunks of a parallel render, in document order, and their hand-over from the workers to the
/// writer (the calling thread).
struct Pipeline<'r> {
    report: &'r Report,
    pretty: bool,
    keys: Keys,
    escapes: Escapes,
    jobs: Vec<Job>,
    /// Most chunks taken by workers and not yet written: bounds memory to `window` buffers.
    window: usize,
    state: Mutex<State>,
    /// Signalled when a chunk is rendered, one is written, or the render stops.
    changed: Condvar,
}

struct State {
    /// The next job a worker takes.
    next: usize,
    /// Jobs written so far (the writer wants `jobs[written]` next).
    written: usize,
    /// Rendered chunks awaiting the writer, by job (an entry is taken back when written).
    done: Vec<Option<io::Result<Vec<u8>>>>,
    /// Written buffers, kept for the next chunks (no reallocating and faulting in fresh pages).
    spare: Vec<Vec<u8>>,
    /// The writer is done or failed, or a worker panicked: workers stop taking jobs.
    stop: bool,
    /// A worker panicked: the writer must not wait for its chunk.
    panicked: bool,
}

impl<'r> Pipeline<'r> {
    fn new(report: &'r Report, pretty: bool, chunk: usize, threads: usize) -> Self {
        let arrays = report
            .recommendations
            .iter()
            .enumerate()
            .map(|(i, rec)| (Array::Results(i), rec.resources.len()))
            .chain([(Array::Resources, report.resources.len())]);
        let mut jobs = Vec::new();
        for (array, len) in arrays {
            let mut start = 0;
            while start < len {
                let end = len.min(start + chunk);
                jobs.push(Job {
                    array,
                    items: start..end,
                });
                start = end;
            }
        }
        // Two buffers per rendering thread, the writer included.
        let window = 2 * (threads + 1);
        let done = jobs.iter().map(|_| None).collect();
        Self {
            report,
            pretty,
            keys: Keys::new(pretty),
            escapes: Escapes::new(report.resources.len()),
            jobs,
            window,
            state: Mutex::new(State {
                next: 0,
                written: 0,
                done,
                spare: Vec::with_capacity(window),
                stop: false,
                panicked: false,
            }),
            changed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic is never raised while the lock is held; and if it were, the state is still sound
        // (every update under the lock is a single assignment or push).
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'g>(&self, guard: MutexGuard<'g, State>) -> MutexGuard<'g, State> {
        self.changed
            .wait(guard)
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn stop(&self) {
        self.lock().stop = true;
        self.changed.notify_all();
    }

    /// A worker: takes the next job while the window allows, renders it, hands it over.
    fn work(&self) {
        /// Tells the writer when this worker dies by a panic, so it does not wait for its chunk
        /// (the scope then re-raises the panic).
        struct OnPanic<'a, 'r>(&'a Pipeline<'r>);
        impl Drop for OnPanic<'_, '_> {
            fn drop(&mut self) {
                if std::thread::panicking() {
                    let mut st = self.0.lock();
                    st.stop = true;
                    st.panicked = true;
                    drop(st);
                    self.0.changed.notify_all();
                }
            }
        }
        let _on_panic = OnPanic(self);
        loop {
            let (job, buf) = {
                let mut st = self.lock();
                loop {
                    if st.stop || st.next >= self.jobs.len() {
                        return;
                    }
                    if let Some(taken) = self.take(&mut st) {
                        break taken;
                    }
                    st = self.wait(st);
                }
            };
            let rendered = self.render_taken(job, buf);
            self.lock().done[job] = Some(rendered);
            self.changed.notify_all();
        }
    }

    /// Takes the next job and a spare buffer for it, while fewer than `window` chunks are rendered
    /// or being rendered and not yet written (what bounds the memory); `None` when there is no job
    /// left or the window is full.
    fn take(&self, st: &mut State) -> Option<(usize, Vec<u8>)> {
        if st.next >= self.jobs.len() || st.next >= st.written + self.window {
            return None;
        }
        st.next += 1;
        Some((st.next - 1, st.spare.pop().unwrap_or_default()))
    }

    /// Renders a job [`Pipeline::take`] handed out, into its buffer.
    fn render_taken(&self, job: usize, mut buf: Vec<u8>) -> io::Result<Vec<u8>> {
        buf.clear();
        self.render_job(&self.jobs[job], &mut buf).map(|()| buf)
    }

    fn render_job(&self, job: &Job, buf: &mut Vec<u8>) -> io::Result<()> {
        let mut e = Emitter {
            out: buf,
            pretty: self.pretty,
            keys: &self.keys,
            escapes: &self.escapes,
            pipeline: None,
        };
        let r = self.report;
        match job.array {
            Array::Results(i) => e.result_items(r, &r.recommendations[i], job.items.clone()),
            Array::Resources => e.resource_items(r, job.items.clone()),
        }
    }

    /// The writer: writes to `out` every chunk of `array`, in order, as each is rendered. While the
    /// chunk it must write next is not ready, it renders the next job itself (when the window
    /// allows) instead of sleeping until a worker wakes it.
    fn write_array<W: Write>(&self, out: &mut W, array: Array) -> io::Result<()> {
        let mut st = self.lock();
        while st.written < self.jobs.len() && self.jobs[st.written].array == array {
            let at = st.written;
            let chunk = loop {
                if let Some(chunk) = st.done[at].take() {
                    break chunk;
                }
                if st.panicked {
                    return Err(io::Error::other("a JSON rendering thread panicked"));
                }
                if let Some((job, buf)) = self.take(&mut st) {
                    drop(st);
                    let rendered = self.render_taken(job, buf);
                    st = self.lock();
                    // Only the writer (this thread) waits for a rendered chunk, and the window has
                    // not moved: no one to wake.
                    st.done[job] = Some(rendered);
                    continue;
                }
                st = self.wait(st);
            };
            st.written += 1;
            drop(st);
            // A worker may take the next job now.
            self.changed.notify_all();
            let buf = chunk?;
            out.write_all(&buf)?;
            st = self.lock();
            if st.spare.len() < self.window {
                st.spare.push(buf);
            }
        }
        Ok(())
    }
}

/// serde_json's `PrettyFormatter` (two-space indent) starting at `depth`, so a value serialised
/// alone is indented as it would be inside the whole document.
struct Pretty {
    depth: usize,
    has_value: bool,
}

const SPACES: &[u8] = &[b' '; 128];

/// `,\n` and the indent of up to 15 levels: what precedes a member or element (from 1 when it is the
/// first, which has no comma).
const SEPARATOR: &[u8; 32] = b",\n                              ";

fn indent<W: ?Sized + Write>(w: &mut W, depth: usize) -> io::Result<()> {
    let mut n = depth * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        w.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.depth)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.depth)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            indent(w, self.depth)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        indent(w, self.depth)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// The members a resource or result object may have, in the order they are written; [`Keys`] holds
/// what precedes each one's value.
#[derive(Clone, Copy)]
enum Key {
    Id,
    Name,
    Type,
    Scope,
    Provider,
    Region,
    ResourceGroup,
    Status,
    Cause,
    Reason,
}

const KEY_NAMES: [&str; 10] = [
    "id",
    "name",
    "type",
    "scope",
    "provider",
    "region",
    "resource_group",
    "status",
    "cause",
    "reason",
];

/// Depth of the members of a top-level `resources` item and of a result object.
const RESOURCE_DEPTH: usize = 3;
const RESULT_DEPTH: usize = 5;

/// For each [`Key`], at the two depths where resources and results are written, everything that
/// precedes a string value in one piece: the separator and indent (pretty; none before `id`, always
/// first), `"key": ` and the value's opening quote: one write before each value instead of four.
struct Keys {
    resource: [Vec<u8>; 10],
    result: [Vec<u8>; 10],
}

impl Keys {
    fn new(pretty: bool) -> Self {
        let at = |depth: usize| {
            KEY_NAMES.map(|key| {
                let mut p = Vec::new();
                if key != "id" {
                    p.push(b',');
                }
                if pretty {
                    p.push(b'\n');
                    p.resize(p.len() + 2 * depth, b' ');
                }
                p.push(b'"');
                p.extend_from_slice(key.as_bytes());
                p.extend_from_slice(if pretty { b"\": \"" } else { b"\":\"" });
                p
            })
        };
        Self {
            resource: at(RESOURCE_DEPTH),
            result: at(RESULT_DEPTH),
        }
    }

    fn get(&self, depth: usize, key: Key) -> &[u8] {
        debug_assert!(depth == RESOURCE_DEPTH || depth == RESULT_DEPTH, "{depth}");
        if depth == RESULT_DEPTH {
            &self.result[key as usize]
        } else {
            &self.resource[key as usize]
        }
    }
}

/// A string to write and whether JSON must escape it.
#[derive(Clone, Copy)]
struct Text<'a> {
    s: &'a str,
    escaped: bool,
}

impl<'a> Text<'a> {
    /// An interned string, with the table's answer; `None` for [`StrId::NONE`].
    fn interned(strings: &'a StringTable, id: StrId) -> Option<Self> {
        strings
            .get_escaped(id)
            .map(|(s, escaped)| Self { s, escaped })
    }
}

/// Whether each resource's id and name need escaping, tested the first time one of its results is
/// written and remembered: a resource has a result in many recommendations, and testing its id and
/// name for every one of them was ~5% of a 200k scan's CPU samples. One byte per resource, 0 while
/// unknown; workers that race on a resource store the same answer.
struct Escapes(Box<[AtomicU8]>);

impl Escapes {
    const KNOWN: u8 = 1;
    const ID: u8 = 2;
    const NAME: u8 = 4;

    fn new(resources: usize) -> Self {
        Self((0..resources).map(|_| AtomicU8::new(0)).collect())
    }

    /// Whether resource `index`'s `id` and `name` need escaping.
    fn of(&self, index: usize, id: &str, name: &str) -> (bool, bool) {
        let Some(slot) = self.0.get(index) else {
            return (needs_escape(id.as_bytes()), needs_escape(name.as_bytes()));
        };
        let known = slot.load(Ordering::Relaxed);
        if known & Self::KNOWN != 0 {
            return (known & Self::ID != 0, known & Self::NAME != 0);
        }
        let (id, name) = (needs_escape(id.as_bytes()), needs_escape(name.as_bytes()));
        let mut bits = Self::KNOWN;
        if id {
            bits |= Self::ID;
        }
        if name {
            bits |= Self::NAME;
        }
        slot.store(bits, Ordering::Relaxed);
        (id, name)
    }
}

/// Loads one byte of each 64-byte line of `s` (opaquely, so that the loads are kept).
fn touch(s: &str) {
    for b in s.as_bytes().iter().step_by(64) {
        std::hint::black_box(*b);
    }
    std::hint::black_box(s.as_bytes().last().copied());
}

/// A resource's members, resolved and tested for escapes (see [`Emitter::result_items`]).
#[derive(Clone, Copy)]
struct ResourceText<'a> {
    id: Text<'a>,
    name: Text<'a>,
    resource_type: Text<'a>,
    scope: Text<'a>,
    provider: Provider,
    region: Option<Text<'a>>,
    resource_group: Option<Text<'a>>,
}

const EMPTY: Text<'static> = Text {
    s: "",
    escaped: false,
};

impl<'a> ResourceText<'a> {
    /// Resource `index` of `r`, as [`Report::resource`] resolves it (a missing one as empty strings,
    /// as the views do); whether its id and name need escaping comes from `escapes`.
    fn of(r: &'a Report, index: usize, escapes: &Escapes) -> Self {
        let Some(info) = r.resources.get(index) else {
            return Self {
                id: EMPTY,
                name: EMPTY,
                resource_type: EMPTY,
                scope: EMPTY,
                provider: Provider::Azure,
                region: None,
                resource_group: None,
            };
        };
        let (id, name) = escapes.of(index, &info.id, &info.name);
        Self {
            id: Text {
                s: &info.id,
                escaped: id,
            },
            name: Text {
                s: &info.name,
                escaped: name,
            },
            resource_type: Text::interned(&r.strings, info.resource_type).unwrap_or(EMPTY),
            scope: Text::interned(&r.strings, info.scope).unwrap_or(EMPTY),
            provider: info.provider,
            region: Text::interned(&r.strings, info.region),
            resource_group: Text::interned(&r.strings, info.resource_group),
        }
    }
}

/// One result, resolved (see [`Emitter::result_items`]).
struct ResultText<'a> {
    resource: ResourceText<'a>,
    status: Status,
    cause: Option<Cause>,
    reason: Option<Text<'a>>,
    sub_assessments: &'a [SubAssessment],
}

/// Items resolved before any is written (see [`Emitter::result_items`]).
const WINDOW: usize = 64;

struct Emitter<'p, W: Write> {
    out: W,
    pretty: bool,
    keys: &'p Keys,
    escapes: &'p Escapes,
    /// Where the big arrays' items come from: `None`, rendered here; else written as the workers of
    /// a parallel render give them.
    pipeline: Option<&'p Pipeline<'p>>,
}

impl<W: Write> Emitter<'_, W> {
    /// Before an object member: separator, newline and indent (pretty), then `"key": `.
    fn key(&mut self, first: bool, depth: usize, key: &str) -> io::Result<()> {
        if self.pretty {
            self.separator(first, depth)?;
            self.out.write_all(b"\"")?;
            self.out.write_all(key.as_bytes())?;
            self.out.write_all(b"\": ")
        } else {
            if !first {
                self.out.write_all(b",")?;
            }
            self.out.write_all(b"\"")?;
            self.out.write_all(key.as_bytes())?;
            self.out.write_all(b"\":")
        }
    }

    /// Pretty: `,` unless first, then a newline and the indent of `depth`, in one write when the
    /// indent is within [`SEPARATOR`].
    fn separator(&mut self, first: bool, depth: usize) -> io::Result<()> {
        let end = 2 + 2 * depth;
        if end <= SEPARATOR.len() {
            self.out.write_all(&SEPARATOR[usize::from(first)..end])
        } else {
            self.out.write_all(if first { b"\n" } else { b",\n" })?;
            indent(&mut self.out, depth)
        }
    }

    /// Before an array element.
    fn item(&mut self, first: bool, depth: usize) -> io::Result<()> {
        if self.pretty {
            self.separator(first, depth)
        } else if first {
            Ok(())
        } else {
            self.out.write_all(b",")
        }
    }

    /// Closes an object or array whose members are at `depth + 1`.
    fn close(&mut self, any: bool, depth: usize, bracket: &[u8]) -> io::Result<()> {
        if self.pretty && any {
            // A newline and the indent: what precedes a first member.
            self.separator(true, depth)?;
        }
        self.out.write_all(bracket)
    }

    /// Any value, through serde_json, as it would appear at `depth`.
    fn value<T: Serialize + ?Sized>(&mut self, depth: usize, v: &T) -> io::Result<()> {
        if self.pretty {
            let formatter = Pretty {
                depth,
                has_value: false,
            };
            v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut self.out,
                formatter,
            ))
        } else {
            v.serialize(&mut serde_json::Serializer::with_formatter(
                &mut self.out,
                CompactFormatter,
            ))
        }
        .map_err(io::Error::from)
    }

    /// A string: copied as is when nothing needs escaping, else escaped by serde_json.
    fn str(&mut self, s: &str) -> io::Result<()> {
        if needs_escape(s.as_bytes()) {
            serde_json::to_writer(&mut self.out, s).map_err(io::Error::from)
        } else {
            self.out.write_all(b"\"")?;
            self.out.write_all(s.as_bytes())?;
            self.out.write_all(b"\"")
        }
    }

    fn report(&mut self, r: &Report) -> io::Result<()> {
        self.out.write_all(b"{")?;
        self.key(true, 1, "schema_version")?;
        self.value(1, &r.schema_version)?;
        self.key(false, 1, "tool")?;
        self.value(1, &r.tool)?;
        self.key(false, 1, "generated_at")?;
        self.value(1, &r.generated_at)?;
        self.key(false, 1, "score")?;
        self.value(1, &r.score)?;
        self.key(false, 1, "scopes")?;
        self.value(1, &r.scopes)?;
        self.key(false, 1, "groups")?;
        self.value(1, &r.groups)?;
        self.key(false, 1, "controls")?;
        self.value(1, &r.controls)?;
        self.key(false, 1, "recommendations")?;
        self.out.write_all(b"[")?;
        for (i, rec) in r.recommendations.iter().enumerate() {
            self.item(i == 0, 2)?;
            self.recommendation(r, i, rec)?;
        }
        self.close(!r.recommendations.is_empty(), 1, b"]")?;
        self.key(false, 1, "compliance")?;
        self.value(1, &r.compliance)?;
        self.key(false, 1, "input")?;
        self.value(1, &r.input)?;
        self.key(false, 1, "exemptions")?;
        self.value(1, &r.exemptions)?;
        self.key(false, 1, "resources")?;
        self.out.write_all(b"[")?;
        match self.pipeline {
            Some(p) => p.write_array(&mut self.out, Array::Resources)?,
            None => self.resource_items(r, 0..r.resources.len())?,
        }
        self.close(!r.resources.is_empty(), 1, b"]")?;
        self.close(true, 0, b"}")
    }

    /// Items `range` of the top-level `resources` array (at depth 2, members at 3), each with its
    /// separator.
    fn resource_items(&mut self, r: &Report, range: Range<usize>) -> io::Result<()> {
        for i in range {
            let res = ResourceText::of(r, i, self.escapes);
            self.item(i == 0, 2)?;
            self.out.write_all(b"{")?;
            self.resource_fields(RESOURCE_DEPTH, &res)?;
            self.close(true, 2, b"}")?;
        }
        Ok(())
    }

    /// One recommendation at depth 2 (members at 3, results at 4, their fields at 5); it is
    /// `r.recommendations[index]`.
    fn recommendation(
        &mut self,
        r: &Report,
        index: usize,
        rec: &RecommendationReport,
    ) -> io::Result<()> {
        self.out.write_all(b"{")?;
        self.key(true, 3, "id")?;
        self.str(&rec.id)?;
        self.key(false, 3, "title")?;
        self.str(&rec.title)?;
        self.key(false, 3, "severity")?;
        self.value(3, &rec.severity)?;
        self.key(false, 3, "control")?;
        self.str(&rec.control)?;
        self.key(false, 3, "controls")?;
        self.value(3, &rec.controls)?;
        self.key(false, 3, "preview")?;
        self.value(3, &rec.preview)?;
        self.key(false, 3, "custom")?;
        self.value(3, &rec.custom)?;
        self.key(false, 3, "mcsb")?;
        self.value(3, &rec.mcsb)?;
        self.key(false, 3, "description")?;
        self.str(&rec.description)?;
        self.key(false, 3, "remediation")?;
        self.str(&rec.remediation)?;
        self.key(false, 3, "healthy")?;
        self.value(3, &rec.healthy)?;
        self.key(false, 3, "unhealthy")?;
        self.value(3, &rec.unhealthy)?;
        self.key(false, 3, "not_applicable")?;
        self.value(3, &rec.not_applicable)?;
        self.key(false, 3, "resources")?;
        self.out.write_all(b"[")?;
        match self.pipeline {
            Some(p) => p.write_array(&mut self.out, Array::Results(index))?,
            None => self.result_items(r, rec, 0..rec.resources.len())?,
        }
        self.close(!rec.resources.is_empty(), 3, b"]")?;
        self.close(true, 2, b"}")
    }

    /// Results `range` of `rec` (at depth 4), each with its separator.
    ///
    /// Resolved a window at a time before any is written: a recommendation's results visit its
    /// resources with a stride, so each one's id and name are cache misses, and resolving (which
    /// reads them: for the escape test the first time, then by [`touch`]) in a loop of independent
    /// iterations lets the processor wait for several misses at once; writing them then reads them
    /// from cache.
    fn result_items(
        &mut self,
        r: &Report,
        rec: &RecommendationReport,
        range: Range<usize>,
    ) -> io::Result<()> {
        let side = !rec.sub_assessments.is_empty();
        let mut window: Vec<ResultText<'_>> = Vec::with_capacity(WINDOW.min(range.len()));
        let mut start = range.start;
        while start < range.end {
            let end = range.end.min(start + WINDOW);
            // Two passes that only load, so that the cache misses of a window overlap instead of
            // coming one after another: first each resource's `ResourceInfo`, then (its address
            // now known) every line of its id and name. Resolving then finds them in cache.
            let entries = &rec.resources[start..end];
            let infos = || {
                entries
                    .iter()
                    .filter_map(|e| r.resources.get(e.resource as usize))
            };
            infos().for_each(|info| {
                std::hint::black_box(info.id.as_ptr());
            });
            infos().for_each(|info| {
                touch(&info.id);
                touch(&info.name);
            });
            window.clear();
            window.extend(
                (start..end)
                    .zip(&rec.resources[start..end])
                    .map(|(i, entry)| resolve(r, self.escapes, rec, side, i, entry)),
            );
            for (i, result) in (start..).zip(&window) {
                self.item(i == 0, 4)?;
                self.result(result)?;
            }
            start = end;
        }
        Ok(())
    }

    /// A string member whose value is `text`, at `depth` (3 or 5).
    fn text_member(&mut self, depth: usize, key: Key, text: Text<'_>) -> io::Result<()> {
        let prefix = self.keys.get(depth, key);
        if text.escaped {
            // The prefix without the value's opening quote; serde_json writes both quotes.
            self.out.write_all(&prefix[..prefix.len() - 1])?;
            serde_json::to_writer(&mut self.out, text.s).map_err(io::Error::from)
        } else {
            self.out.write_all(prefix)?;
            self.out.write_all(text.s.as_bytes())?;
            self.out.write_all(b"\"")
        }
    }

    /// A string member whose value never needs escaping (an enumeration's spelling).
    fn plain_member(&mut self, depth: usize, key: Key, s: &str) -> io::Result<()> {
        self.out.write_all(self.keys.get(depth, key))?;
        self.out.write_all(s.as_bytes())?;
        self.out.write_all(b"\"")
    }

    /// The members of a resource (what `ResourceView`'s derived `Serialize` writes, field for field),
    /// at `depth`, without the braces.
    fn resource_fields(&mut self, depth: usize, v: &ResourceText<'_>) -> io::Result<()> {
        self.text_member(depth, Key::Id, v.id)?;
        self.text_member(depth, Key::Name, v.name)?;
        self.text_member(depth, Key::Type, v.resource_type)?;
        self.text_member(depth, Key::Scope, v.scope)?;
        self.plain_member(depth, Key::Provider, v.provider.as_str())?;
        if let Some(region) = v.region {
            self.text_member(depth, Key::Region, region)?;
        }
        if let Some(rg) = v.resource_group {
            self.text_member(depth, Key::ResourceGroup, rg)?;
        }
        Ok(())
    }

    /// One result object (what `ResourceResultView`'s derived `Serialize` writes, field for field:
    /// the resource's members, then the result's).
    fn result(&mut self, v: &ResultText<'_>) -> io::Result<()> {
        self.out.write_all(b"{")?;
        self.resource_fields(RESULT_DEPTH, &v.resource)?;
        self.plain_member(RESULT_DEPTH, Key::Status, v.status.as_str())?;
        if let Some(cause) = v.cause {
            self.plain_member(RESULT_DEPTH, Key::Cause, cause.as_str())?;
        }
        if let Some(reason) = v.reason {
            self.text_member(RESULT_DEPTH, Key::Reason, reason)?;
        }
        if !v.sub_assessments.is_empty() {
            // Rare: serde writes them.
            self.key(false, RESULT_DEPTH, "sub_assessments")?;
            self.value(RESULT_DEPTH, &v.sub_assessments)?;
        }
        self.close(true, 4, b"}")
    }
}

/// Result `i` of `rec` (`entry`), as [`Report::result_in`] resolves it; `side`: `rec` has
/// sub-assessments (only recommendations with findings do).
fn resolve<'a>(
    r: &'a Report,
    escapes: &Escapes,
    rec: &'a RecommendationReport,
    side: bool,
    i: usize,
    entry: &ResultEntry,
) -> ResultText<'a> {
    let sub_assessments = if side {
        sub_assessments_of(rec, i)
    } else {
        &[]
    };
    ResultText {
        resource: ResourceText::of(r, entry.resource as usize, escapes),
        status: entry.status,
        cause: entry.cause,
        reason: Text::interned(&r.strings, entry.reason),
        sub_assessments,
    }
}
