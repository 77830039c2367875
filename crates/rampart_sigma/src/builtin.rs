//! Rampart's built-in detections, Sigma rules shipped with the crate (`rules/`), loaded
//! beside SigmaHQ's. Each file is embedded at build time.

/// `(file name, Sigma YAML)` of every built-in rule file.
pub fn builtin_rules() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "aws/cloudtrail_logging_tampering.yml",
            include_str!("../rules/aws/cloudtrail_logging_tampering.yml"),
        ),
        (
            "aws/root_account_use.yml",
            include_str!("../rules/aws/root_account_use.yml"),
        ),
        (
            "aws/access_key_for_another_user.yml",
            include_str!("../rules/aws/access_key_for_another_user.yml"),
        ),
        (
            "aws/security_group_open_to_world.yml",
            include_str!("../rules/aws/security_group_open_to_world.yml"),
        ),
        (
            "aws/s3_object_deletion.yml",
            include_str!("../rules/aws/s3_object_deletion.yml"),
        ),
        (
            "linux/ssh_brute_force.yml",
            include_str!("../rules/linux/ssh_brute_force.yml"),
        ),
        (
            "azure/signin_new_country.yml",
            include_str!("../rules/azure/signin_new_country.yml"),
        ),
    ]
}
