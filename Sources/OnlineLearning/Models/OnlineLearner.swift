// MARK: - OnlineLearner

/// A model the service can serve and train, whatever its family: one value type, so a model set holds
/// classifiers and regressors alike and a model event carries either.
public enum OnlineLearner: Sendable, Hashable {
    /// Binary logistic regression: answers a class (0 or 1) with its probabilities.
    case logistic(LogisticRegression)
    /// Linear regression: answers a value.
    case linear(LinearRegression)
    /// FTRL-Proximal logistic regression: answers a class with its probabilities.
    case ftrl(FTRLProximal)
    /// A multilayer perceptron: a class with its probabilities (binary and multiclass tasks) or a value (regression).
    case mlp(MultilayerPerceptron)
    /// Softmax regression: one of several classes, with every class's probability.
    case softmax(SoftmaxRegression)
    /// k nearest neighbours over the last examples: a class with its probabilities, or a value.
    case knn(NearestNeighbors)

    /// Whether the learner answers classes (with probabilities) rather than values.
    public var isClassifier: Bool {
        switch self {
        case .linear: false
        case .mlp(let model): model.task != .regression
        case .knn(let model): model.task != .regression
        case .logistic, .ftrl, .softmax: true
        }
    }

    /// How many classes a classifier tells apart (2 for binary ones), 0 for a regressor.
    public var classCount: Int {
        switch self {
        case .linear: 0
        case .logistic, .ftrl: 2
        case .mlp(let model): model.classCount
        case .softmax(let model): model.classCount
        case .knn(let model): model.classCount
        }
    }

    /// The answer for a vector: the class (with every class's probability), or the value (no probabilities).
    public func output(_ x: [Float]) -> (answer: Double, probabilities: [Double]?) {
        switch self {
        case .logistic(let model):
            let probability = model.predictProbability(x)
            return (probability > 0.5 ? 1 : 0, [1 - probability, probability])
        case .linear(let model):
            return (model.predictValue(x), nil)
        case .ftrl(let model):
            let probability = model.predictProbability(x)
            return (probability > 0.5 ? 1 : 0, [1 - probability, probability])
        case .mlp(let model):
            switch model.task {
            case .binary:
                let value = model.predictValue(x)
                return (value > 0.5 ? 1 : 0, [1 - value, value])
            case .regression:
                return (model.predictValue(x), nil)
            case .multiclass:
                let probabilities = model.predictProbabilities(x)
                return (Double(mostLikelyClass(probabilities)), probabilities)
            }
        case .softmax(let model):
            let probabilities = model.predictProbabilities(x)
            return (Double(mostLikelyClass(probabilities)), probabilities)
        case .knn(let model):
            let answer = model.predict(x)
            if model.task == .regression { return (answer[0], nil) }
            return (Double(mostLikelyClass(answer)), answer)
        }
    }

    /// The outputs for `count` vectors stored row after row, scored together through BLAS (single precision): each
    /// row's class probabilities (classifiers) or `[value]` (regressors).
    public func outputBatch(_ rows: [Float], count: Int) -> [[Double]] {
        switch self {
        case .logistic(let model): model.predictBatch(rows, count: count).map { [1 - $0, $0] }
        case .linear(let model): model.predictBatch(rows, count: count).map { [$0] }
        case .ftrl(let model): model.predictBatch(rows, count: count).map { [1 - $0, $0] }
        case .softmax(let model): model.predictProbabilitiesBatch(rows, count: count)
        case .knn(let model): model.predictBatch(rows, count: count)
        case .mlp(let model):
            model.task == .regression
                ? model.predictBatch(rows, count: count).map { [$0] } : model.predictProbabilitiesBatch(rows, count: count)
        }
    }

    /// The answers for `count` vectors stored row after row, scored together through BLAS (single precision, so a
    /// probability may differ from ``output(_:)``'s in the seventh digit): as ``output(_:)`` gives them — the class
    /// with its probabilities (ties to the lower class), or the value.
    public func outputs(_ rows: [Float], count: Int) -> [(answer: Double, probabilities: [Double]?)] {
        guard count > 0 else { return [] }
        let batch = outputBatch(rows, count: count)
        guard isClassifier else { return batch.map { ($0[0], nil) } }
        return batch.map { probabilities in
            if probabilities.count == 2 { return (probabilities[1] > 0.5 ? 1 : 0, probabilities) }
            return (Double(mostLikelyClass(probabilities)), probabilities)
        }
    }

    /// Learns one example (invalid targets and vectors are refused and counted by the model).
    public mutating func learn(_ x: [Float], target: Double) {
        switch self {
        case .logistic(var model):
            model.learn(x, target: target)
            self = .logistic(model)
        case .linear(var model):
            model.learn(x, target: target)
            self = .linear(model)
        case .ftrl(var model):
            model.learn(x, label: target == 1 ? 1 : (target == 0 ? 0 : -1))
            self = .ftrl(model)
        case .mlp(var model):
            model.learn(x, target: target)
            self = .mlp(model)
        case .softmax(var model):
            model.learn(x, label: Int(exactly: target) ?? -1)
            self = .softmax(model)
        case .knn(var model):
            model.learn(x, target: target)
            self = .knn(model)
        }
    }

    /// The same weights learning at another rate from here on (for a fine-tuned copy).
    public func withLearningRate(_ rate: Double, decayPower: Double = 0) -> OnlineLearner {
        switch self {
        case .logistic(var model):
            model.setLearningRate(rate, decayPower: decayPower)
            return .logistic(model)
        case .linear(var model):
            model.setLearningRate(rate, decayPower: decayPower)
            return .linear(model)
        case .mlp(var model):
            model.setLearningRate(rate)  // the perceptron's optimizer keeps its own schedule (Adam's bias correction)
            return .mlp(model)
        case .softmax(var model):
            model.setLearningRate(rate)
            return .softmax(model)
        case .ftrl, .knn:
            return self  // FTRL's rates are per coordinate (alpha, beta), not a single rate; k-NN has none
        }
    }

    /// An untrained learner of the same family for vectors of `dimension` slots.
    public static func untrained(
        classifier: Bool, dimension: Int, learningRate: Double, decayPower: Double = 0
    ) -> OnlineLearner {
        classifier
            ? .logistic(LogisticRegression(dimension: dimension, learningRate: learningRate, decayPower: decayPower))
            : .linear(LinearRegression(dimension: dimension, learningRate: learningRate, decayPower: decayPower))
    }

    /// An untrained learner of this one's family and settings (classes, layers, optimizer, L2) for vectors of
    /// `dimension` slots, learning at `learningRate` with `decayPower` (by default this one's). A logistic regression,
    /// FTRL model or linear regression starts over as ``untrained(classifier:dimension:learningRate:decayPower:)``
    /// makes it.
    public func untrained(dimension: Int, learningRate rate: Double? = nil, decayPower power: Double? = nil) -> OnlineLearner {
        switch self {
        case .softmax(let model):
            .softmax(SoftmaxRegression(
                classes: model.classCount, dimension: dimension, learningRate: rate ?? model.learningRate,
                interceptLearningRate: model.interceptLearningRate == model.learningRate ? rate : model.interceptLearningRate,
                optimizer: model.optimizerState.optimizer, l2: model.l2))
        case .mlp(let model):
            .mlp(MultilayerPerceptron(
                task: model.task, inputs: dimension, hidden: model.hidden, classes: model.classCount,
                batchSize: model.batchSize, optimizer: model.optimizer, learningRate: rate ?? model.learningRate, l2: model.l2))
        case .knn(let model):
            .knn(model.emptied(dimension: dimension))
        case .logistic, .ftrl, .linear:
            .untrained(classifier: isClassifier, dimension: dimension, learningRate: rate ?? learningRate,
                       decayPower: power ?? decayPower)
        }
    }

    /// The weights, one per vector slot (a perceptron's: every layer's, flattened; softmax: class after class; k-NN:
    /// the stored vectors, feature after feature, then their targets).
    public var weights: [Double] {
        switch self {
        case .logistic(let model): model.weights
        case .linear(let model): model.weights
        case .ftrl(let model): model.weights
        case .mlp(let model): model.layerWeights.flatMap { $0.map(Double.init) }
        case .softmax(let model): model.weights
        case .knn(let model): model.points.map(Double.init) + model.targets
        }
    }

    /// The weights' learning rate (0 for k-NN, which has none).
    public var learningRate: Double {
        switch self {
        case .logistic(let model): model.learningRate
        case .linear(let model): model.learningRate
        case .ftrl(let model): model.alpha
        case .mlp(let model): model.learningRate
        case .softmax(let model): model.learningRate
        case .knn: 0
        }
    }

    /// The learning-rate schedule's power.
    public var decayPower: Double {
        switch self {
        case .logistic(let model): model.decayPower
        case .linear(let model): model.decayPower
        case .ftrl: 0.5
        case .mlp, .softmax, .knn: 0
        }
    }

    /// How many numbers it learns: weights and intercepts (FTRL: one per coordinate; k-NN: the stored examples'
    /// values and targets).
    public var parameterCount: Int {
        switch self {
        case .logistic(let model): model.weights.count + 1
        case .linear(let model): model.weights.count + 1
        case .ftrl(let model): model.state.z.count
        case .mlp(let model): model.parameterCount
        case .softmax(let model): model.weights.count + model.intercepts.count
        case .knn(let model): model.stored * (model.dimension + 1)
        }
    }

    /// How many examples it has learned from.
    public var examplesSeen: Int {
        switch self {
        case .logistic(let model): model.examplesSeen
        case .linear(let model): model.examplesSeen
        case .ftrl(let model): model.examplesSeen
        case .mlp(let model): model.examplesSeen
        case .softmax(let model): model.examplesSeen
        case .knn(let model): model.examplesSeen
        }
    }
}
