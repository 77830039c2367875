//! Why an SBOM could not be read or written: every error names the document and the field.

/// An SBOM error.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// The document is not JSON.
    #[error("{origin}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// The document.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What serde_json said.
        message: String,
    },
    /// A field is missing or has the wrong type or value.
    #[error("{origin}: field {field}: {message}")]
    Field {
        /// The document.
        origin: String,
        /// JSON path of the field (`components[3].purl`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// Neither CycloneDX (`bomFormat`) nor SPDX (`spdxVersion`).
    #[error("{origin}: not a CycloneDX (bomFormat) or SPDX (spdxVersion) JSON document")]
    UnknownFormat {
        /// The document.
        origin: String,
    },
    /// A version of the format Rampart does not read.
    #[error("{origin}: field {field}: unsupported version `{version}` (supported: {supported})")]
    UnsupportedVersion {
        /// The document.
        origin: String,
        /// `specVersion` or `spdxVersion`.
        field: &'static str,
        /// The version found.
        version: String,
        /// What is supported.
        supported: &'static str,
    },
    /// A malformed package URL (wrapped into [`SbomError::Field`] by the readers).
    #[error("package URL `{purl}`: {message}")]
    Purl {
        /// The purl.
        purl: String,
        /// What is wrong.
        message: String,
    },
    /// The document is larger than the reader accepts.
    #[error("{origin}: {size} bytes is over the {limit}-byte limit for an SBOM")]
    TooLarge {
        /// The document.
        origin: String,
        /// Its size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

impl SbomError {
    pub(crate) fn purl(purl: &str, message: impl Into<String>) -> Self {
        SbomError::Purl {
            purl: purl.to_owned(),
            message: message.into(),
        }
    }

    pub(crate) fn field(
        origin: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        SbomError::Field {
            origin: origin.to_owned(),
            field: field.into(),
            message: message.into(),
        }
    }
}
