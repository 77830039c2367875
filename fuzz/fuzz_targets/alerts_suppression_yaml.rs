//! Arbitrary text as a suppression-rule file (`rampart detect --suppress`). Properties: no
//! panic; an error names the file; rules that parse can be applied to and simulated over
//! an alert without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

const ALERT: &str = r#"{"alert_type":"Rampart_Sigma_r1","system_alert_id":"0","rule_id":"r1","display_name":"d","description":"d","severity":"High","tactics":["DefenseEvasion"],"techniques":[],"sub_techniques":[],"start_time":"2024-07-31T13:06:24Z","end_time":"2024-07-31T13:06:24Z","time_generated":"2024-07-31T13:06:24Z","count":1,"entities":[{"kind":"account","name":"arn:aws:iam::1:user/a"},{"kind":"ip","address":"203.0.113.9"},{"kind":"host","hostname":"web"},{"kind":"resource","id":"trail"}],"compromised_entity":"arn:aws:iam::1:user/a","remediation_steps":[],"status":"Active","evidence":[],"correlation_key":"k","scope":"1","log_source":"aws_cloudtrail","product_name":"p","vendor_name":"v","extended_properties":{}}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match rampart_alerts::SuppressionRules::from_yaml(text, "fuzz.yaml") {
        Ok(rules) => {
            let Ok(mut alert) = rampart_alerts::parse_alert_line(ALERT, "alert.jsonl", 1) else {
                panic!("the fixed alert parses");
            };
            let now = chrono::Utc::now();
            let _ = rules.simulate([&alert], now);
            let _ = rules.apply(&mut alert, now);
        }
        Err(error) => assert!(error.to_string().contains("fuzz.yaml")),
    }
});
