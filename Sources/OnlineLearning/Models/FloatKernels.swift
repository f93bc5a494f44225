// MARK: - FloatKernels

/// The perceptron's element-wise loops over `Float` buffers, written on `SIMD16<Float>` so they run 16 lanes at a
/// time (the compiler does not vectorize the branchy scalar forms), with a scalar tail.
enum FloatKernels {
    /// `x = max(x, 0)` (ReLU).
    static func rectify(_ x: UnsafeMutableBufferPointer<Float>) {
        let count = x.count, base = UnsafeMutableRawPointer(x.baseAddress!)
        var i = 0
        while i + 16 <= count {
            var v = base.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            v.replace(with: 0, where: v .< 0)
            base.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { x[i] = max(x[i], 0); i += 1 }
    }

    /// `x = gate > 0 ? x : 0` (the gradient through a ReLU whose outputs are `gate`).
    static func gate(_ x: UnsafeMutableBufferPointer<Float>, by gate: UnsafeBufferPointer<Float>) {
        precondition(gate.count >= x.count)
        let count = x.count, base = UnsafeMutableRawPointer(x.baseAddress!), gates = UnsafeRawPointer(gate.baseAddress!)
        var i = 0
        while i + 16 <= count {
            var v = base.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self)
            v.replace(with: 0, where: gates.loadUnaligned(fromByteOffset: i * 4, as: SIMD16<Float>.self) .<= 0)
            base.storeBytes(of: v, toByteOffset: i * 4, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count { if gate[i] <= 0 { x[i] = 0 }; i += 1 }
    }
}
