//! Any bytes through the whole importer: sniffing, zip checks, xlsx or text reading, header
//! detection and requirement extraction. It must return a result or an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

static QUIET_PANICS: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    // libfuzzer-sys's hook aborts on every panic, even one scal catches (the xlsx parser's, which
    // `read` turns into an error). A panic that escapes scal still aborts: libfuzzer-sys aborts on
    // any unwinding that reaches it.
    QUIET_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let limits = scal_workbook::Limits {
        max_uncompressed_bytes: 8 * 1024 * 1024,
        max_zip_entries: 500,
        ..scal_workbook::Limits::default()
    };
    if let Ok(grids) = scal_workbook::read(data, "fuzz", limits) {
        let _ = scal_workbook::import(&grids, &scal_workbook::ImportOptions::default());
    }
});
