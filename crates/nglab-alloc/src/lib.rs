//! The `nglab` command's global allocator: the system allocator, with every
//! block of [`HUGE`] bytes or more advised into transparent huge pages.
//!
//! Training touches gigabytes of fresh memory stage after stage (counting's
//! scatter arrays, the estimator's columns, the writer's plan). In 4 KiB
//! pages that is about 1.8 million page faults on a 20M-token text at order
//! 5, several seconds of kernel time; in 2 MiB pages, 1/512 as many. This is
//! what glibc's `glibc.malloc.hugetlb=1` tunable does, which a program
//! cannot set for itself.
//!
//! - A large block is advised as soon as the system allocator returns it;
//!   the kernel then serves the faults of the whole 2 MiB pages inside it
//!   with huge pages. (A fresh mapping is untouched until then, even from
//!   `alloc_zeroed`.)
//! - `realloc` of a large block is the system's: glibc grows a block of its
//!   own mapping by remapping, with no copy, and the mapping keeps its
//!   advice.
//! - A block smaller than 32 MiB (glibc's largest `mmap` threshold) grown
//!   to `HUGE` or more is moved into a new block advised before the copy:
//!   glibc would copy it into memory not yet advised.
//!
//! Blocks keep the system allocator's placement, so the peak stays the
//! system allocator's; a huge page that a block only partly fills costs at
//! most 2 MiB a block. (Fixing glibc's `mmap` threshold at `HUGE`, so that
//! every large block has a mapping of its own, was measured and is slower:
//! blocks of about 2 MiB freed and made again chunk after chunk are then
//! faulted in anew each time, in 4 KiB pages.) The advice is a hint: where
//! the kernel has no transparent huge pages, or they are off, `madvise`
//! fails or is ignored and the block is as the system allocator made it.
//! Off Linux with glibc, [`LargePages`] is the system allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// Blocks of this many bytes or more are advised into huge pages: 2 MiB, the
/// size of a transparent huge page on x86-64 and aarch64 (a smaller block
/// cannot hold a whole one).
pub const HUGE: usize = 2 << 20;

/// The system allocator, with blocks of [`HUGE`] bytes or more advised into
/// transparent huge pages. Use as
/// `#[global_allocator] static A: LargePages = LargePages;`.
#[derive(Debug, Clone, Copy, Default)]
pub struct LargePages;

static ADVISE: AtomicBool = AtomicBool::new(false);

/// Turns the advice on or off for blocks allocated from now on (off at
/// start: until then [`LargePages`] is the system allocator). The `nglab`
/// command turns it on for the commands that build models from counts,
/// `train` and `run`, where it was measured to pay; reading an ARPA file
/// (`ppl`, `sample`) it did not shorten, and it raised `ppl`'s peak by 12%.
pub fn advise_large_blocks(on: bool) {
    ADVISE.store(on, Relaxed);
}

/// glibc's largest `mmap` threshold on 64-bit systems: a block this large
/// or larger is its own mapping.
const MAPPED: usize = 32 << 20;

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod os {
    use super::{Relaxed, ADVISE, HUGE};

    /// Whether blocks are advised now (`advise_large_blocks`).
    pub fn advising() -> bool {
        ADVISE.load(Relaxed)
    }

    /// Advises the whole huge pages inside `[ptr, ptr + len)`, if advising.
    pub fn advise(ptr: *mut u8, len: usize) {
        if ptr.is_null() || len < HUGE || !advising() {
            return;
        }
        let start = (ptr as usize).next_multiple_of(HUGE);
        let end = (ptr as usize + len) / HUGE * HUGE;
        if end > start {
            // SAFETY: [start, end) lies inside a block this process owns;
            // MADV_HUGEPAGE changes no contents and no mapping, only how
            // later faults in the range are served.
            unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE) };
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod os {
    pub fn advising() -> bool {
        false
    }
    pub fn advise(_: *mut u8, _: usize) {}
}

// SAFETY: every call is served by `System` (with the caller's layout, or,
// for a small block grown large, as `alloc` + copy + `dealloc`, which is
// what `realloc` means); `advise` only hints how the kernel backs their
// pages.
unsafe impl GlobalAlloc for LargePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which is `System`'s.
        let ptr = unsafe { System.alloc(layout) };
        os::advise(ptr, layout.size());
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`. (A block of its own mapping comes zero
        // from the kernel, untouched, so the advice applies to all of it.)
        let ptr = unsafe { System.alloc_zeroed(layout) };
        os::advise(ptr, layout.size());
        ptr
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size >= HUGE && layout.size() < MAPPED && os::advising() {
            // A block that may sit in the heap, grown large: glibc could
            // copy it into memory not yet advised. Move it into a new block
            // advised first (a copy of less than `MAPPED` bytes).
            // SAFETY: the caller guarantees that `new_size`, rounded up to
            // `layout.align()`, does not overflow `isize`.
            let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
            // SAFETY: `new_layout` has a non-zero size (at least `HUGE`).
            let new = unsafe { self.alloc(new_layout) };
            if !new.is_null() {
                // SAFETY: `ptr` holds `layout.size()` bytes and `new` holds
                // `new_size`; the blocks are distinct; `ptr` came from this
                // allocator with `layout`.
                unsafe {
                    std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                    System.dealloc(ptr, layout);
                }
            }
            return new;
        }
        // Small to small, or a block of its own mapping: glibc grows or
        // shrinks the latter by remapping, with no copy, and the mapping
        // keeps its advice.
        // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract, which is `System`'s.
        let ptr = unsafe { System.realloc(ptr, layout, new_size) };
        os::advise(ptr, new_size);
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller upholds `GlobalAlloc::dealloc`'s contract, which is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// The `VmFlags` line of the mapping in /proc/self/smaps that holds `addr`.
    fn vm_flags(addr: usize) -> String {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("/proc/self/smaps");
        let mut inside = false;
        for line in smaps.lines() {
            let range = line.split_whitespace().next().unwrap_or("");
            if let Some((a, b)) = range.split_once('-') {
                if let (Ok(a), Ok(b)) = (usize::from_str_radix(a, 16), usize::from_str_radix(b, 16)) {
                    inside = (a..b).contains(&addr);
                    continue;
                }
            }
            if inside {
                if let Some(flags) = line.strip_prefix("VmFlags:") {
                    return flags.to_string();
                }
            }
        }
        panic!("no mapping holds {addr:#x}");
    }

    fn thp_available() -> bool {
        std::path::Path::new("/sys/kernel/mm/transparent_hugepage/enabled").exists()
    }

    fn advised(addr: usize) -> bool {
        vm_flags(addr).split_whitespace().any(|f| f == "hg")
    }

    #[test]
    fn large_blocks_are_advised_and_small_ones_are_not() {
        if !thp_available() {
            eprintln!("no transparent huge pages in this kernel: nothing to check");
            return;
        }
        advise_large_blocks(true);
        let a = LargePages;
        let layout = |size| Layout::from_size_align(size, 8).unwrap();
        // A small block is left alone: the heap it sits in is not advised.
        // SAFETY: a non-zero layout.
        let p = unsafe { a.alloc(layout(4096)) };
        assert!(!p.is_null());
        assert!(!advised(p as usize));
        // SAFETY: `p` came from `a` with that layout.
        unsafe { p.write_bytes(7, 4096) };
        // Grown large (moved into an advised block), larger (still under
        // glibc's mmap threshold), then by remapping: advised every time,
        // contents kept.
        let mut old = 4096;
        let mut p = p;
        for new in [8 << 20, 40 << 20, 128 << 20] {
            // SAFETY: `p` came from `a` with layout `layout(old)`.
            p = unsafe { a.realloc(p, layout(old), new) };
            assert!(!p.is_null());
            let last_whole = (p as usize + new) / HUGE * HUGE - HUGE;
            assert!(advised(last_whole), "{new} bytes: {}", vm_flags(last_whole));
            // SAFETY: the first 4096 bytes were written above and kept.
            assert!(unsafe { std::slice::from_raw_parts(p, 4096) }.iter().all(|&b| b == 7));
            old = new;
        }
        // SAFETY: `p` came from `a` with layout `layout(old)`.
        unsafe { a.dealloc(p, layout(old)) };
        // A large zeroed block is advised, and zero.
        // SAFETY: a non-zero layout.
        let z = unsafe { a.alloc_zeroed(layout(8 << 20)) };
        assert!(advised((z as usize).next_multiple_of(HUGE)));
        // SAFETY: `z` holds 8 MiB.
        assert!(unsafe { std::slice::from_raw_parts(z, 8 << 20) }.iter().all(|&b| b == 0));
        // SAFETY: `z` came from `a` with that layout.
        unsafe { a.dealloc(z, layout(8 << 20)) };
    }
}
