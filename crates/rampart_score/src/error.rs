//! The errors the score book reports on bad input: it never panics on them.

/// What went wrong while building or feeding a [`crate::ScoreBook`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// Two controls of the benchmark share an id.
    #[error("control `{control}` is defined twice")]
    DuplicateControl {
        /// The repeated control id.
        control: String,
    },
    /// The benchmark has more controls than a dense `u16` index can address.
    #[error("{count} controls exceed the supported maximum of {max}")]
    TooManyControls {
        /// How many controls were given.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A scored recommendation names a control the book was not built with.
    #[error(
        "recommendation `{recommendation}`: field `controls` names unknown control `{control}`"
    )]
    UnknownControl {
        /// The recommendation id.
        recommendation: String,
        /// The control id it names.
        control: String,
    },
    /// An assessment was recorded for a resource index never declared with `add_resource`.
    #[error("resource index {resource_idx} was not declared with add_resource")]
    UnknownResource {
        /// The index.
        resource_idx: u32,
    },
    /// `add_resource` was called twice for the same index.
    #[error("resource index {resource_idx} is declared twice")]
    DuplicateResource {
        /// The index.
        resource_idx: u32,
    },
    /// `add_resource` got a number of group values different from the book's groupings.
    #[error("resource index {resource_idx}: {given} group values given, the book has {expected} groupings")]
    GroupArity {
        /// The index.
        resource_idx: u32,
        /// Values given.
        given: usize,
        /// Groupings configured.
        expected: usize,
    },
    /// A grouping spec (e.g. from the command line) is not one of `scope`, `resource-group`, `region`, `tag:KEY`.
    #[error("unknown grouping `{spec}` (expected scope, resource-group, region or tag:KEY)")]
    UnknownGrouping {
        /// The text given.
        spec: String,
    },
}
