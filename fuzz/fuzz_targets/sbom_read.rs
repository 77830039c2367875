//! Arbitrary bytes as an SBOM (CycloneDX or SPDX JSON), and arbitrary text as a package URL.
//! Properties: no panic; a document that reads gives packages whose purls parse back; a purl that
//! parses prints canonically and parses again to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(sbom) = rampart_sbom::read(text, "fuzz.json") {
        for p in &sbom.packages {
            let purl = rampart_sbom::purl::package_purl(p, sbom.distro.as_ref());
            let canonical = purl.to_string_canonical();
            assert!(rampart_sbom::purl::Purl::parse(&canonical).is_ok(), "{canonical}");
        }
    }
    if let Ok(purl) = rampart_sbom::purl::Purl::parse(text) {
        let canonical = purl.to_string_canonical();
        let again = rampart_sbom::purl::Purl::parse(&canonical).expect("canonical purl parses");
        assert_eq!(again.to_string_canonical(), canonical);
    }
});
