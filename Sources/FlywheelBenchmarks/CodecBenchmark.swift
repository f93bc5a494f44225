import ArgumentParser
import FeatureValues
import Flywheel
import FlywheelEvents
import Foundation
import OnlineLearning

// MARK: - CodecBenchmark

/// `flywheel-bench codec`: the hot path's event codec against Foundation's `JSONEncoder`/`JSONDecoder` (the reference
/// issue 15 names), and its number reading against the C library's `strtod`, in one run.
struct CodecBenchmark: ParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "codec",
        abstract: "Event codec vs Foundation's JSON coders, and number reading vs strtod: µs per event, ratios.",
        discussion: """
            Builds requests, predictions and joined examples as the loop writes them — a request id, three features, \
            a label, the champion's and --shadows shadows' answers with two class probabilities each, every number in \
            its shortest round-trip form (17 significant digits for most probabilities) — and times, per event: \
            decoding a request (inference), encoding a prediction (inference) and decoding it (feedback); for joined \
            examples: decoding with \
            Flywheel's byte reader (what the promoter does), decoding only the learnable part (what the trainer does), \
            decoding with Foundation's JSONDecoder, and encoding with Flywheel's byte writer and with Foundation's \
            JSONEncoder (sorted keys, the same bytes); then the same three in the binary form the examples topic \
            carries (docs/event-formats.md) against Flywheel's JSON; a model version encoded and decoded, and a sea-sized \
            logistic regression's and perceptron's blob loaded, and applied as a version event, as inference does with each \
            version. Then reads the same probabilities as number literals through \
            the byte reader and through strtod. Each figure is the median of --repetitions passes over --examples \
            examples, CPU time of this process.
            """
    )

    /// Examples per pass.
    @Option(help: "Joined examples per timed pass.")
    var examples = 20_000

    /// Shadows per example.
    @Option(help: "Shadow answers per example (the champion's comes on top).")
    var shadows = 7

    /// Timed passes.
    @Option(help: "Timed passes per figure; the median is printed.")
    var repetitions = 5

    /// Runs every measurement and prints the table.
    func run() throws {
        guard examples > 0, repetitions > 0, shadows >= 0 else { throw ValidationError("--examples and --repetitions must be positive, --shadows at least 0.") }
        var generator = SystemRandomNumberGenerator()
        func output(_ id: String) -> ModelOutput {
            let p = Double.random(in: 0..<1, using: &generator)
            return ModelOutput(model: ModelReference(id: id, version: Int.random(in: 1...5000, using: &generator)), answer: p, probabilities: [1 - p, p])
        }
        let joined = (0..<examples).map { index in
            JoinedExample(
                requestId: "sea_abrupt:\(index)", requestTs: 1_700_000_000 + Double(index) / 1000, labelTs: 1_700_000_001 + Double(index) / 1000,
                features: ["a": .number(.random(in: 0..<10)), "b": .number(.random(in: 0..<10)), "c": .number(.random(in: 0..<10))],
                label: Double(index % 2), champion: output("logreg"), shadows: (0..<shadows).map { output("shadow-\($0)") })
        }
        let documents = joined.map { EventDecoding.encode($0) }
        let bytes = documents.reduce(0) { $0 + $1.count }

        func median(_ body: () throws -> Void) rethrows -> Double {
            var times: [Double] = []
            for _ in 0..<repetitions {
                let start = processCPUSeconds()
                try body()
                times.append(processCPUSeconds() - start)
            }
            return times.sorted()[times.count / 2]
        }
        var sink = 0
        let readerDecode = try median { for document in documents { sink &+= try EventDecoding.decode(JoinedExample.self, from: document).shadows.count } }
        let learnableDecode = try median { for document in documents { sink &+= try EventDecoding.decodeLearnable(from: document).features.count } }
        let foundationDecode = try median {
            for document in documents { sink &+= try EventDecoding.decodeWithFoundation(JoinedExample.self, from: document).shadows.count }
        }
        let writerEncode = median { for example in joined { sink &+= EventDecoding.encode(example).count } }
        let foundationEncode = try median { for example in joined { sink &+= try EventDecoding.encodeWithFoundation(example).count } }

        // The examples topic's binary form (what the feedback role writes and the promoter and trainer read).
        let binaries = try joined.map { try EventDecoding.encodeBinary($0) }
        let binaryBytes = binaries.reduce(0) { $0 + $1.count }
        let binaryEncode = try median { for example in joined { sink &+= try EventDecoding.encodeBinary(example).count } }
        let binaryDecode = try median { for binary in binaries { sink &+= try EventDecoding.decodeExample(from: binary).shadows.count } }
        let binaryLearnable = try median { for binary in binaries { sink &+= try EventDecoding.decodeLearnable(from: binary).features.count } }

        // The serving path: a request decoded by inference, its prediction encoded there and decoded by feedback.
        let requests = joined.map { RequestEvent(id: $0.requestId, ts: $0.requestTs, features: $0.features) }
        let requestDocuments = requests.map { EventDecoding.encode($0) }
        let predictions = joined.map {
            PredictionEvent(requestId: $0.requestId, ts: $0.requestTs, features: $0.features, champion: $0.champion, shadows: $0.shadows)
        }
        let predictionDocuments = predictions.map { EventDecoding.encode($0) }
        let requestDecode = try median { for document in requestDocuments { sink &+= try EventDecoding.decode(RequestEvent.self, from: document).features.count } }
        let requestDecodeFoundation = try median {
            for document in requestDocuments { sink &+= try EventDecoding.decodeWithFoundation(RequestEvent.self, from: document).features.count }
        }
        let predictionEncode = median { for prediction in predictions { sink &+= EventDecoding.encode(prediction).count } }
        let predictionEncodeFoundation = try median { for prediction in predictions { sink &+= try EventDecoding.encodeWithFoundation(prediction).count } }
        let predictionDecode = try median {
            for document in predictionDocuments { sink &+= try EventDecoding.decode(PredictionEvent.self, from: document).shadows.count }
        }
        let predictionDecodeFoundation = try median {
            for document in predictionDocuments { sink &+= try EventDecoding.decodeWithFoundation(PredictionEvent.self, from: document).shadows.count }
        }

        // The models topic: versions carrying an agrawal-perceptron-sized blob (~70 KB, ~93 KB of base64).
        let versions = (0..<200).map { index in
            var state = UInt64(index + 1) &* 0x9E37_79B9_7F4A_7C15  // weights-like bytes, cheaply (not from the system's RNG)
            let blob = (0..<70_000).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            return ModelEvent(
                kind: .version, ts: 1_700_000_000 + Double(index), model: ModelReference(id: "perceptron", version: index + 1),
                weights: Data(blob).base64EncodedString())
        }
        let versionDocuments = versions.map { EventDecoding.encode($0) }
        let versionEncode = median { for version in versions { sink &+= EventDecoding.encode(version).count } }
        let versionEncodeFoundation = try median { for version in versions { sink &+= try EventDecoding.encodeWithFoundation(version).count } }
        let versionDecode = try median {
            for document in versionDocuments { sink &+= try EventDecoding.decode(ModelEvent.self, from: document).model.version }
        }
        let versionDecodeFoundation = try median {
            for document in versionDocuments { sink &+= try EventDecoding.decodeWithFoundation(ModelEvent.self, from: document).model.version }
        }

        // A version's blob as inference loads it: the pipeline (schema, statistics) and the model, sea-sized.
        let seaPipeline = try FeaturePipeline(
            schema: FeatureSchema(features: ["x0", "x1", "x2"].map { .init(name: $0, kind: .numeric) }, hashWidth: 1))
        let blobs = [
            ModelBlob.encode(pipeline: seaPipeline, learner: .logistic(LogisticRegression(dimension: seaPipeline.dimension)), forServing: true),
            ModelBlob.encode(pipeline: seaPipeline, learner: .mlp(MultilayerPerceptron(task: .binary, inputs: seaPipeline.dimension)), forServing: true),
        ]
        let blobLoads = try blobs.map { blob in
            try median { for _ in 0..<2_000 { sink &+= try ModelBlob.decodeLearner(blob, expectedSchema: seaPipeline.schema).pipeline.dimension } }
        }
        // The same versions as events on flywheel.models, read and applied to the served set as inference does.
        let served = ModelSet(champion: ServedModel(
            reference: ModelReference(id: "logreg", version: 1), pipeline: seaPipeline, learner: .logistic(LogisticRegression(dimension: seaPipeline.dimension))))
        let versionEvents = blobs.enumerated().map { index, blob in
            EventDecoding.encode(ModelEvent(
                kind: .version, ts: 1_700_000_000, model: ModelReference(id: "shadow-\(index)", version: 2), weights: Data(blob).base64EncodedString()))
        }
        let versionApplies = try versionEvents.map { document in
            try median {
                for _ in 0..<2_000 { sink &+= try served.applying(EventDecoding.decode(ModelEvent.self, from: document)).shadows.count }
            }
        }

        let literals = joined.flatMap { $0.outputs.map { "\($0.answer)" } }
        let array = Array(("[" + literals.joined(separator: ",") + "]").utf8)
        let readerNumbers = try median {
            sink &+= try JSONReader.read(array) { json throws(JSONReadError) in try json.doubles(at: json.root) }.count
        }
        let cStrings = literals.map { Array($0.utf8CString) }
        let strtodNumbers = median {
            var total = 0.0
            for literal in cStrings { total += literal.withUnsafeBufferPointer { strtod($0.baseAddress!, nil) } }
            sink &+= Int(total)
        }

        let perExample = 1e6 / Double(examples)
        print("Requests (\(requestDocuments[0].count) bytes), predictions and joined examples with the champion and \(shadows) shadows (\(bytes / examples) bytes each), \(examples) per pass, median of \(repetitions) (CPU µs per event)")
        print("")
        print("what                                   Flywheel   Foundation   Foundation ÷ Flywheel")
        /// A row: the first figure, the reference, and the reference ÷ the first.
        func row(_ what: String, _ flywheel: Double, _ reference: Double) {
            print(what.padding(toLength: 39, withPad: " ", startingAt: 0)
                + String(format: "%8.2f     %8.2f     %6.1f×", flywheel * perExample, reference * perExample, reference / flywheel))
        }
        row("decode a request (inference)", requestDecode, requestDecodeFoundation)
        row("encode a prediction (inference)", predictionEncode, predictionEncodeFoundation)
        row("decode a prediction (feedback)", predictionDecode, predictionDecodeFoundation)
        row("decode a joined example (promoter)", readerDecode, foundationDecode)
        row("decode its learnable part (trainer)", learnableDecode, foundationDecode)
        row("encode a joined example (feedback)", writerEncode, foundationEncode)
        print("")
        print("flywheel.examples in the binary form (\(binaryBytes / examples) bytes each)   binary   JSON (Flywheel's)   JSON ÷ binary")
        row("encode a joined example (feedback)", binaryEncode, writerEncode)
        row("decode a joined example (promoter)", binaryDecode, readerDecode)
        row("decode its learnable part (trainer)", binaryLearnable, learnableDecode)
        print("")
        print("flywheel.models: a version with \(versionDocuments[0].count / 1000) KB of base64 weights (µs per event)")
        let perVersion = 1e6 / Double(versions.count)
        for (what, flywheel, reference) in [
            ("encode a model version (trainer)", versionEncode, versionEncodeFoundation),
            ("decode a model version (inference)", versionDecode, versionDecodeFoundation),
        ] {
            print(what.padding(toLength: 39, withPad: " ", startingAt: 0)
                + String(format: "%8.1f     %8.1f     %6.1f×", flywheel * perVersion, reference * perVersion, reference / flywheel))
        }
        print(String(
            format: "load a version's blob (inference)      logistic %.2f µs (%d bytes), perceptron %.2f µs (%d bytes)",
            blobLoads[0] * 1e6 / 2_000, blobs[0].count, blobLoads[1] * 1e6 / 2_000, blobs[1].count))
        print(String(
            format: "apply a version event (inference)      logistic %.2f µs, perceptron %.2f µs (read, checked, loaded, applied)",
            versionApplies[0] * 1e6 / 2_000, versionApplies[1] * 1e6 / 2_000))
        print("")
        let perLiteral = 1e9 / Double(literals.count)
        print(String(format: "read a probability literal (ns)        %8.1f       strtod %6.1f     %6.1f×", readerNumbers * perLiteral, strtodNumbers * perLiteral, strtodNumbers / readerNumbers))
        if sink == 42 { print("") }  // keeps the work from being optimized away
    }
}
