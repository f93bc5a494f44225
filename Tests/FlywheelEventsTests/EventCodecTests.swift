import FeatureValues
import FlywheelEvents
import Foundation
import Testing

/// The hand-written byte codec of the hot-path events (``JSONBytesCodable``) against Foundation's `JSONEncoder` and
/// `JSONDecoder`, which are the reference: the same bytes out, the same values back, and for hostile input the same
/// dead-letter reason. Random cases come from a fixed seed, so a failure names a case that can be replayed.
@Suite("Event byte codec")
struct EventCodecTests {
    /// SplitMix64: a small seeded generator, so every run checks the same cases.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let awkwardText = ["a", "sea_abrupt:17", "", "x/y", "quote\"back\\slash", "tab\tnew\nline\r", "\u{0}\u{1}\u{1f}\u{7f}",
                              "é", "日本", "😀", "\u{2028}", "clé/中"]

    static func number(_ random: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<9, using: &random) {
        case 0: return Double(Int.random(in: -1000...1000, using: &random))
        case 1: return -0.0
        case 2: return Double.random(in: -1...1, using: &random) * pow(10, Double(Int.random(in: -320...308, using: &random)))
        case 3: return [5e-324, Double.greatestFiniteMagnitude, 0x1p53, 0x1p53 + 2, 1e15, 1e16, 0.1, 1e-7][Int.random(in: 0..<8, using: &random)]
        case 4: return Double(Int64.random(in: -(1 << 60)...(1 << 60), using: &random))
        default: return Double.random(in: -100...100, using: &random)
        }
    }

    static func features(_ random: inout SeededGenerator) -> FeatureMap {
        var features = FeatureMap()
        for index in 0..<Int.random(in: 0...12, using: &random) {
            let name = Int.random(in: 0..<4, using: &random) == 0
                ? awkwardText.randomElement(using: &random)! + "\(index)" : "x\(index)"
            switch Int.random(in: 0..<6, using: &random) {
            case 0: features[name] = .missing
            case 1: features[name] = .string(awkwardText.randomElement(using: &random)!)
            default: features[name] = .number(number(&random))
            }
        }
        return features
    }

    static func output(_ random: inout SeededGenerator) -> ModelOutput {
        let model = ModelReference(id: awkwardText.randomElement(using: &random)! + "m", version: Int.random(in: 1...Int.max, using: &random))
        let probabilities = Bool.random(using: &random)
            ? (0..<Int.random(in: 0...4, using: &random)).map { _ in Double.random(in: 0...1, using: &random) } : nil
        return ModelOutput(model: model, answer: number(&random), probabilities: probabilities)
    }

    static func prediction(_ random: inout SeededGenerator) -> PredictionEvent {
        PredictionEvent(
            requestId: awkwardText.randomElement(using: &random)! + "\(random.next() % 1000)", ts: number(&random),
            features: features(&random), champion: output(&random),
            shadows: (0..<Int.random(in: 0...3, using: &random)).map { _ in output(&random) })
    }

    static func example(_ random: inout SeededGenerator) -> JoinedExample {
        let prediction = prediction(&random)
        return JoinedExample(prediction, label: LabelEvent(id: prediction.requestId, ts: number(&random), label: number(&random)))
    }

    static func foundationBytes<Event: Encodable>(_ event: Event) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(event))
    }

    /// What a decode gave: the value, or the dead-letter reason.
    static func outcome<Event>(_ decode: () throws(EventDecodingError) -> Event) -> Result<Event, EventDecodingError> {
        do { return .success(try decode()) } catch { return .failure(error) }
    }

    // MARK: Round trips

    @Test func bytesEqualFoundationsAndDecodeBack() throws {
        var random = SeededGenerator(state: 20_261_203)
        for _ in 0..<2_000 {
            let request = RequestEvent(id: "r\(random.next() % 99)", ts: Self.number(&random), features: Self.features(&random))
            let label = LabelEvent(id: "r", ts: Self.number(&random), label: Self.number(&random))
            let prediction = Self.prediction(&random)
            let example = Self.example(&random)

            #expect(EventDecoding.encode(request) == (try Self.foundationBytes(request)))
            #expect(EventDecoding.encode(label) == (try Self.foundationBytes(label)))
            #expect(EventDecoding.encode(prediction) == (try Self.foundationBytes(prediction)))
            #expect(EventDecoding.encode(example) == (try Self.foundationBytes(example)))

            #expect(try EventDecoding.decode(RequestEvent.self, from: EventDecoding.encode(request)) == request)
            #expect(try EventDecoding.decode(PredictionEvent.self, from: EventDecoding.encode(prediction)) == prediction)
            #expect(try EventDecoding.decode(JoinedExample.self, from: EventDecoding.encode(example)) == example)
            #expect(try EventDecoding.decodeLearnable(from: EventDecoding.encode(example)) == LearnableExample(example))
        }
    }

    @Test func nonFiniteNumbersAreRefusedWithFoundationsReason() {
        let output = ModelOutput(model: .init(id: "m", version: 1), answer: 1, probabilities: [0.5, .nan])
        let prediction = PredictionEvent(requestId: "r", ts: 1, features: ["x": .number(.infinity)], champion: output, shadows: [])
        let shadowed = PredictionEvent(
            requestId: "r", ts: 1, features: [:], champion: ModelOutput(model: .init(id: "m", version: 1), answer: 1),
            shadows: [ModelOutput(model: .init(id: "s", version: 1), answer: -.infinity)])
        let label = LabelEvent(id: "r", ts: .nan, label: 1)
        for (fast, reference) in [
            (Self.outcome { () throws(EventEncodingError) in try EventDecoding.encodeChecked(prediction) },
             Self.outcome { () throws(EventEncodingError) in try EventDecoding.encodeWithFoundation(prediction) }),
            (Self.outcome { () throws(EventEncodingError) in try EventDecoding.encodeChecked(shadowed) },
             Self.outcome { () throws(EventEncodingError) in try EventDecoding.encodeWithFoundation(shadowed) }),
            (Self.outcome { () throws(EventEncodingError) in try EventDecoding.encodeChecked(label) },
             Self.outcome { () throws(EventEncodingError) in try EventDecoding.encodeWithFoundation(label) }),
        ] {
            guard case .failure(let fastError) = fast, case .failure(let referenceError) = reference else {
                Issue.record("both encoders should refuse: \(fast) vs \(reference)")
                continue
            }
            #expect(fastError.reason == referenceError.reason)
        }
    }

    static func outcome<Event>(_ encode: () throws(EventEncodingError) -> Event) -> Result<Event, EventEncodingError> {
        do { return .success(try encode()) } catch { return .failure(error) }
    }

    // MARK: Hostile input

    /// Decodes with both codecs and checks they agree: equal values, or the same reason. Three documented exceptions
    /// (docs/architecture.md, "Event codecs"): with several bad features (or evidence values) Foundation names one picked by hash order
    /// (random per process), so only the kind of reason is compared; Foundation refuses some zeros written with an
    /// exponent (`0e5`), which are read here; and an `Int` field written with a fraction or an exponent beyond
    /// 2^53 (`"version":76350483972159871.58`, `825791443106221841e0`) follows no rule Foundation states, so only those are not compared.
    static func agree<Event: JSONBytesCodable & ValidatedEvent & Equatable>(
        _ type: Event.Type, _ document: [UInt8], _ note: String
    ) -> Bool {
        if String(decoding: document, as: UTF8.self).range(of: #""version":-?[0-9]{16,}(\.[0-9]|[eE])"#, options: .regularExpression) != nil {
            return true
        }
        let fast = outcome { () throws(EventDecodingError) in try EventDecoding.decode(type, from: document) }
        let reference = outcome { () throws(EventDecodingError) in try EventDecoding.decodeWithFoundation(type, from: document) }
        switch (fast, reference) {
        case (.success(let a), .success(let b)):
            if a == b { return true }
        case (.failure(let a), .failure(let b)):
            if a.reason == b.reason { return true }
            let featureType = #"field '(features|evidence)\.[^']*' has the wrong type"#
            if a.reason.contains(featureType) == false,
               a.reason.range(of: featureType, options: .regularExpression) != nil,
               b.reason.range(of: featureType, options: .regularExpression) != nil { return true }
        case (.success, .failure):
            if String(decoding: document, as: UTF8.self).range(of: #"[^0-9.]0(\.0*)?[eE]"#, options: .regularExpression) != nil {
                return true
            }
        default: break
        }
        let shown = document.map { (0x20..<0x7F).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
        Issue.record("\(note): codecs disagree on \(shown): fast \(fast), Foundation \(reference)")
        return false
    }

    static let fragments: [[UInt8]] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "null", "true", "1e400", "-", "0", "1.5", "\"x\"", "\\u00e9", "\\ud800",
        " ", "\u{0}", "{}", "[]", "01", ".5", "1e", "\"features\"", "\"id\":", "\\x",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80]]

    static func mutate(_ document: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = document
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let position = Int.random(in: 0...bytes.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where position < bytes.count: bytes.remove(at: position)
            case 1: bytes.insert(contentsOf: fragments.randomElement(using: &random)!, at: position)
            case 2 where position < bytes.count:
                bytes.replaceSubrange(position..<min(bytes.count, position + Int.random(in: 1...6, using: &random)),
                                      with: fragments.randomElement(using: &random)!)
            case 3: bytes = Array(bytes.prefix(position))
            default:
                // Swap one value for another kind of value: the type errors, not only the syntax errors.
                let values = [#""text""#, "null", "[1,2]", #"{"a":1}"#, "7", "2.5", "true", "[]", #"[{"model":{"id":"m","version":1},"answer":1}]"#]
                if let colon = bytes[..<min(position, bytes.count)].lastIndex(of: UInt8(ascii: ":")),
                   let end = bytes[(colon + 1)...].firstIndex(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "}") }) {
                    bytes.replaceSubrange((colon + 1)..<end, with: Array(values.randomElement(using: &random)!.utf8))
                }
            }
        }
        return bytes
    }

    @Test func fuzzedDocumentsGetFoundationsReasons() {
        var random = SeededGenerator(state: 1_337)
        var disagreements = 0
        var refused = 0
        for round in 0..<6_000 {
            let prediction = Self.prediction(&random)
            let example = Self.example(&random)
            let request = RequestEvent(id: "r", ts: 1, features: Self.features(&random))
            let label = LabelEvent(id: "r", ts: 2, label: 1)
            switch round % 4 {
            case 0:
                let document = Self.mutate(EventDecoding.encode(request), &random)
                if !Self.agree(RequestEvent.self, document, "request \(round)") { disagreements += 1 }
                if (try? EventDecoding.decode(RequestEvent.self, from: document)) == nil { refused += 1 }
            case 1:
                if !Self.agree(LabelEvent.self, Self.mutate(EventDecoding.encode(label), &random), "label \(round)") { disagreements += 1 }
            case 2:
                if !Self.agree(PredictionEvent.self, Self.mutate(EventDecoding.encode(prediction), &random), "prediction \(round)") {
                    disagreements += 1
                }
            default:
                let document = Self.mutate(EventDecoding.encode(example), &random)
                if !Self.agree(JoinedExample.self, document, "example \(round)") { disagreements += 1 }
                if !Self.learnableAgrees(document, "example \(round)") { disagreements += 1 }
            }
            if disagreements > 10 { break }
        }
        #expect(disagreements == 0)
        #expect(refused > 300, "the fuzzer should mostly make documents that are refused, got \(refused)")
    }

    @Test func handPickedHostileDocuments() {
        let requests = [
            #"{"id":"a","ts":1,"features":{}}"#, #"{"id":"a","ts":1,"features":{},}"#, #"{"id":"a","ts":1,"features":{,}}"#,
            #"{"id":"a","id":"b","ts":1,"features":{"x":1,"x":"dup"}}"#, #"{"id":"a","ts":1e400,"features":{}}"#,
            // A repeated feature: the first wins whatever the later ones hold; a bad first is refused.
            #"{"id":"a","ts":1,"features":{"x":1,"x":true}}"#, #"{"id":"a","ts":1,"features":{"x":true,"x":1}}"#,
            #"{"id":"a","ts":1,"features":{"x":null,"y":2,"x":2}}"#, #"{"id":"a","ts":1,"features":{"x":1,"x":1e999,"x":"\x"}}"#,
            #"{"id":"a","ts":1,"features":{"x":1e999,"x":1}}"#, #"{"id":"a","ts":1,"features":{"x":"s","x":[1]}}"#,
            #"{"id":"a","ts":4.9e-325,"features":{}}"#, #"{"id":"a","ts":-0,"features":{}}"#, #"{"id":"\ud83d\ude00","ts":1,"features":{}}"#,
            #"{"id":"\ud83d","ts":1,"features":{}}"#, #"{"id":"\x","ts":1,"features":{}}"#, #"{"\x":1,"id":"a","ts":1,"features":{}}"#,
            #"{"z":"\x","id":"a","ts":1,"features":{}}"#, "{\"id\":\"\u{7}\",\"ts\":1,\"features\":{}}", #"{"id":"a","ts":1,"features":{"x":1e999}}"#,
            #"{"id":"a","ts":1,"features":{"x":"\x"}}"#, #"{"id":"a","ts":1,"features":{"x":true}}"#, #"{"id":null,"ts":1,"features":{}}"#,
            #"{"id":"a","ts":1,"features":[]}"#, #"[]"#, #"5"#, #""#, " {\"id\":\"a\",\"ts\":1,\"features\":{}} ",
            "\u{FEFF}{\"id\":\"a\",\"ts\":1,\"features\":{}}", #"{"id":"a","ts":1,"features":{}} x"#, #"{"id":"","ts":1,"features":{}}"#,
            #"{"id":"a","ts":123456789012345678901234567890,"features":{}}"#, #"{"id":"a","ts":1.7976931348623159e308,"features":{}}"#,
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
            #"{"id":"a","ts":1,"features":{},"deep":"# + String(repeating: "[", count: 510) + String(repeating: "]", count: 510) + "}",
            #"{"id":"a","ts":1,"features":{},"deep":"# + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}",
        ]
        for document in requests { _ = Self.agree(RequestEvent.self, Array(document.utf8), "request") }
        let predictions = [
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":1.0},"answer":1},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":1.5},"answer":1},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":1e2},"answer":1},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":9223372036854775808},"answer":1},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":-9223372036854775808},"answer":1},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m"},"answer":1},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":1},"answer":1,"probabilities":[0.5,null]},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":1},"answer":1,"probabilities":null},"shadows":[]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":1},"answer":1},"shadows":[{"answer":1}]}"#,
            #"{"requestId":"r","ts":1,"features":{},"champion":{"model":{"id":"m","version":1},"answer":1},"shadows":[1,]}"#,
        ]
        for document in predictions { _ = Self.agree(PredictionEvent.self, Array(document.utf8), "prediction") }
        let examples = [
            #"{"requestId":"r","requestTs":1,"labelTs":2,"features":{},"label":1,"predictions":[]}"#,
            #"{"requestId":"r","requestTs":1,"labelTs":2,"features":{},"label":1}"#,
            #"{"requestId":"r","requestTs":1,"labelTs":2,"features":{},"label":"1","predictions":[]}"#,
        ]
        for document in examples {
            _ = Self.agree(JoinedExample.self, Array(document.utf8), "example")
            _ = Self.learnableAgrees(Array(document.utf8), "example")
        }
    }

    /// The trainer's reading of a joined example agrees with the full one: the same learnable fields when the full
    /// example decodes; the same reason when it is refused for anything but the inside of `predictions` (which the
    /// trainer does not read, so it may accept what the full decoder refuses there — the promoter, which reads the
    /// whole example, still dead-letters it).
    static func learnableAgrees(_ document: [UInt8], _ what: String) -> Bool {
        let full = Result { () throws(EventDecodingError) in try EventDecoding.decode(JoinedExample.self, from: document) }
        let learnable = Result { () throws(EventDecodingError) in try EventDecoding.decodeLearnable(from: document) }
        let agrees: Bool
        switch (full, learnable) {
        case (.success(let example), .success(let part)): agrees = part == LearnableExample(example)
        case (.failure(let error), .failure(let other)): agrees = error.reason == other.reason
        case (.failure(let error), .success):
            // Refused for the inside of `predictions`: a field there, or a number or escape there that only reading
            // finds malformed (both readers check numbers and escapes when they read them, as Foundation does).
            agrees = error.reason.contains("'predictions.[") || error.reason == "JoinedExample is not valid JSON"
        case (.success, .failure): agrees = false
        }
        if !agrees { Issue.record("\(what): learnable \(learnable) vs full \(full)") }
        return agrees
    }
}
