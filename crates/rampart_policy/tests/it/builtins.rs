//! The embedded initiative and definitions: every reference resolves and compiles.

use rampart_policy::{
    builtin_definition, builtin_definition_errors, builtin_definitions, builtin_initiative,
    compile_reference, StreamingEvaluator,
};

#[test]
fn embedded_data_parses() {
    assert!(
        builtin_definition_errors().is_empty(),
        "{:?}",
        builtin_definition_errors()
    );
    assert_eq!(builtin_definitions().len(), 223);
    let init = builtin_initiative();
    assert_eq!(init.name, "1f3afdf9-d0c9-4c3d-847f-89da613e70a8");
    assert_eq!(init.references.len(), 223);
    for r in &init.references {
        assert!(
            builtin_definition(&r.definition_name).is_some(),
            "{} unresolved",
            r.definition_name
        );
        assert!(r
            .group_names
            .iter()
            .all(|g| !g.starts_with("Azure_Security_Benchmark")));
    }
}

#[test]
fn every_initiative_reference_compiles() {
    let init = builtin_initiative();
    let mut failures = Vec::new();
    let mut compiled = Vec::new();
    for r in &init.references {
        match compile_reference(r) {
            Ok(p) => compiled.push(p),
            Err(e) => failures.push(format!("{} ({}): {e}", r.reference_id, r.definition_name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} references failed to compile:\n{}",
        failures.len(),
        init.references.len(),
        failures.join("\n")
    );
    assert_eq!(compiled.len(), 223);
    // Effects as the initiative sets them, and how many policies need no type pin.
    let mut effects: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for p in &compiled {
        *effects.entry(p.effect().as_str()).or_default() += 1;
    }
    let eval = StreamingEvaluator::new(&compiled);
    let unpinned: Vec<&str> = compiled
        .iter()
        .filter(|p| p.pinned_types().is_none())
        .map(|p| p.name())
        .collect();
    insta::assert_yaml_snapshot!("effects", (effects, eval.unpinned_count(), unpinned));
}

#[test]
fn engine_types_can_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<rampart_policy::CompiledPolicy>();
    send_sync::<rampart_policy::Evaluation>();
    send_sync::<rampart_policy::AliasTable>();
    send::<StreamingEvaluator<'static>>();
}
