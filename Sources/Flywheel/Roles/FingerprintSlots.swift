#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - FingerprintSlots

/// The zeroed table memory of a ``FingerprintSet``, asked of the kernel on transparent huge pages (2 MiB) where it
/// offers them (Linux with `transparent_hugepage` set to `madvise` or `always`).
///
/// A million fingerprints take a 16 MiB table that every lookup hits at a random place: on 4 KiB pages nearly every
/// lookup also misses the TLB, and the page walk misses the cache too. On huge pages the table takes 8 TLB entries
/// (`perf` of the loop at max rate with 3 shadows: the sets' share of the feedback process 7.2% → 1.8%, of the
/// trainer process 4.0% → 2.0%). Elsewhere, or when the kernel declines, it is ordinary memory.
///
/// Mutated only through a ``FingerprintSet`` that holds the only reference (it copies first otherwise), hence
/// `@unchecked Sendable`.
final class FingerprintSlots: @unchecked Sendable {
    /// The first slot.
    let base: UnsafeMutablePointer<Int64>
    /// How many slots.
    let count: Int

    /// Tables at least this large start on a huge-page boundary and are advised onto huge pages.
    static let hugePageBytes = 2 << 20

    /// `count` zeroed slots.
    init(count: Int) {
        precondition(count > 0, "FingerprintSlots needs a positive count, not \(count).")
        self.count = count
        let bytes = count * MemoryLayout<Int64>.stride
        let huge = bytes >= Self.hugePageBytes
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, huge ? Self.hugePageBytes : 64, bytes)
        guard status == 0, let raw else { fatalError("FingerprintSlots could not allocate \(bytes) bytes (error \(status))") }
        #if os(Linux)
        // Before the first touch, so the pages are huge from the start. Advice only: a refusal changes nothing.
        if huge { _ = madvise(raw, bytes, MADV_HUGEPAGE) }
        #endif
        memset(raw, 0, bytes)
        base = raw.bindMemory(to: Int64.self, capacity: count)
    }

    /// A copy of `other`'s slots.
    convenience init(copying other: FingerprintSlots) {
        self.init(count: other.count)
        base.update(from: other.base, count: count)
    }

    deinit { free(base) }
}
