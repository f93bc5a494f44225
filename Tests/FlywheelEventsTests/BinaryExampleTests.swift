import FeatureValues
import FlywheelEvents
import Foundation
import Testing

/// The binary form of joined examples (docs/event-formats.md): the same values as the JSON form, the same refusals of
/// numbers JSON cannot carry, hostile bytes refused with a reason (never a crash), and an outside reader —
/// scripts/read-examples.py, standard-library Python — that turns it back into JSON the schema accepts.
@Suite("Joined examples in the binary form")
struct BinaryExampleTests {
    typealias Random = EventCodecTests.SeededGenerator

    static func outcome<Value>(_ decode: () throws(EventDecodingError) -> Value) -> Result<Value, EventDecodingError> {
        do { return .success(try decode()) } catch { return .failure(error) }
    }

    static func reason<Value>(_ decode: () throws(EventDecodingError) -> Value) -> String? {
        if case .failure(let error) = outcome(decode) { return error.reason }
        return nil
    }

    static func encodingReason(_ encode: () throws(EventEncodingError) -> [UInt8]) -> String? {
        do { _ = try encode() } catch { return error.reason }
        return nil
    }

    @Test func roundTripsAndReadsAsTheJSONFormDoes() throws {
        var random = Random(state: 20_261_204)
        for _ in 0..<3_000 {
            let example = EventCodecTests.example(&random)
            let binary = try EventDecoding.encodeBinary(example)
            #expect(JoinedExample.isBinary(binary) && !JoinedExample.isBinary(EventDecoding.encode(example)))
            #expect(try EventDecoding.decodeExample(from: binary) == example)
            #expect(try EventDecoding.decodeExample(from: EventDecoding.encode(example)) == example, "JSON is still read")
            #expect(try EventDecoding.decodeLearnable(from: binary) == LearnableExample(example))
        }
    }

    @Test func refusesWhatTheJSONFormCannotCarryWithTheSameReason() throws {
        var random = Random(state: 7)
        var example = EventCodecTests.example(&random)
        example.shadows = [ModelOutput(model: .init(id: "a", version: 1), answer: 1, probabilities: [0.5, 0.5])]
        let breakings: [(inout JoinedExample) -> Void] = [
            { $0.label = .nan }, { $0.requestTs = .infinity }, { $0.labelTs = -.infinity },
            { $0.champion.answer = .nan }, { $0.shadows[0].probabilities![1] = .infinity },
        ]
        for breaking in breakings {
            var broken = example
            breaking(&broken)
            let json = Self.encodingReason { () throws(EventEncodingError) in try EventDecoding.encodeChecked(broken) }
            let binary = Self.encodingReason { () throws(EventEncodingError) in try EventDecoding.encodeBinary(broken) }
            #expect(json != nil && binary == json)
        }
        #expect(Self.encodingReason { () throws(EventEncodingError) in try EventDecoding.encodeBinary(example) } == nil)
        // A non-finite feature is written as missing, as the JSON form writes null.
        example.features = ["x": .number(.nan), "y": .number(2)]
        #expect(try EventDecoding.decodeExample(from: EventDecoding.encodeBinary(example)).features == ["x": .missing, "y": .number(2)])
    }

    /// The bytes of an example written field by field, so a test can put anything anywhere.
    static func handWritten(
        id: String = "r1", idBytes: [UInt8]? = nil, label: Double = 1, featureCount: Int? = nil, tag: UInt8 = 1,
        answers: Int = 1, answer: Double = 0.5, trailing: [UInt8] = []
    ) -> [UInt8] {
        var writer = BinaryEventWriter()
        writer.raw(JoinedExample.binaryMagic)
        if let idBytes {
            writer.count(idBytes.count)
            writer.raw(idBytes)
        } else {
            writer.string(id)
        }
        writer.double(10)
        writer.double(11)
        writer.double(label)
        writer.count(featureCount ?? 1)
        writer.string("x")
        writer.byte(tag)
        writer.double(3)
        writer.count(answers)
        for _ in 0..<answers {
            writer.string("logreg")
            writer.integer(4)
            writer.double(answer)
            writer.count(3)
            writer.double(0.5)
            writer.double(0.5)
        }
        writer.raw(trailing)
        return writer.bytes
    }

    @Test func hostileBytesGetADeadLetterReasonNamingTheField() throws {
        #expect(try EventDecoding.decodeExample(from: Self.handWritten()).champion.model == .init(id: "logreg", version: 4))
        let cases: [([UInt8], String)] = [
            (Self.handWritten(id: ""), "JoinedExample field 'requestId' is empty"),
            (Self.handWritten(idBytes: [0x72, 0xFF, 0xFE]), "JoinedExample (binary) field 'requestId' is not valid"),
            (Self.handWritten(label: .nan), "JoinedExample (binary) field 'label' is not valid"),
            (Self.handWritten(tag: 9), "JoinedExample (binary) field 'features.x' is not valid"),
            (Self.handWritten(featureCount: 1_000_000_000), "JoinedExample (binary) ends inside field 'features'"),
            (Self.handWritten(answers: 0), "JoinedExample (binary) field 'predictions' is not valid"),
            (Self.handWritten(answer: .infinity), "JoinedExample (binary) field 'predictions.[0].answer' is not valid"),
            (Self.handWritten(trailing: [0]), "JoinedExample (binary) has bytes after its end"),
            (JoinedExample.binaryMagic, "JoinedExample (binary) ends inside field 'requestId'"),
        ]
        for (bytes, reason) in cases {
            #expect(Self.reason { () throws(EventDecodingError) in try EventDecoding.decodeExample(from: bytes) } == reason)
        }
        // The trainer's reading refuses the same fields (it does not read the answers themselves).
        #expect(Self.reason { () throws(EventDecodingError) in try EventDecoding.decodeLearnable(from: Self.handWritten(tag: 9)) }
            == "JoinedExample (binary) field 'features.x' is not valid")
        #expect(Self.reason { () throws(EventDecodingError) in try EventDecoding.decodeLearnable(from: Self.handWritten(answers: 0)) }
            == "JoinedExample (binary) field 'predictions' is not valid")
    }

    @Test func everyCutAndCorruptionIsRefusedOrReadConsistently() throws {
        var random = Random(state: 99)
        var refused = 0
        for _ in 0..<300 {
            let binary = try EventDecoding.encodeBinary(EventCodecTests.example(&random))
            for length in 0..<binary.count {
                let cut = Array(binary[..<length])
                guard case .failure(let error) = Self.outcome({ () throws(EventDecodingError) in try EventDecoding.decodeExample(from: cut) }) else {
                    Issue.record("a cut example at \(length) of \(binary.count) bytes was read")
                    continue
                }
                // Cut inside the magic, the bytes are not binary and are read as (invalid) JSON.
                #expect(error.reason.hasPrefix(length < 4 ? "JoinedExample is not valid JSON" : "JoinedExample (binary)"), "\(error.reason)")
                refused += 1
            }
            for _ in 0..<40 {
                var corrupted = binary
                let position = Int.random(in: 4..<corrupted.count, using: &random)
                corrupted[position] = UInt8.random(in: 0...255, using: &random)
                // Read or refused, never a crash; what is read re-encodes to a value that reads back the same.
                if case .success(let example) = Self.outcome({ () throws(EventDecodingError) in try EventDecoding.decodeExample(from: corrupted) }) {
                    #expect(try EventDecoding.decodeExample(from: EventDecoding.encodeBinary(example)) == example)
                }
                _ = Self.outcome { () throws(EventDecodingError) in try EventDecoding.decodeLearnable(from: corrupted) }
            }
        }
        #expect(refused > 10_000)
    }

    /// scripts/read-examples.py reads what kcat prints with `-f '%R%s'` (each message's length as 4 big-endian
    /// bytes, then the message); its JSON is valid against example.schema.json and holds the same values.
    @Test func anOutsideReaderTurnsTheBinaryFormIntoSchemaValidJSON() throws {
        var random = Random(state: 2026)
        var examples = (0..<200).map { _ in EventCodecTests.example(&random) }
        examples.append(JoinedExample(
            requestId: "plain", requestTs: 1, labelTs: 2, features: ["x": .number(-0.0), "n": .missing, "s": .string("é")],
            label: 1, champion: ModelOutput(model: .init(id: "m", version: 1), answer: 1, probabilities: nil), shadows: []))
        var framed: [UInt8] = []
        for (index, example) in examples.enumerated() {
            let bytes = index == 7 ? EventDecoding.encode(example) : try EventDecoding.encodeBinary(example)  // one in JSON
            withUnsafeBytes(of: Int32(bytes.count).bigEndian) { framed.append(contentsOf: $0) }
            framed.append(contentsOf: bytes)
        }
        let data = try ScriptRun.python("read-examples.py", ["--check"], input: Data(framed))
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map { Array($0.utf8) }
        try #require(lines.count == examples.count)
        for (line, example) in zip(lines, examples) {
            #expect(try EventDecoding.decodeWithFoundation(JoinedExample.self, from: line) == example)
        }
        let verdicts = try EventContractTests.validate(Array(lines.prefix(50)), schema: "example.schema.json")
        #expect(verdicts.count == 50 && verdicts.allSatisfy(\.valid), "\(verdicts.first { !$0.valid }?.error ?? "")")
    }
}
