import LinearAlgebra

// MARK: - MultilayerPerceptron minibatch step

extension MultilayerPerceptron {
    /// Each layer's output for `count` rows: ReLU activations for hidden layers, the raw output last.
    /// `Z = A·W + b`: one `sgemm` per layer, the bias broadcast first and kept with `beta = 1`.
    func forward(_ rows: [Float], count: Int) -> [[Float]] {
        var outputs: [[Float]] = []
        outputs.reserveCapacity(weights.count)
        for l in 0..<weights.count {
            let (fanIn, fanOut) = (layerSizes[l], layerSizes[l + 1])
            var z = [Float](unsafeUninitializedCapacity: count * fanOut) { z, initialized in
                biases[l].withUnsafeBufferPointer { b in
                    for r in 0..<count { (z.baseAddress! + r * fanOut).initialize(from: b.baseAddress!, count: fanOut) }
                }
                initialized = count * fanOut
            }
            GEMM.multiply(l == 0 ? rows : outputs[l - 1], weights[l], into: &z, m: count, n: fanOut, k: fanIn, beta: 1)
            if l < weights.count - 1 {
                z.withUnsafeMutableBufferPointer { FloatKernels.rectify($0) }
            }
            outputs.append(z)
        }
        return outputs
    }

    /// One step over the collected batch: forward, the loss gradient at the output (mean over the batch), backward
    /// through every layer (`dW = Aᵀ·dZ`, `dA = dZ·Wᵀ`, both `sgemm`), then the optimizer on every weight and bias.
    /// Does nothing on an empty batch.
    public mutating func trainBatch() {
        let count = batchTargets.count
        guard count > 0 else { return }
        let outputs = forward(batchInputs, count: count)
        let scale = 1 / Float(count)
        // Output gradient with respect to the raw outputs: p − y (log loss), 2(ŷ − y) (squared loss), or
        // softmax(z) − onehot(y) (cross-entropy, one row of `classes` per example).
        let raw = outputs[outputs.count - 1]
        var delta: [Float]
        switch task {
        case .binary:
            delta = (0..<count).map { (Float(LogisticRegression.sigmoid(Double(raw[$0]))) - batchTargets[$0]) * scale }
        case .regression:
            delta = (0..<count).map { 2 * (raw[$0] - batchTargets[$0]) * scale }
        case .multiclass:
            let classes = classCount
            delta = [Float](repeating: 0, count: count * classes)
            for r in 0..<count {
                let probabilities = Self.softmax(raw[(r * classes)..<((r + 1) * classes)])
                let label = Int(batchTargets[r])
                for k in 0..<classes {
                    delta[r * classes + k] = Float(probabilities[k] - (k == label ? 1 : 0)) * scale
                }
            }
        }
        let rate = Float(learningRate) * weightOptimizers[0].stepScale(atStep: steps)
        for l in stride(from: weights.count - 1, through: 0, by: -1) {
            let (fanIn, fanOut) = (layerSizes[l], layerSizes[l + 1])
            let input = l == 0 ? batchInputs : outputs[l - 1]
            var weightGradient = [Float](repeating: 0, count: fanIn * fanOut)
            GEMM.multiply(input, transposingA: true, delta, into: &weightGradient, m: fanIn, n: fanOut, k: count)
            if l2 > 0 {
                VectorOperations.axpy(Float(l2), weights[l], &weightGradient)
            }
            var biasGradient = [Float](repeating: 0, count: fanOut)
            biasGradient.withUnsafeMutableBufferPointer { sum in
                delta.withUnsafeBufferPointer { d in
                    for r in 0..<count {
                        let row = d.baseAddress! + r * fanOut
                        for j in 0..<fanOut { sum[j] += row[j] }
                    }
                }
            }
            if l > 0 {
                // The gradient flowing into the layer below, through its ReLU (zero where the unit was off).
                var below = [Float](repeating: 0, count: count * fanIn)
                GEMM.multiply(delta, weights[l], transposingB: true, into: &below, m: count, n: fanIn, k: fanOut)
                outputs[l - 1].withUnsafeBufferPointer { activation in
                    below.withUnsafeMutableBufferPointer { FloatKernels.gate($0, by: activation) }
                }
                delta = below
            }
            weightOptimizers[l].update(&weights[l], gradient: weightGradient, rate: rate)
            biasOptimizers[l].update(&biases[l], gradient: biasGradient, rate: rate)
        }
        steps += 1
        batchInputs.removeAll(keepingCapacity: true)
        batchTargets.removeAll(keepingCapacity: true)
    }
}
