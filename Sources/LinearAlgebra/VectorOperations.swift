import CKernels
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

    /// One Adam step over every weight, in place: `m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; w -= rate·m/(√v + ε)`,
    /// each expression evaluated as written (no fused multiply-adds), in a C loop the C compiler vectorizes — Swift's
    /// `squareRoot()` calls libm's `sqrtf` (errno) lane by lane, which took a third of a perceptron's learning time.
    /// - Precondition: `g`, `m` and `v` hold at least as many elements as `w`.
    public static func adam(
        _ w: UnsafeMutableBufferPointer<Float>, gradient g: UnsafeBufferPointer<Float>,
        first m: UnsafeMutableBufferPointer<Float>, second v: UnsafeMutableBufferPointer<Float>,
        rate: Float, beta1: Float, beta2: Float, epsilon: Float
    ) {
        precondition(g.count >= w.count && m.count >= w.count && v.count >= w.count, "adam needs matching lengths")
        guard let weights = w.baseAddress, let gradients = g.baseAddress, let firsts = m.baseAddress,
              let seconds = v.baseAddress else { return }
        flywheel_adam_f32(weights, gradients, firsts, seconds, w.count, rate, beta1, beta2, epsilon)
    }
}
