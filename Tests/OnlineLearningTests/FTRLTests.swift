import Datasets
import Foundation
import OnlineLearning
import Testing

/// FTRL-Proximal against Vowpal Wabbit's `vw --ftrl` (vowpalwabbit 9.11.9, installed by scripts/install-deps.sh):
/// the same feature vectors (Flywheel's pipeline, standardized before each request is learned, written as a VW text
/// file), the same α, β, L1 and L2, progressive log loss over the whole stream within 2% — on each shared
/// classification stream. The test runs `python3 -m vowpalwabbit` itself.
@Suite("FTRL-Proximal against Vowpal Wabbit")
struct FTRLTests {
    static let settings = (alpha: 0.05, beta: 1.0, l1: 0.5, l2: 1.0)

    @Test func firstStepsAreMcMahansAlgorithm() {
        // Two examples by hand (α 0.1, β 1, no regularization); VW predicts −0.002667 for the second.
        var model = FTRLProximal(dimension: 2, alpha: 0.1, beta: 1)
        model.learn([0.5, -1.2], label: 1)
        #expect(abs(model.score([-0.3, 0.8]) - (-0.0026666)) < 1e-6)
        #expect(model.weight(2) > 0 && model.examplesSeen == 1)
        var sparse = FTRLProximal(dimension: 3, alpha: 0.1, beta: 1, l1: 10)
        sparse.learn([1, 0, 0], label: 1)
        #expect((0...3).allSatisfy { sparse.weight($0) == 0 }, "a strong L1 keeps every weight at zero")
        sparse.learn([.nan, 0, 0], label: 1)
        sparse.learn([1, 0, 0], label: 3)
        #expect(sparse.examplesRefused == 2)
    }

    @Test(arguments: ["sea_abrupt", "agrawal_abrupt", "elec"])
    func progressiveLogLossWithinTwoPercentOfVW(stream: String) throws {
        let schema = try JSONDecoder().decode(FeatureSchema.self, from: SharedData.file("\(stream).meta.json"))
        let text = String(decoding: try SharedData.file("\(stream).csv"), as: UTF8.self)
        let examples = try CSVExamples.parse(text, schema: schema, target: "target")
        var pipeline = try FeaturePipeline(schema: schema)
        var model = FTRLProximal(
            dimension: pipeline.dimension, alpha: Self.settings.alpha, beta: Self.settings.beta, l1: Self.settings.l1,
            l2: Self.settings.l2)
        var lines = ""
        lines.reserveCapacity(examples.count * 64)
        var logLoss = 0.0
        for example in examples {
            let x = pipeline.transform(example.features).vector
            let label = example.target == 1 ? 1 : 0
            let p = min(max(model.predictProbability(x), 1e-15), 1 - 1e-15)
            logLoss -= label == 1 ? log(p) : log(1 - p)
            model.learn(x, label: label)
            pipeline.learn(example.features)
            lines += label == 1 ? "1 |f" : "-1 |f"
            for (index, value) in x.enumerated() where value != 0 { lines += " \(index):\(value)" }
            lines += "\n"
        }
        logLoss /= Double(examples.count)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ftrl-\(stream)-\(UUID().uuidString).vw")
        try Data(lines.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let vw = try Self.vwAverageLoss(file.path)
        #expect(abs(logLoss - vw) / vw < 0.02, "\(stream): Flywheel \(logLoss), vw --ftrl \(vw)")
        print("FTRL \(stream): Flywheel log loss \(logLoss), vw --ftrl \(vw)")
    }

    /// Runs `python3 -m vowpalwabbit --ftrl …` on a VW text file; returns its "average loss".
    static func vwAverageLoss(_ path: String) throws -> Double {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-m", "vowpalwabbit", "--ftrl", "--ftrl_alpha", "\(settings.alpha)", "--ftrl_beta", "\(settings.beta)",
            "--l1", "\(settings.l1)", "--l2", "\(settings.l2)", "--loss_function", "logistic", "-b", "24", "-d", path,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "vw failed (pip install vowpalwabbit==9.11.9): \(text.suffix(500))")
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("average loss = ") }),
            let value = Double(line.dropFirst("average loss = ".count).trimmingCharacters(in: .whitespaces))
        else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "no average loss in vw's output: \(text.suffix(500))"])
        }
        return value
    }
}
