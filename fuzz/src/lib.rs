//! What the fuzz targets share: an allocator that stops the run at any one allocation over
//! [`ALLOCATION_LIMIT`], and the shipped standards, parsed once, that files are read against.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::OnceLock;

use xingfu_core::Standard;

/// Every standard shipped with Xingfu.
pub fn standards() -> &'static [Standard] {
    static STANDARDS: OnceLock<Vec<Standard>> = OnceLock::new();
    STANDARDS.get_or_init(|| {
        xingfu_formats::shipped::ids()
            .map(|id| match xingfu_formats::shipped::shipped(id) {
                Some(Ok(standard)) => standard,
                _ => panic!("the shipped standard {id} does not load"),
            })
            .collect()
    })
}

/// A shipped standard picked by `selector`, so one input can be read against each in turn.
pub fn standard(selector: u8) -> &'static Standard {
    let all = standards();
    &all[usize::from(selector) % all.len()]
}

/// The input as text, as the server and the command line take it (they refuse other bytes).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// The most one allocation may ask for. Importers must bound what they allocate from their
/// input before allocating it; a larger request is a finding (libFuzzer's own malloc limit needs
/// a sanitizer, which stable Rust does not have).
pub const ALLOCATION_LIMIT: usize = 256 << 20;

struct Capped;

fn check(size: usize) {
    if size > ALLOCATION_LIMIT {
        eprintln!(
            "==fuzz== allocation of {size} bytes is over the limit of {ALLOCATION_LIMIT} bytes"
        );
        // libFuzzer reports the abort as a crash and keeps the input.
        std::process::abort();
    }
}

// SAFETY: every call goes to the system allocator unchanged once the size is checked.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        check(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        check(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Capped = Capped;
