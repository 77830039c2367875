//! "Remediate vulnerabilities" (6 points) with the two vulnerability recommendations (container
//! images, machines): each image or machine counts once in H/U, whatever its number of findings (the
//! findings are sub-assessments of one assessment); not-assessed scans (NotApplicable) never count; a
//! resource unhealthy on one recommendation of the control is unhealthy for the control. Rebuilds
//! Microsoft's "Remediate vulnerabilities" tooltip figure (defender.md §1.3: the control contributes
//! 3.33 points).

use rampart_model::Status::{Healthy, NotApplicable, Unhealthy};
use rampart_model::{Control, Status};
use rampart_score::ScoreBook;

use crate::support::recommendation;

const REMEDIATE_VULNERABILITIES: &str = "remediate-vulnerabilities";
const IMAGES: &str = "c0b7cfc6-3172-465a-b378-53c7ff2cc0d5";
const MACHINES: &str = "1195afff-c881-495e-9bc5-1486211ae03f";

#[test]
fn each_image_or_machine_counts_once_and_not_assessed_never_counts() {
    let controls = [Control {
        id: REMEDIATE_VULNERABILITIES,
        name: "Remediate vulnerabilities",
        max_points: 6,
        description: "",
    }];
    let images = recommendation(IMAGES, &[REMEDIATE_VULNERABILITIES]);
    let machines = recommendation(MACHINES, &[REMEDIATE_VULNERABILITIES]);
    let mut book = ScoreBook::new(&controls, Vec::new()).expect("book");
    // (recommendation, status) per resource: 3 clean images, 2 clean machines; 2 images and 2
    // machines with findings (one image has 40: still one assessment); 2 images not assessed
    // (unscanned, scan error).
    let results: &[(&rampart_model::Recommendation, Status)] = &[
        (&images, Healthy),
        (&images, Healthy),
        (&images, Healthy),
        (&machines, Healthy),
        (&machines, Healthy),
        (&images, Unhealthy),
        (&images, Unhealthy),
        (&machines, Unhealthy),
        (&machines, Unhealthy),
        (&images, NotApplicable),
        (&images, NotApplicable),
    ];
    for (i, (rec, status)) in (0u32..).zip(results) {
        book.add_resource(i, "123456789012", &[]).expect("resource");
        book.record(i, rec, *status).expect("record");
    }
    let report = book.report();
    let c = &report.overall.controls[0];
    assert_eq!((c.healthy, c.unhealthy, c.not_applicable), (5, 4, 2));
    // 6 × 5 / 9 = 3.33 (Microsoft's tooltip figure), 2.67 to gain.
    assert_eq!(c.current, 3.33);
    assert!(
        (c.potential_increase - 2.67).abs() < 0.005,
        "{}",
        c.potential_increase
    );
    assert_eq!(report.overall.max, 6);

    // Only not-assessed images: the control has no H or U and is left out of the score.
    let mut book = ScoreBook::new(&controls, Vec::new()).expect("book");
    book.add_resource(0, "123456789012", &[]).expect("resource");
    book.record(0, &images, NotApplicable).expect("record");
    let report = book.report();
    assert!(!report.overall.controls[0].counted);
    assert_eq!(report.overall.max, 0);
}
