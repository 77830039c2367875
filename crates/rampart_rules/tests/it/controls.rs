//! The controls table: Defender's names, ids and max points.

use rampart_rules::controls::CONTROLS;

#[test]
fn scored_maxima_sum_to_58() {
    let total: u32 = CONTROLS.iter().map(|c| c.max_points).sum();
    assert_eq!(total, 58);
    assert_eq!(CONTROLS.iter().filter(|c| c.max_points == 0).count(), 2);
}

#[test]
fn ids_and_names_are_unique() {
    let mut ids: Vec<_> = CONTROLS.iter().map(|c| c.id).collect();
    let mut names: Vec<_> = CONTROLS.iter().map(|c| c.name).collect();
    ids.sort_unstable();
    ids.dedup();
    names.sort_unstable();
    names.dedup();
    assert_eq!(ids.len(), CONTROLS.len());
    assert_eq!(names.len(), CONTROLS.len());
}

#[test]
fn controls_table() {
    let table: Vec<String> = CONTROLS
        .iter()
        .map(|c| format!("{:>2}  {:<40}  {}", c.max_points, c.name, c.id))
        .collect();
    insta::assert_snapshot!(table.join("\n"));
}

#[test]
fn benchmark_exposes_the_controls() {
    let b = super::builtin();
    assert_eq!(b.controls().len(), CONTROLS.len());
}
