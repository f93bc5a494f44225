// MARK: - ModelBlob model sections

extension ModelBlob {
    /// Writes the model section of a payload; returns the kind to put in the header.
    static func writeModel(_ learner: OnlineLearner, to payload: inout BinaryWriter) -> Kind {
        switch learner {
        case .logistic(let model):
            writeLinear(model.linear, examplesSeen: model.examplesSeen, to: &payload)
            return .logisticRegression
        case .linear(let model):
            writeLinear(model.linear, examplesSeen: model.examplesSeen, to: &payload)
            return .linearRegression
        case .ftrl(let model):
            payload.write(model.alpha)
            payload.write(model.beta)
            payload.write(model.l1)
            payload.write(model.l2)
            payload.write(model.state.z)
            payload.write(model.state.n)
            payload.write(UInt64(model.examplesSeen))
            return .ftrlProximal
        }
    }

    private static func writeLinear(_ linear: LinearWeights, examplesSeen: Int, to payload: inout BinaryWriter) {
        payload.write(linear.weights)
        payload.write(linear.intercept)
        payload.write(linear.learningRate)
        payload.write(linear.interceptLearningRate)
        payload.write(linear.decayPower)
        payload.write(UInt64(examplesSeen))
    }

    /// Reads the model section of a payload for vectors of `dimension` slots.
    static func readModel(_ kind: Kind, from reader: inout BinaryReader, dimension: Int) throws(ModelFormatError) -> OnlineLearner {
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
        if kind == .linearRegression {
            return .linear(LinearRegression(
                weights: weights, intercept: intercept, learningRate: learningRate,
                interceptLearningRate: interceptLearningRate, decayPower: decayPower, examplesSeen: Int(examplesSeen)))
        }
        return .logistic(LogisticRegression(
            weights: weights, intercept: intercept, learningRate: learningRate,
            interceptLearningRate: interceptLearningRate, decayPower: decayPower, examplesSeen: Int(examplesSeen)))
    }
}
