import Foundation
import OnlineLearning
import Testing

/// Flywheel's concept-drift detectors against river 0.26.1's, index for index: the same streams (the bundled SEA
/// stream under a model fixed on its first concept, seeded Bernoulli error streams, a seeded Gaussian stream) give
/// drifts and warnings at exactly the indices river reports. The reference is
/// `Fixtures/drift_reference.json`, made by `python3 scripts/reference/drift_detectors.py >
/// Tests/OnlineLearningTests/Fixtures/drift_reference.json` (pip install river==0.26.1 numpy).
@Suite("Drift detectors against river")
struct DriftDetectorEquivalenceTests {
    struct Reference: Decodable {
        struct Result: Decodable {
            var drifts: [Int]
            var warningRuns: [[Int]]
            var warnings: [Int] { warningRuns.flatMap { Array($0[0]...$0[1]) } }
        }
        struct Stream: Decodable {
            var length: Int
            var results: [String: Result]
            var bits: String?
            var values: [Double]?
            var errors: Int?
            var fnv1a64: String?
        }
        var river: String
        var streams: [String: Stream]
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let reference: Reference = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("Fixtures/drift_reference.json"))
        return try! JSONDecoder().decode(Reference.self, from: data)
    }()

    /// The 0/1 errors of a model fixed on `sea_abrupt`'s first concept (it predicts x0 + x1 > 8).
    static func seaFixedErrors() throws -> [Double] {
        let text = try String(contentsOf: SharedData.directory.appendingPathComponent("sea_abrupt.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",").map { Double($0)! }
            return (fields[0] + fields[1] > 8 ? 1.0 : 0.0) == fields[3] ? 0 : 1
        }
    }

    static func stream(_ name: String) throws -> [Double] {
        let entry = try #require(reference.streams[name])
        if let bits = entry.bits { return bits.map { $0 == "1" ? 1 : 0 } }
        if let values = entry.values { return values }
        let errors = try seaFixedErrors()
        #expect(errors.count == entry.length && Int(errors.reduce(0, +)) == entry.errors)
        #expect(String(FeatureHashing.fnv1a(bytes: errors.map { $0 == 1 ? UInt8(ascii: "1") : UInt8(ascii: "0") })) == entry.fnv1a64,
                "the same error stream river saw")
        return errors
    }

    static func detector(_ name: String) -> any DriftDetector {
        switch name {
        case "ADWIN": ADWIN()
        case "PageHinkley": PageHinkley()
        case "DDM": DDM()
        case "EDDM": EDDM()
        case "HDDM_A": HDDMA()
        default: fatalError("no detector \(name)")
        }
    }

    static let cases: [(String, String)] = reference.streams.keys.sorted().flatMap { stream in
        reference.streams[stream]!.results.keys.sorted().map { (stream, $0) }
    }

    @Test(arguments: cases)
    func sameDriftsAndWarningsAsRiver(stream name: String, detector detectorName: String) throws {
        #expect(Self.reference.river == "0.26.1")
        let values = try Self.stream(name)
        var detector = Self.detector(detectorName)
        var drifts: [Int] = [], warnings: [Int] = []
        for (index, value) in values.enumerated() {
            let state = detector.update(value)
            if state == .drift { drifts.append(index) }
            let warning = (detector as? EDDM)?.isWarning ?? (state == .warning)
            if warning { warnings.append(index) }
        }
        let expected = try #require(Self.reference.streams[name]?.results[detectorName])
        #expect(drifts == expected.drifts)
        #expect(warnings == expected.warnings)
    }
}
