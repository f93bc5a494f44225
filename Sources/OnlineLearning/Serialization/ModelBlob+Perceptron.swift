// MARK: - ModelBlob perceptron section

extension ModelBlob {
    /// Kind 4: task (`UInt8`: 0 binary, 1 regression, 2 multiclass); layer count `UInt32` and each size `UInt32`; batch size
    /// `UInt32`; learning rate, L2 (`Double`s); the optimizer section (rule and settings, empty accumulators); then per
    /// layer its weights and biases, and the optimizer accumulators of each; steps, examples seen (`UInt64`); the
    /// examples waiting in the current batch (inputs, targets). Weights, accumulators and the batch are `Float`s, as
    /// the perceptron computes.
    static func writePerceptron(_ model: MultilayerPerceptron, forServing: Bool = false, to payload: inout BinaryWriter) {
        payload.write(model.task.rawValue)
        payload.write(UInt32(model.layerSizes.count))
        for size in model.layerSizes { payload.write(UInt32(size)) }
        payload.write(UInt32(model.batchSize))
        payload.write(model.learningRate)
        payload.write(model.l2)
        writeOptimizer(OptimizerState<Float>(model.optimizer, count: 0), to: &payload)
        for l in model.weights.indices {
            payload.write(model.weights[l])
            payload.write(model.biases[l])
            writeOptimizer(forServing ? model.weightOptimizers[l].rule : model.weightOptimizers[l], to: &payload)
            writeOptimizer(forServing ? model.biasOptimizers[l].rule : model.biasOptimizers[l], to: &payload)
        }
        payload.write(UInt64(model.steps))
        payload.write(UInt64(model.examplesSeen))
        payload.write(forServing ? [] : model.batchInputs)
        payload.write(forServing ? [] : model.batchTargets)
    }

    /// Reads a perceptron for vectors of `dimension` slots, checking every shape and number.
    static func readPerceptron(from reader: inout BinaryReader, dimension: Int) throws(ModelFormatError) -> MultilayerPerceptron {
        guard let task = MultilayerPerceptron.Task(rawValue: try reader.read(UInt8.self, "perceptron task")) else {
            throw ModelFormatError(.invalidValue, "the perceptron's task code is not one this build knows")
        }
        let layerCount = Int(try reader.read(UInt32.self, "layer count"))
        guard (3...4).contains(layerCount) else {
            throw ModelFormatError(.invalidValue, "\(layerCount) layer sizes; a perceptron has 3 or 4")
        }
        var sizes: [Int] = []
        for index in 0..<layerCount { sizes.append(Int(try reader.read(UInt32.self, "layer \(index) size"))) }
        let outputsFit = task == .multiclass ? sizes[layerCount - 1] >= 2 : sizes[layerCount - 1] == 1
        guard sizes[0] == dimension, outputsFit, sizes.allSatisfy({ $0 > 0 && $0 <= 1 << 16 }) else {
            throw ModelFormatError(
                .invalidValue, "layer sizes \(sizes) do not fit a vector of \(dimension) and \(task == .multiclass ? "two outputs or more" : "one output")")
        }
        let batchSize = Int(try reader.read(UInt32.self, "batch size"))
        let learningRate = try reader.readDouble("learning rate"), l2 = try reader.readDouble("L2")
        guard batchSize > 0, learningRate.isFinite, learningRate > 0, l2.isFinite, l2 >= 0 else {
            throw ModelFormatError(.invalidValue, "batch size, learning rate or L2 is not valid")
        }
        let rule: OptimizerState<Float> = try readOptimizer(from: &reader, count: 0)
        var model = MultilayerPerceptron(
            task: task, inputs: dimension, hidden: Array(sizes.dropFirst().dropLast()), classes: sizes[layerCount - 1],
            batchSize: batchSize,
            optimizer: rule.optimizer, learningRate: learningRate, l2: l2)
        for l in 0..<(layerCount - 1) {
            let weights = try reader.readFloats("layer \(l) weights", limit: maximumDimension)
            let biases = try reader.readFloats("layer \(l) biases", limit: maximumDimension)
            guard weights.count == sizes[l] * sizes[l + 1], biases.count == sizes[l + 1],
                weights.allSatisfy(\.isFinite), biases.allSatisfy(\.isFinite)
            else {
                throw ModelFormatError(.invalidValue, "layer \(l)'s weights or biases do not fit \(sizes[l])×\(sizes[l + 1]) or are not finite")
            }
            model.weights[l] = weights
            model.biases[l] = biases
            model.weightOptimizers[l] = try readOptimizer(from: &reader, count: weights.count)
            model.biasOptimizers[l] = try readOptimizer(from: &reader, count: biases.count)
            guard model.weightOptimizers[l].optimizer == rule.optimizer, model.biasOptimizers[l].optimizer == rule.optimizer else {
                throw ModelFormatError(.invalidValue, "layer \(l)'s optimizer is not the model's")
            }
        }
        let steps = try reader.read(UInt64.self, "steps"), seen = try reader.read(UInt64.self, "examples seen")
        let inputs = try reader.readFloats("batch inputs", limit: maximumDimension)
        let targets = try reader.readFloats("batch targets", limit: maximumDimension)
        guard steps <= UInt64(Int.max), seen <= UInt64(Int.max), targets.count < batchSize,
            inputs.count == targets.count * dimension, inputs.allSatisfy(\.isFinite), targets.allSatisfy(\.isFinite),
            task != .multiclass || targets.allSatisfy({ $0 >= 0 && Int($0) < sizes[layerCount - 1] && $0.rounded() == $0 })
        else {
            throw ModelFormatError(.invalidValue, "the waiting batch or the counters are not valid")
        }
        model.steps = Int(steps)
        model.examplesSeen = Int(seen)
        model.batchInputs = inputs
        model.batchTargets = targets
        return model
    }
}
