import Datasets
import ArgumentParser
import Foundation
import OnlineLearning

// MARK: - EvalStream

/// The labelled stream `flywheel eval` reads: CSV, parsed straight into rows, or JSON Lines (`.jsonl`, `.ndjson`),
/// one object of features and label per line.
enum EvalStream {
    /// A CSV file's rows.
    case rows(CSVRows)
    /// A JSON Lines file's examples.
    case examples([PrequentialEvaluation.Example])

    /// Reads and parses `path` by its extension.
    static func load(_ path: String, schema: FeatureSchema, target: String, task: LearningTask) throws -> EvalStream {
        let data = try EvalCommand.read(path, flag: "--data")
        let lowercased = path.lowercased()
        if lowercased.hasSuffix(".jsonl") || lowercased.hasSuffix(".ndjson") {
            return .examples(try JSONLExamples.parse(String(decoding: data, as: UTF8.self), target: target, task: task))
        }
        return .rows(try CSVRows([UInt8](data), schema: schema, target: target, task: task))
    }

    /// How many requests.
    var count: Int {
        switch self {
        case .rows(let rows): rows.count
        case .examples(let examples): examples.count
        }
    }

    /// The largest target (for the number of classes of a multiclass stream).
    var largestTarget: Double {
        switch self {
        case .rows(let rows): rows.targets.max() ?? 0
        case .examples(let examples): examples.map(\.target).max() ?? 0
        }
    }

    /// Runs the stream through a model test-then-train.
    func run<Model: OnlineModel, Metrics: PrequentialMetrics>(
        _ evaluation: PrequentialEvaluation, pipeline: FeaturePipeline, model: Model, metrics: Metrics.Type
    ) -> Metrics {
        switch self {
        case .rows(let rows): evaluation.run(rows: rows, pipeline: pipeline, model: model, metrics: metrics).metrics
        case .examples(let examples): evaluation.run(examples, pipeline: pipeline, model: model, metrics: metrics).metrics
        }
    }

    /// Runs the stream through a multiclass model (softmax regression, a multiclass perceptron) test-then-train.
    func run(_ evaluation: PrequentialEvaluation, pipeline: FeaturePipeline, model: some MulticlassModel) -> MulticlassMetrics {
        switch self {
        case .rows(let rows): evaluation.run(rows: rows, pipeline: pipeline, model: model).metrics
        case .examples(let examples): evaluation.run(examples, pipeline: pipeline, model: model).metrics
        }
    }
}
