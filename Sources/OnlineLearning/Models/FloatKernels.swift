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

    /// One Adam step over every weight: `m = β₁m + (1−β₁)g; v = β₂v + (1−β₂)g²; w -= rate·m/(√v + ε)`.
    static func adam(
        _ w: UnsafeMutableBufferPointer<Float>, _ g: UnsafeBufferPointer<Float>, _ m: UnsafeMutableBufferPointer<Float>,
        _ v: UnsafeMutableBufferPointer<Float>, rate: Float, beta1: Float, beta2: Float, epsilon: Float
    ) {
        let count = w.count
        precondition(g.count >= count && m.count >= count && v.count >= count)
        let (wp, gp) = (UnsafeMutableRawPointer(w.baseAddress!), UnsafeRawPointer(g.baseAddress!))
        let (mp, vp) = (UnsafeMutableRawPointer(m.baseAddress!), UnsafeMutableRawPointer(v.baseAddress!))
        let (c1, c2) = (1 - beta1, 1 - beta2)
        var i = 0
        while i + 16 <= count {
            let offset = i * 4
            let gi = gp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self)
            let mi = beta1 * mp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) + c1 * gi
            let vi = beta2 * vp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) + c2 * gi * gi
            let wi = wp.loadUnaligned(fromByteOffset: offset, as: SIMD16<Float>.self) - rate * mi / (vi.squareRoot() + epsilon)
            mp.storeBytes(of: mi, toByteOffset: offset, as: SIMD16<Float>.self)
            vp.storeBytes(of: vi, toByteOffset: offset, as: SIMD16<Float>.self)
            wp.storeBytes(of: wi, toByteOffset: offset, as: SIMD16<Float>.self)
            i += 16
        }
        while i < count {
            m[i] = beta1 * m[i] + c1 * g[i]
            v[i] = beta2 * v[i] + c2 * g[i] * g[i]
            w[i] -= rate * m[i] / (v[i].squareRoot() + epsilon)
            i += 1
        }
    }
}
