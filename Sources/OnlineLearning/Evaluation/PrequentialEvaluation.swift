import FeatureValues

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
        /// The target: a class id (0 or 1) for classification, the value for regression.
        public var target: Double

        /// Makes an example with a numeric target.
        public init(features: FeatureMap, target: Double) {
            self.features = features
            self.target = target
        }

        /// Makes a classification example.
        public init(features: FeatureMap, label: Int) {
            self.init(features: features, target: Double(label))
        }
    }

    /// How many requests later each label arrives (0: right after its own request).
    public var delay: Int

    /// Makes an evaluation with a label delay.
    public init(delay: Int) {
        precondition(delay >= 0, "The label delay cannot be negative (\(delay)).")
        self.delay = delay
    }

    /// Runs the stream through a feature pipeline and a model, test-then-train.
    /// - Returns: the metrics over every request, and the trained pipeline and model.
    public func run<Model: OnlineModel, Metrics: PrequentialMetrics>(
        _ examples: some Sequence<Example>,
        pipeline: FeaturePipeline,
        model: Model,
        metrics: Metrics.Type
    ) -> (metrics: Metrics, pipeline: FeaturePipeline, model: Model) {
        var metrics = Metrics()
        let (pipeline, model) = run(
            examples, pipeline: pipeline, model: model, predict: { $0.predictValue($1) },
            learn: { $0.learn($1, target: $2.target) },
            score: { _, example, prediction in metrics.update(target: example.target, prediction: prediction) })
        return (metrics, pipeline, model)
    }

    /// Runs a multiclass stream (targets are class ids) through a feature pipeline and a multiclass model
    /// (softmax regression, a multiclass perceptron).
    public func run<Model: MulticlassModel>(
        _ examples: some Sequence<Example>,
        pipeline: FeaturePipeline,
        model: Model
    ) -> (metrics: MulticlassMetrics, pipeline: FeaturePipeline, model: Model) {
        var metrics = MulticlassMetrics(classes: model.classCount)
        let (pipeline, model) = run(
            examples, pipeline: pipeline, model: model, predict: { $0.predictProbabilities($1) },
            learn: { $0.learn($1, label: Int(exactly: $2.target) ?? -1) },
            score: { _, example, probabilities in
                metrics.update(label: Int(exactly: example.target) ?? -1, probabilities: probabilities)
            })
        return (metrics, pipeline, model)
    }

    /// The protocol itself, for any model and any kind of prediction: `predict` answers a vector, `learn` learns an
    /// example's vector, and `score` sees each request's index (in stream order), example and prediction when its
    /// label arrives.
    public func run<Model, Prediction>(
        _ examples: some Sequence<Example>,
        pipeline: FeaturePipeline,
        model: Model,
        predict: (Model, [Float]) -> Prediction,
        learn: (inout Model, [Float], Example) -> Void,
        score: (Int, Example, Prediction) -> Void
    ) -> (pipeline: FeaturePipeline, model: Model) {
        run(
            examples, pipeline: pipeline, model: model, encode: { $0.transform($1.features).vector },
            learnPipeline: { $0.learn($1.features) }, predict: predict, learn: learn, score: score)
    }

    /// The core, over any kind of request: `encode` turns one into a vector with the pipeline as it is,
    /// `learnPipeline` updates the pipeline's statistics with it. Always inlined, so each caller gets it specialized
    /// for its types (generic code here costs a metadata lookup per request).
    @inlinable @inline(__always)
    public func run<Item, Model, Prediction>(
        _ items: some Sequence<Item>,
        pipeline: FeaturePipeline,
        model: Model,
        encode: (FeaturePipeline, Item) -> [Float],
        learnPipeline: (inout FeaturePipeline, Item) -> Void,
        predict: (Model, [Float]) -> Prediction,
        learn: (inout Model, [Float], Item) -> Void,
        score: (Int, Item, Prediction) -> Void
    ) -> (pipeline: FeaturePipeline, model: Model) {
        var pipeline = pipeline
        var model = model
        var pendingItems: [Item] = [], pendingPredictions: [Prediction] = []
        var next = 0  // index in the pending arrays of the oldest label not yet arrived
        var arrived = 0  // stream index of that request
        @inline(__always) func arrive() {
            let item = pendingItems[next]
            score(arrived, item, pendingPredictions[next])
            arrived += 1
            next += 1
            // As river's pipeline learns: the scaler learns from x first, then the model from x scaled that way.
            learnPipeline(&pipeline, item)
            learn(&model, encode(pipeline, item), item)
        }
        for item in items {
            let prediction = predict(model, encode(pipeline, item))
            pendingItems.append(item)
            pendingPredictions.append(prediction)
            if pendingItems.count - next > delay {
                arrive()
                if next > 4096 && next * 2 > pendingItems.count {
                    pendingItems.removeFirst(next)
                    pendingPredictions.removeFirst(next)
                    next = 0
                }
            }
        }
        while next < pendingItems.count { arrive() }
        return (pipeline, model)
    }

    /// Runs a binary stream through a feature pipeline and a logistic regression, test-then-train.
    public func run(
        _ examples: some Sequence<Example>,
        pipeline: FeaturePipeline,
        model: LogisticRegression
    ) -> (metrics: BinaryMetrics, pipeline: FeaturePipeline, model: LogisticRegression) {
        run(examples, pipeline: pipeline, model: model, metrics: BinaryMetrics.self)
    }
}
