//! Typed errors of the policy engine. Every variant names the file (`origin`) and the place in it.

/// An error while parsing or compiling a policy definition or initiative.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The text is not valid JSON.
    #[error("{origin}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A required member is missing or has the wrong JSON type.
    #[error("{origin}: `{field}` is missing or not a {expected}")]
    Missing {
        origin: String,
        field: String,
        expected: &'static str,
    },
    /// The policy rule has a structure the engine does not understand.
    #[error("{origin}: at `{path}`: {message}")]
    Rule {
        origin: String,
        path: String,
        message: String,
    },
    /// A template expression (`[...]`) could not be parsed or evaluated at compile time.
    #[error("{origin}: at `{path}`: expression `{expression}`: {message}")]
    Expression {
        origin: String,
        path: String,
        expression: String,
        message: String,
    },
    /// A template function the engine does not implement.
    #[error("{origin}: at `{path}`: unknown template function `{name}`")]
    UnknownFunction {
        origin: String,
        path: String,
        name: String,
    },
    /// A `field` alias that is not in the alias table.
    #[error("{origin}: at `{path}`: unknown alias `{alias}`")]
    UnknownAlias {
        origin: String,
        path: String,
        alias: String,
    },
    /// A parameter is used but has neither a value nor a default.
    #[error("{origin}: parameter `{name}` has no value and no defaultValue")]
    MissingParameter { origin: String, name: String },
    /// `then.effect` resolved to something that is not an Azure Policy effect.
    #[error("{origin}: unknown effect `{effect}`")]
    UnknownEffect { origin: String, effect: String },
}

impl PolicyError {
    pub(crate) fn json(origin: &str, err: &serde_json::Error) -> Self {
        PolicyError::Json {
            origin: origin.to_owned(),
            line: err.line(),
            column: err.column(),
            message: err.to_string(),
        }
    }
}
