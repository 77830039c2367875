//! rampart_policy: evaluates Microsoft's built-in Azure Policy definitions — as data, with Azure's
//! semantics — against Azure resources in Azure Resource Graph / ARM shape.
//!
//! - [`definition`]: definitions, initiatives, the embedded MCSB initiative and its 223 definitions.
//! - [`alias`]: alias → property path table (embedded dump + supplement).
//! - `compile`: rule → evaluable tree ([`CompiledPolicy`]); `eval`: conditions, `[*]`, `count`,
//!   template functions, applicability, verdicts ([`Evaluation`]); `stream`: many resources × many
//!   policies with deferred AuditIfNotExists checks ([`StreamingEvaluator`]).
//!
//! Pure: no IO besides the embedded data.

pub mod alias;
mod compile;
pub mod definition;
mod error;
mod eval;
mod expr;
mod path;
mod stream;
mod time;
mod value;

pub use alias::AliasTable;
pub use compile::{CompiledPolicy, Effect, CONDITIONS};
pub use definition::{
    builtin_definition, builtin_definition_errors, builtin_definitions, builtin_initiative,
    Initiative, ParameterDefinition, PolicyDefinition, PolicyMode, PolicyReference,
};
pub use error::PolicyError;
pub use eval::{Evaluation, PendingExistence};
pub use expr::FUNCTIONS;
pub use stream::{Prepared, StreamingEvaluator};

/// Compiles the policy of one initiative reference with its resolved parameters and the builtin
/// alias table.
pub fn compile_reference(reference: &PolicyReference) -> Result<CompiledPolicy, PolicyError> {
    let def =
        builtin_definition(&reference.definition_name).ok_or_else(|| PolicyError::Missing {
            origin: "data/AzureSecurityCenter.json".to_owned(),
            field: format!(
                "definition {} of reference {}",
                reference.definition_name, reference.reference_id
            ),
            expected: "embedded definition",
        })?;
    CompiledPolicy::compile(def, &reference.parameters, AliasTable::builtin())
}
