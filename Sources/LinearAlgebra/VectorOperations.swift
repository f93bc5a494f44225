import COpenBLAS

// MARK: - VectorOperations

/// Level-1 BLAS on `[Float]`.
public enum VectorOperations {
    /// `x · y` (`cblas_sdot`).
    /// - Precondition: equal lengths.
    public static func dot(_ x: [Float], _ y: [Float]) -> Float {
        precondition(x.count == y.count, "dot needs equal lengths, not \(x.count) and \(y.count).")
        return cblas_sdot(Int32(x.count), x, 1, y, 1)
    }

    /// `y += alpha * x` (`cblas_saxpy`).
    /// - Precondition: equal lengths.
    public static func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        precondition(x.count == y.count, "axpy needs equal lengths, not \(x.count) and \(y.count).")
        cblas_saxpy(Int32(x.count), alpha, x, 1, &y, 1)
    }
}
