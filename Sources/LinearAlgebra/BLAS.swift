import COpenBLAS

// MARK: - BLAS

/// Process-wide OpenBLAS settings.
public enum BLAS {
    /// Sets how many threads OpenBLAS uses (`openblas_set_num_threads`).
    ///
    /// Flywheel calls this with 1 at start-up: on this class of machine two BLAS threads make small `sgemv` calls
    /// over twice as slow and `sgemm` no faster (../shared/PLATFORM-NOTES.md).
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "OpenBLAS needs at least one thread, not \(count).")
        openblas_set_num_threads(Int32(count))
    }

    /// How many threads OpenBLAS uses now (`openblas_get_num_threads`).
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// The OpenBLAS build and the kernel it picked, e.g. `OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64`.
    public static var configuration: String { String(cString: openblas_get_config()) }
}
