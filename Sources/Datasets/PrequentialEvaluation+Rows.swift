import OnlineLearning

// MARK: - PrequentialEvaluation over parsed rows

extension PrequentialEvaluation {
    /// The protocol over rows parsed by ``CSVRows`` (same order, same results as over ``Example``s, without building
    /// a feature map per request): `learn` and `score` get the row's index. Inlinable, like the core below, so a
    /// caller in another module (the CLI, the benchmarks) gets it specialized for its model and metrics.
    @inlinable
    public func run<Model, Prediction>(
        rows: CSVRows,
        pipeline: FeaturePipeline,
        model: Model,
        predict: (Model, [Float]) -> Prediction,
        learn: (inout Model, [Float], Int) -> Void,
        score: (Int, Prediction) -> Void
    ) -> (pipeline: FeaturePipeline, model: Model) {
        var buffer = [Float](repeating: 0, count: pipeline.dimension)
        return run(
            0..<rows.count, pipeline: pipeline, model: model,
            encode: { pipeline, row in
                pipeline.transform(row: row, of: rows, into: &buffer)
                return buffer
            },
            learnPipeline: { $0.learn(row: $1, of: rows) }, predict: predict, learn: learn,
            score: { _, row, prediction in score(row, prediction) })
    }

    /// ``run(_:pipeline:model:metrics:)`` over parsed rows.
    @inlinable
    public func run<Model: OnlineModel, Metrics: PrequentialMetrics>(
        rows: CSVRows,
        pipeline: FeaturePipeline,
        model: Model,
        metrics: Metrics.Type
    ) -> (metrics: Metrics, pipeline: FeaturePipeline, model: Model) {
        var metrics = Metrics()
        let (pipeline, model) = run(
            rows: rows, pipeline: pipeline, model: model, predict: { $0.predictValue($1) },
            learn: { $0.learn($1, target: rows.targets[$2]) },
            score: { row, prediction in metrics.update(target: rows.targets[row], prediction: prediction) })
        return (metrics, pipeline, model)
    }

    /// ``run(_:pipeline:model:)`` (multiclass) over parsed rows.
    public func run<Model: MulticlassModel>(
        rows: CSVRows,
        pipeline: FeaturePipeline,
        model: Model
    ) -> (metrics: MulticlassMetrics, pipeline: FeaturePipeline, model: Model) {
        var metrics = MulticlassMetrics(classes: model.classCount)
        let (pipeline, model) = run(
            rows: rows, pipeline: pipeline, model: model, predict: { $0.predictProbabilities($1) },
            learn: { $0.learn($1, label: Int(exactly: rows.targets[$2]) ?? -1) },
            score: { row, probabilities in
                metrics.update(label: Int(exactly: rows.targets[row]) ?? -1, probabilities: probabilities)
            })
        return (metrics, pipeline, model)
    }
}
