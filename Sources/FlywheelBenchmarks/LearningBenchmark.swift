import Datasets
import ArgumentParser
import Foundation
import OnlineLearning

// MARK: - LearningBenchmark

/// `flywheel-bench learning`: prequential logistic regression, Flywheel against river, same stream, same protocol,
/// in one run.
struct LearningBenchmark: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "learning",
        abstract: "Prequential logistic regression: Flywheel vs river and Vowpal Wabbit on the same stream, side by side.",
        discussion: """
            Both sides parse the CSV, then for every row predict, and learn the label --delay rows later \
            (the protocol in streams/data/README.md). Flywheel runs in this process; river 0.26.1 runs \
            scripts/reference/river_prequential.py (pip install river==0.26.1), and Vowpal Wabbit's command-line \
            learner (python3 -m vowpalwabbit, pip install vowpalwabbit==9.11.9) learns the same stream written as a VW \
            text file. Speed is requests per second of CPU time, parsing included (VW's start-up, timed on a one-line \
            file, subtracted); accuracy and log loss are printed too, so the run is also a check.
            """
    )

    /// The stream.
    @Option(help: ArgumentHelp("The labelled CSV stream.", valueName: "path"))
    var data = "streams/data/sea_abrupt.csv"

    /// Its metadata.
    @Option(help: ArgumentHelp("The stream's .meta.json (features and target).", valueName: "path"))
    var meta = "streams/data/sea_abrupt.meta.json"

    /// The label delay.
    @Option(help: "How many requests later each label arrives.")
    var delay = 1000

    /// Categorical hashing width.
    @Option(help: "Hashed buckets for categorical features. Default: the schema's (64 unless it says).")
    var hashWidth: Int?

    /// The Python interpreter.
    @Option(help: "The Python that has river installed.")
    var python = "python3"

    /// Runs both sides and prints the comparison.
    func run() async throws {
        guard let metaData = FileManager.default.contents(atPath: meta) else {
            throw ValidationError("--meta \(meta): no such file")
        }
        var schema = try JSONDecoder().decode(FeatureSchema.self, from: metaData)
        schema.hashWidth = schema.categoricalFeatures.isEmpty ? 1 : hashWidth ?? schema.hashWidth
        let target = (try? JSONSerialization.jsonObject(with: metaData) as? [String: Any])?["target"] as? String ?? "target"

        // Flywheel: read the file, parse, predict and learn every row; five runs, the median.
        var runs: [(seconds: Double, metrics: BinaryMetrics)] = []
        for _ in 0..<5 {
            let cpuStart = processCPUSeconds()
            guard let csv = FileManager.default.contents(atPath: data) else {
                throw ValidationError("--data \(data): no such file")
            }
            let rows = try CSVRows([UInt8](csv), schema: schema, target: target)
            let pipeline = try FeaturePipeline(schema: schema)
            let metrics = PrequentialEvaluation(delay: delay).run(
                rows: rows, pipeline: pipeline, model: LogisticRegression(dimension: pipeline.dimension),
                metrics: BinaryMetrics.self).metrics
            runs.append((processCPUSeconds() - cpuStart, metrics))
        }
        let ours = runs.sorted { $0.seconds < $1.seconds }[runs.count / 2]

        let river = try runRiver()
        let vw = try VowpalWabbitSide(python: python, data: data, schema: schema, target: target).run()
        let ourRate = Double(ours.metrics.count) / ours.seconds
        let riverRate = river.requests / river.cpuSeconds
        print("Prequential logistic regression on \(data), label delay \(delay) (CPU time, parsing included;")
        print("Flywheel: median of 5 runs; VW: vw --loss_function logistic --link logistic -b 18 on the stream as a VW")
        print("text file, progressive validation (label delay 0 whatever --delay says), start-up subtracted)")
        print("")
        print("| | Flywheel | river 0.26.1 | Flywheel ÷ river | VW 9.11.9 | Flywheel ÷ VW |")
        print("|---|---:|---:|---:|---:|---:|")
        print("| requests/s | \(Int(ourRate)) | \(Int(riverRate)) | \(String(format: "%.1f", ourRate / riverRate))× (goal ≥ 30×) "
            + "| \(Int(vw.requestsPerSecond)) | \(String(format: "%.1f", ourRate / vw.requestsPerSecond))× (goal ≥ 1×) |")
        print("| accuracy | \(String(format: "%.4f", ours.metrics.accuracy)) | \(String(format: "%.4f", river.accuracy)) "
            + "| \(String(format: "%+.4f", ours.metrics.accuracy - river.accuracy)) | – | |")
        print("| log loss | \(String(format: "%.4f", ours.metrics.logLoss)) | \(String(format: "%.4f", river.logLoss)) "
            + "| \(String(format: "%+.4f", ours.metrics.logLoss - river.logLoss)) | \(String(format: "%.4f", vw.averageLoss)) | |")
    }

    /// River's figures from the reference script.
    private struct RiverResult: Decodable {
        let accuracy: Double
        let logLoss: Double
        let requests: Double
        let cpuSeconds: Double
    }

    private func runRiver() throws -> RiverResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "scripts/reference/river_prequential.py", data, meta, String(delay)]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let result = try? JSONDecoder().decode(RiverResult.self, from: data) else {
            throw ValidationError(
                "river's side failed (is it installed? pip install river==0.26.1): \(errorText.suffix(400))")
        }
        return result
    }
}
