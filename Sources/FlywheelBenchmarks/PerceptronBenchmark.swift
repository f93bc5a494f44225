import Datasets
import ArgumentParser
import Foundation
import LinearAlgebra
import OnlineLearning

// MARK: - PerceptronBenchmark

/// `flywheel-bench mlp`: the perceptron's speed — prequential samples/s on a stream, and the minibatch step's GFLOP/s
/// against `cblas_sgemm` alone on the same shapes, in one run.
struct PerceptronBenchmark: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "mlp",
        abstract: "Multilayer perceptron: learn+predict samples/s on a stream, and step GFLOP/s vs cblas_sgemm alone.",
        discussion: """
            Part 1 runs the stream test-then-train at label delay 0 (predict each request, then learn it) with one \
            hidden layer of --hidden units, batch 16, Adam, and prints samples/s of CPU time with and without CSV \
            parsing (goal ≥ 100,000 on agrawal_abrupt with 64 units). Part 2 trains a large configuration (batch 256, \
            256-unit hidden layers) on the same vectors and divides the matrix products' floating-point operations by \
            the time of whole steps (forward, backward, Adam); then times the same cblas_sgemm calls alone on the same \
            shapes. The ratio is the share of sgemm's speed the model keeps (goal ≥ 50%).
            """
    )

    /// The stream.
    @Option(help: ArgumentHelp("The labelled CSV stream.", valueName: "path"))
    var data = "streams/data/agrawal_abrupt.csv"

    /// Its metadata.
    @Option(help: ArgumentHelp("The stream's .meta.json (features and target).", valueName: "path"))
    var meta = "streams/data/agrawal_abrupt.meta.json"

    /// Hidden units for part 1.
    @Option(help: "Hidden units of the streaming model (part 1).")
    var hidden = 64

    /// Steps timed in part 2.
    @Option(help: "Minibatch steps timed per large configuration (part 2).")
    var steps = 300

    /// Runs both parts.
    func run() async throws {
        BLAS.setThreadCount(1)
        guard let metaData = FileManager.default.contents(atPath: meta) else { throw ValidationError("--meta \(meta): no such file") }
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: metaData)
        guard let csv = FileManager.default.contents(atPath: data) else { throw ValidationError("--data \(data): no such file") }

        // Part 1: the stream, prequential, d = 0.
        let start = processCPUSeconds()
        let examples = try CSVRows([UInt8](csv), schema: schema, target: "target")
        let parsed = processCPUSeconds()
        let pipeline = try FeaturePipeline(schema: schema)
        let model = MultilayerPerceptron(task: .binary, inputs: pipeline.dimension, hidden: [hidden])
        let result = PrequentialEvaluation(delay: 0).run(rows: examples, pipeline: pipeline, model: model, metrics: BinaryMetrics.self)
        let end = processCPUSeconds()
        let withParsing = Double(examples.count) / (end - start)
        let learning = Double(examples.count) / (end - parsed)
        print("Perceptron \(pipeline.dimension)→\(hidden)→1, batch 16, Adam, on \(data) (d = 0, \(examples.count) requests, CPU time)")
        print("")
        print("| | samples/s | goal |")
        print("|---|---:|---|")
        print("| learn + predict, parsing included | \(Int(withParsing)) | ≥ 100,000: \(withParsing >= 100_000 ? "met" : "NOT met") |")
        print("| learn + predict, from parsed rows | \(Int(learning)) | |")
        print("| accuracy (check) | \(String(format: "%.4f", result.metrics.accuracy)) | |")
        print("")

        // Part 2: large configurations on the stream's vectors.
        var vectorPipeline = result.pipeline
        var vector = [Float](repeating: 0, count: pipeline.dimension)
        let vectors = (0..<min(examples.count, 256 * 64)).map { row -> ([Float], Double) in
            vectorPipeline.learn(row: row, of: examples)
            vectorPipeline.transform(row: row, of: examples, into: &vector)
            return (vector, examples.targets[row])
        }
        print("Large configurations, batch 256 (\(steps) steps each, one BLAS thread)")
        print("")
        print("| layers | model step GFLOP/s | sgemm alone GFLOP/s | model ÷ sgemm (goal ≥ 0.50) |")
        print("|---|---:|---:|---:|")
        for layers in [[256], [256, 256]] {
            let (model, alone) = measureLarge(vectors: vectors, hidden: layers)
            let sizes = ([pipeline.dimension] + layers + [1]).map(String.init).joined(separator: "→")
            print("| \(sizes) | \(String(format: "%.2f", model)) | \(String(format: "%.2f", alone)) | \(String(format: "%.2f", model / alone)) |")
        }
    }

    /// GFLOP/s of whole training steps and of the same sgemm calls alone.
    private func measureLarge(vectors: [([Float], Double)], hidden: [Int]) -> (model: Double, sgemm: Double) {
        let batch = 256
        let inputs = vectors[0].0.count
        var model = MultilayerPerceptron(task: .binary, inputs: inputs, hidden: hidden, batchSize: batch)
        let sizes = [inputs] + hidden + [1]
        // Per step: forward Z = A·W per layer; backward dW = Aᵀ·dZ per layer, dA = dZ·Wᵀ for all but the first.
        var flops = 0.0
        for l in 0..<(sizes.count - 1) {
            flops += 2 * GEMM.operations(m: batch, n: sizes[l + 1], k: sizes[l])
            if l > 0 { flops += GEMM.operations(m: batch, n: sizes[l], k: sizes[l + 1]) }
        }
        for (x, y) in vectors.prefix(batch * 5) { model.learn(x, target: y) }  // warm up
        let modelStart = processCPUSeconds()
        var taken = 0
        while taken < steps {
            for (x, y) in vectors[((taken * batch) % (vectors.count - batch))...].prefix(batch) { model.learn(x, target: y) }
            taken += 1
        }
        let modelSeconds = processCPUSeconds() - modelStart

        // The same products, alone, on buffers of the same shapes.
        let weights = model.layerWeights
        var activations = [vectors.prefix(batch).flatMap(\.0)]
        for l in 0..<weights.count { activations.append([Float](repeating: 0.5, count: batch * sizes[l + 1])) }
        var gradients = weights.map { [Float](repeating: 0, count: $0.count) }
        var below = activations.map { [Float](repeating: 0, count: $0.count) }
        let gemmStart = processCPUSeconds()
        for _ in 0..<steps {
            for l in 0..<weights.count {
                GEMM.multiply(activations[l], weights[l], into: &activations[l + 1], m: batch, n: sizes[l + 1], k: sizes[l])
            }
            for l in stride(from: weights.count - 1, through: 0, by: -1) {
                GEMM.multiply(activations[l], transposingA: true, activations[l + 1], into: &gradients[l],
                              m: sizes[l], n: sizes[l + 1], k: batch)
                if l > 0 {
                    GEMM.multiply(activations[l + 1], weights[l], transposingB: true, into: &below[l],
                                  m: batch, n: sizes[l], k: sizes[l + 1])
                }
            }
        }
        let gemmSeconds = processCPUSeconds() - gemmStart
        return (flops * Double(steps) / modelSeconds / 1e9, flops * Double(steps) / gemmSeconds / 1e9)
    }
}
