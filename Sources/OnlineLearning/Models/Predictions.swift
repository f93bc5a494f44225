import LinearAlgebra

// MARK: - Answers, class probabilities and batch prediction, the same across families

/// The most likely class of a classifier's answer: the index of the largest probability, the lower one on a tie
/// (0 for no probabilities).
func mostLikelyClass(_ probabilities: [Double]) -> Int {
    var best = 0
    for index in probabilities.indices where probabilities[index] > probabilities[best] { best = index }
    return best
}

extension LinearWeights {
    /// `W·x + b` for `count` vectors stored row after row, one `cblas_sgemv` (single precision).
    func scoreBatch(_ rows: [Float], count: Int) -> [Double] {
        precondition(rows.count == count * weights.count, "\(rows.count) values are not \(count) vectors of \(weights.count)")
        let scores = Matrix(rows: count, columns: weights.count, storage: rows).multiplied(by: weights.map(Float.init))
        return scores.map { Double($0) + intercept }
    }
}

extension LogisticRegression {
    /// `[P(0), P(1)]`.
    public func predictProbabilities(_ x: [Float]) -> [Double] {
        let p = predictProbability(x)
        return [1 - p, p]
    }

    /// The probability of class 1 for `count` vectors stored row after row, through BLAS (single precision).
    public func predictBatch(_ rows: [Float], count: Int) -> [Double] {
        linear.scoreBatch(rows, count: count).map(Self.sigmoid)
    }
}

extension MultilayerPerceptron {
    /// The answer: the more likely class (1 when P(1) > ½) for a binary perceptron, the value for regression.
    public func predict(_ x: [Float]) -> Double {
        let value = predictValue(x)
        return task == .binary ? (value > 0.5 ? 1 : 0) : value
    }
}

extension LinearRegression {
    /// The predicted value (``predictValue(_:)``).
    public func predict(_ x: [Float]) -> Double {
        predictValue(x)
    }

    /// Predicted values for `count` vectors stored row after row, through BLAS (single precision).
    public func predictBatch(_ rows: [Float], count: Int) -> [Double] {
        linear.scoreBatch(rows, count: count)
    }
}

extension FTRLProximal {
    /// The more likely class: 1 when the probability is above one half.
    public func predict(_ x: [Float]) -> Int {
        predictProbability(x) > 0.5 ? 1 : 0
    }

    /// `[P(0), P(1)]`.
    public func predictProbabilities(_ x: [Float]) -> [Double] {
        let p = predictProbability(x)
        return [1 - p, p]
    }

    /// The probability of class 1 for `count` vectors stored row after row: the lazy weights materialized once,
    /// then one `cblas_sgemv` (single precision).
    public func predictBatch(_ rows: [Float], count: Int) -> [Double] {
        let dimension = weights.count
        precondition(rows.count == count * dimension, "\(rows.count) values are not \(count) vectors of \(dimension)")
        let intercept = weight(dimension)
        let scores = Matrix(rows: count, columns: dimension, storage: rows).multiplied(by: weights.map(Float.init))
        return scores.map { LogisticRegression.sigmoid(Double($0) + intercept) }
    }
}
