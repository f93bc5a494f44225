// MARK: - ModelBlob model sections

extension ModelBlob {
    /// Writes the model section of a payload; returns the kind to put in the header. `forServing` leaves the
    /// optimizers' accumulators (and a perceptron's waiting minibatch) out.
    static func writeModel(_ learner: OnlineLearner, forServing: Bool = false, to payload: inout BinaryWriter) -> Kind {
        switch learner {
        case .logistic(let model):
            writeLinear(model.linear, examplesSeen: model.examplesSeen, forServing: forServing, to: &payload)
            return .logisticRegression
        case .linear(let model):
            writeLinear(model.linear, examplesSeen: model.examplesSeen, forServing: forServing, to: &payload)
            return .linearRegression
        case .mlp(let model):
            writePerceptron(model, forServing: forServing, to: &payload)
            return .multilayerPerceptron
        case .softmax(let model):
            payload.write(UInt32(model.classCount))
            payload.write(model.weights)
            payload.write(model.intercepts)
            payload.write(model.learningRate)
            payload.write(model.interceptLearningRate)
            payload.write(model.l2)
            writeOptimizer(forServing ? model.optimizerState.rule : model.optimizerState, to: &payload)
            payload.write(UInt64(model.examplesSeen))
            return .softmaxRegression
        case .ftrl(let model):
            payload.write(model.alpha)
            payload.write(model.beta)
            payload.write(model.l1)
            payload.write(model.l2)
            payload.write(model.state.z)
            payload.write(model.state.n)
            payload.write(UInt64(model.examplesSeen))
            return .ftrlProximal
        case .knn(let model):
            writeNearestNeighbors(model, to: &payload)
            return .nearestNeighbors
        }
    }

    private static func writeLinear(
        _ linear: LinearWeights, examplesSeen: Int, forServing: Bool, to payload: inout BinaryWriter
    ) {
        payload.write(linear.weights)
        payload.write(linear.intercept)
        payload.write(linear.learningRate)
        payload.write(linear.interceptLearningRate)
        payload.write(linear.decayPower)
        payload.write(UInt64(examplesSeen))
        writeOptimizer(forServing ? linear.optimizerState.rule : linear.optimizerState, to: &payload)
        payload.write(linear.l1)
        payload.write(linear.l2)
    }

    /// Reads the model section of a payload for vectors of `dimension` slots; `version` 2 blobs have no optimizer
    /// section (their linear models learn by plain SGD without regularization).
    static func readModel(
        _ kind: Kind, from reader: inout BinaryReader, dimension: Int, version: UInt16
    ) throws(ModelFormatError) -> OnlineLearner {
        if kind == .multilayerPerceptron {
            return .mlp(try readPerceptron(from: &reader, dimension: dimension))
        }
        if kind == .softmaxRegression {
            return .softmax(try readSoftmax(from: &reader, dimension: dimension))
        }
        if kind == .nearestNeighbors {
            return .knn(try readNearestNeighbors(from: &reader, dimension: dimension))
        }
        if kind == .ftrlProximal {
            let alpha = try reader.readDouble("FTRL alpha"), beta = try reader.readDouble("FTRL beta")
            let l1 = try reader.readDouble("FTRL L1"), l2 = try reader.readDouble("FTRL L2")
            let z = try reader.readDoubles("FTRL z", limit: maximumDimension + 1)
            let n = try reader.readDoubles("FTRL n", limit: maximumDimension + 1)
            let examplesSeen = try reader.read(UInt64.self, "examples seen")
            guard z.count == dimension + 1, n.count == dimension + 1 else {
                throw ModelFormatError(.invalidValue, "\(z.count) FTRL coordinates for a vector of \(dimension) plus the intercept")
            }
            guard alpha.isFinite, alpha > 0, beta.isFinite, beta >= 0, l1.isFinite, l1 >= 0, l2.isFinite, l2 >= 0,
                z.allSatisfy(\.isFinite), n.allSatisfy({ $0.isFinite && $0 >= 0 }), examplesSeen <= UInt64(Int.max)
            else {
                throw ModelFormatError(.invalidValue, "an FTRL setting or accumulator is not a valid number")
            }
            return .ftrl(FTRLProximal(alpha: alpha, beta: beta, l1: l1, l2: l2, z: z, n: n, examplesSeen: Int(examplesSeen)))
        }
        let weights = try reader.readDoubles("weights", limit: maximumDimension)
        let intercept = try reader.readDouble("intercept")
        let learningRate = try reader.readDouble("learning rate")
        let interceptLearningRate = try reader.readDouble("intercept learning rate")
        let decayPower = try reader.readDouble("decay power")
        let examplesSeen = try reader.read(UInt64.self, "examples seen")
        guard weights.count == dimension else {
            throw ModelFormatError(.invalidValue, "\(weights.count) weights for a vector of \(dimension)")
        }
        guard weights.allSatisfy(\.isFinite), intercept.isFinite, learningRate.isFinite, learningRate > 0,
            interceptLearningRate.isFinite, interceptLearningRate >= 0, decayPower.isFinite, decayPower >= 0,
            examplesSeen <= UInt64(Int.max)
        else {
            throw ModelFormatError(.invalidValue, "a weight or setting is not a valid number")
        }
        var optimizerState = OptimizerState<Double>(.sgd, count: dimension)
        var (l1, l2) = (0.0, 0.0)
        if version >= 3 {
            optimizerState = try readOptimizer(from: &reader, count: dimension)
            l1 = try reader.readDouble("L1")
            l2 = try reader.readDouble("L2")
            guard l1.isFinite, l1 >= 0, l2.isFinite, l2 >= 0 else {
                throw ModelFormatError(.invalidValue, "L1 \(l1) or L2 \(l2) is not a valid strength")
            }
        }
        var linear = LinearWeights(
            weights: weights, intercept: intercept, learningRate: learningRate, interceptLearningRate: interceptLearningRate)
        linear.decayPower = decayPower
        linear.restoreOptimizer(optimizerState, l1: l1, l2: l2)
        return kind == .linearRegression
            ? .linear(LinearRegression(linear: linear, examplesSeen: Int(examplesSeen)))
            : .logistic(LogisticRegression(linear: linear, examplesSeen: Int(examplesSeen)))
    }
}

// MARK: - Softmax section

extension ModelBlob {
    /// Kind 5: class count `UInt32`; weights (class after class) and intercepts (`Double` arrays); learning rate,
    /// intercept learning rate, L2 (`Double`s); the optimizer section; examples seen (`UInt64`).
    static func readSoftmax(from reader: inout BinaryReader, dimension: Int) throws(ModelFormatError) -> SoftmaxRegression {
        let classes = Int(try reader.read(UInt32.self, "class count"))
        let weights = try reader.readDoubles("softmax weights", limit: maximumDimension)
        let intercepts = try reader.readDoubles("softmax intercepts", limit: maximumDimension)
        let rate = try reader.readDouble("learning rate"), interceptRate = try reader.readDouble("intercept learning rate")
        let l2 = try reader.readDouble("L2")
        guard classes >= 2, weights.count == classes * dimension, intercepts.count == classes else {
            throw ModelFormatError(.invalidValue, "\(weights.count) weights and \(intercepts.count) intercepts do not fit \(classes) classes of \(dimension)")
        }
        guard weights.allSatisfy(\.isFinite), intercepts.allSatisfy(\.isFinite), rate.isFinite, rate > 0,
            interceptRate.isFinite, interceptRate >= 0, l2.isFinite, l2 >= 0
        else {
            throw ModelFormatError(.invalidValue, "a softmax weight or setting is not a valid number")
        }
        let state: OptimizerState<Double> = try readOptimizer(from: &reader, count: weights.count)
        let seen = try reader.read(UInt64.self, "examples seen")
        guard seen <= UInt64(Int.max) else { throw ModelFormatError(.invalidValue, "examples seen is out of range") }
        return SoftmaxRegression(
            classes: classes, dimension: dimension, weights: weights, intercepts: intercepts, learningRate: rate,
            interceptLearningRate: interceptRate, l2: l2, optimizerState: state, examplesSeen: Int(seen))
    }
}

// MARK: - Optimizer section

extension ModelBlob {
    /// The rule (code `UInt8`: 0 SGD, 1 AdaGrad, 2 Adam), its ε, β₁, β₂ (`Double`s, 0 where unused), then its two
    /// accumulator arrays (empty where unused, or both empty in a serving blob) in the model's precision: `Double`s,
    /// or `Float`s for the perceptron.
    static func writeOptimizer<S>(_ state: OptimizerState<S>, to payload: inout BinaryWriter) {
        switch state.optimizer {
        case .sgd:
            payload.write(UInt8(0))
            for _ in 0..<3 { payload.write(0.0) }
        case .adaGrad(let epsilon):
            payload.write(UInt8(1))
            payload.write(epsilon)
            payload.write(0.0)
            payload.write(0.0)
        case .adam(let beta1, let beta2, let epsilon):
            payload.write(UInt8(2))
            payload.write(epsilon)
            payload.write(beta1)
            payload.write(beta2)
        }
        if let first = state.first as? [Float], let second = state.second as? [Float] {
            payload.write(first)
            payload.write(second)
        } else {
            payload.write(state.first.map(Double.init))
            payload.write(state.second.map(Double.init))
        }
    }

    /// Reads an optimizer section for `count` weights.
    static func readOptimizer<S>(from reader: inout BinaryReader, count: Int) throws(ModelFormatError) -> OptimizerState<S> {
        let code = try reader.read(UInt8.self, "optimizer")
        let epsilon = try reader.readDouble("optimizer epsilon")
        let beta1 = try reader.readDouble("optimizer beta1"), beta2 = try reader.readDouble("optimizer beta2")
        let optimizer: Optimizer
        switch code {
        case 0: optimizer = .sgd
        case 1: optimizer = .adaGrad(epsilon: epsilon)
        case 2: optimizer = .adam(beta1: beta1, beta2: beta2, epsilon: epsilon)
        default: throw ModelFormatError(.invalidValue, "optimizer code \(code) is not one this build knows")
        }
        guard optimizer.isValid else { throw ModelFormatError(.invalidValue, "the optimizer's settings are not valid") }
        let single = S.self == Float.self
        let first = single
            ? try reader.readFloats("optimizer accumulators", limit: maximumDimension).map(Double.init)
            : try reader.readDoubles("optimizer accumulators", limit: maximumDimension)
        let second = single
            ? try reader.readFloats("optimizer second moments", limit: maximumDimension).map(Double.init)
            : try reader.readDoubles("optimizer second moments", limit: maximumDimension)
        // No accumulators at all (a serving blob, ModelBlob.encode(forServing:)): the rule starts afresh.
        if first.isEmpty, second.isEmpty { return OptimizerState<S>(optimizer, count: count) }
        guard first.allSatisfy({ $0.isFinite }), second.allSatisfy({ $0.isFinite && $0 >= 0 }),
            let state = OptimizerState<S>(optimizer, count: count, first: first.map { S($0) }, second: second.map { S($0) })
        else {
            throw ModelFormatError(.invalidValue, "\(first.count) and \(second.count) optimizer accumulators do not fit \(count) weights")
        }
        return state
    }
}
