//! Any bytes through the whole importer: sniffing, zip checks, xlsx or text reading, header
//! detection and requirement extraction. It must return a result or an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = scal_workbook::Limits { max_uncompressed_bytes: 8 * 1024 * 1024, max_zip_entries: 500 };
    if let Ok(grids) = scal_workbook::read(data, "fuzz", limits) {
        let _ = scal_workbook::import(&grids, &scal_workbook::ImportOptions::default());
    }
});
