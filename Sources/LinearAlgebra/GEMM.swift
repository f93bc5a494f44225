import COpenBLAS

// MARK: - GEMM

/// `C = α·op(A)·op(B) + β·C` over row-major `[Float]` buffers (`cblas_sgemm`; and `[Double]`, `cblas_dgemm`), without allocating: the minibatch
/// steps of the perceptron call it several times per batch on buffers they keep.
public enum GEMM {
    /// Multiplies into `c` (m×n).
    /// - Parameters:
    ///   - a: m×k, or k×m when `transposingA`.
    ///   - b: k×n, or n×k when `transposingB`.
    ///   - c: m×n; its old entries are scaled by `beta` (0: overwritten).
    /// - Precondition: the buffers hold at least the entries the shapes need.
    public static func multiply(
        _ a: [Float], transposingA: Bool = false, _ b: [Float], transposingB: Bool = false,
        into c: inout [Float], m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative shape \(m)×\(n)×\(k)")
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n,
                     "buffers of \(a.count), \(b.count), \(c.count) are too small for \(m)×\(k) · \(k)×\(n)")
        guard m > 0 && n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transposingA ? CblasTrans : CblasNoTrans, transposingB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(transposingA ? m : k), b, Int32(transposingB ? k : n),
            beta, &c, Int32(n))
    }

    /// Multiplies into `c` (m×n) in double precision (`cblas_dgemm`), for statistics that need it.
    /// - Parameters:
    ///   - a: m×k.
    ///   - b: k×n.
    ///   - c: m×n; overwritten.
    /// - Precondition: the buffers hold at least the entries the shapes need.
    public static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], m: Int, n: Int, k: Int) {
        precondition(m >= 0 && n >= 0 && k >= 0, "negative shape \(m)×\(n)×\(k)")
        precondition(a.count >= m * k && b.count >= k * n && c.count >= m * n,
                     "buffers of \(a.count), \(b.count), \(c.count) are too small for \(m)×\(k) · \(k)×\(n)")
        guard m > 0 && n > 0 else { return }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
    }

    /// The floating-point operations of one such product: 2·m·n·k.
    public static func operations(m: Int, n: Int, k: Int) -> Double { 2 * Double(m) * Double(n) * Double(k) }
}
