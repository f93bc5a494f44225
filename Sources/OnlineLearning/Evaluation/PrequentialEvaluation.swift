// MARK: - PrequentialEvaluation

/// Test-then-train evaluation with a label delay, as ../shared/data/README.md defines it: events arrive in order;
/// on request `i` the model predicts from the features as they are then; the label of request `i` arrives right after
/// request `i + delay`, when the kept prediction is scored and the model learns from the kept features. Labels still
/// outstanding at the end arrive then. Every request is scored exactly once, before its own label is learned.
public struct PrequentialEvaluation: Sendable {
    /// One labelled example of a stream.
    public struct Example: Sendable {
        /// The raw features.
        public var features: FeatureMap
        /// The label, 0 or 1.
        public var label: Int

        /// Makes an example.
        public init(features: FeatureMap, label: Int) {
            self.features = features
            self.label = label
        }
    }

    /// How many requests later each label arrives (0: right after its own request).
    public var delay: Int

    /// Makes an evaluation with a label delay.
    public init(delay: Int) {
        precondition(delay >= 0, "The label delay cannot be negative (\(delay)).")
        self.delay = delay
    }

    /// Runs the stream through a feature pipeline and a logistic regression, test-then-train.
    /// - Returns: the metrics over every request, and the trained pipeline and model.
    public func run(
        _ examples: some Sequence<Example>,
        pipeline: FeaturePipeline,
        model: LogisticRegression
    ) -> (metrics: BinaryMetrics, pipeline: FeaturePipeline, model: LogisticRegression) {
        var pipeline = pipeline
        var model = model
        var metrics = BinaryMetrics()
        var pending: [(example: Example, probability: Double)] = []
        var next = 0  // index in `pending` of the oldest label not yet arrived
        func arrive(_ entry: (example: Example, probability: Double)) {
            metrics.update(label: entry.example.label, probability: entry.probability)
            // As river's pipeline learns: the scaler learns from x first, then the model from x scaled that way.
            pipeline.learn(entry.example.features)
            model.learn(pipeline.transform(entry.example.features).vector, label: entry.example.label)
        }
        for example in examples {
            let probability = model.predictProbability(pipeline.transform(example.features).vector)
            pending.append((example, probability))
            if pending.count - next > delay {
                arrive(pending[next])
                next += 1
                if next > 4096 && next * 2 > pending.count {
                    pending.removeFirst(next)
                    next = 0
                }
            }
        }
        while next < pending.count {
            arrive(pending[next])
            next += 1
        }
        return (metrics, pipeline, model)
    }
}
