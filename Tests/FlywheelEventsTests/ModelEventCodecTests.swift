import FlywheelEvents
import Foundation
import Testing

/// Model events (versions with their base64 weights, promotions, rollbacks, retirements with evidence) through the
/// byte codec: the same bytes as Foundation's `JSONEncoder` with sorted keys, the same values back, and on hostile
/// documents the same dead-letter reason as Foundation's `JSONDecoder` (the fuzzer and checks of the other events,
/// `EventCodecTests`).
@Suite("Model events through the byte codec")
struct ModelEventCodecTests {
    typealias Random = EventCodecTests.SeededGenerator

    static let awkward = ["m", "logreg \"champion\"", "pa/th\\x", "é-温度", "tab\there", ""]

    static func event(_ random: inout Random) -> ModelEvent {
        let kinds: [ModelEvent.Kind] = [.version, .promotion, .rollback, .retirement]
        let kind = kinds[Int.random(in: 0..<kinds.count, using: &random)]
        let model = ModelReference(id: awkward.randomElement(using: &random)!, version: Int.random(in: 1...100_000, using: &random))
        let blob = (0..<Int.random(in: 0...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
        var evidence: [String: EvidenceValue]?
        if kind != .version || Bool.random(using: &random) {
            evidence = [:]
            for key in ["samples", "statistic", "decidedBy", "reason", awkward.randomElement(using: &random)!] where Bool.random(using: &random) {
                evidence![key] = Bool.random(using: &random) ? .number(EventCodecTests.number(&random)) : .text(awkward.randomElement(using: &random)!)
            }
        }
        return ModelEvent(
            kind: kind, ts: EventCodecTests.number(&random), model: model,
            weights: kind == .version ? Data(blob).base64EncodedString() : nil,
            replaces: kind == .version ? nil : ModelReference(id: awkward.randomElement(using: &random)!, version: 3),
            evidence: evidence)
    }

    @Test func bytesEqualFoundationsAndDecodeBack() throws {
        var random = Random(state: 20_261_204)
        for _ in 0..<2_000 {
            let event = Self.event(&random)
            let bytes = EventDecoding.encode(event)
            #expect(bytes == (try EventCodecTests.foundationBytes(event)))
            #expect(try EventDecoding.decode(ModelEvent.self, from: bytes) == event)
            #expect(try EventDecoding.decodeWithFoundation(ModelEvent.self, from: bytes) == event)
        }
        // A version without evidence still starts as the roles that skip plain versions expect.
        let plain = ModelEvent(kind: .version, ts: 1, model: .init(id: "m", version: 2), weights: "AAAA")
        #expect(ModelEvent.decodeUnlessPlainVersion(EventDecoding.encode(plain)) == nil)
    }

    @Test func nonFiniteEvidenceIsRefusedWithFoundationsReason() {
        for event in [
            ModelEvent(kind: .promotion, ts: 1, model: .init(id: "s", version: 2), replaces: .init(id: "c", version: 1),
                       evidence: ["statistic": .number(.nan), "samples": .number(10)]),
            ModelEvent(kind: .version, ts: .infinity, model: .init(id: "s", version: 2), weights: "AAAA"),
        ] {
            let fast = Result { () throws(EventEncodingError) in try EventDecoding.encodeChecked(event) }
            let reference = Result { () throws(EventEncodingError) in try EventDecoding.encodeWithFoundation(event) }
            guard case .failure(let fastError) = fast, case .failure(let referenceError) = reference else {
                Issue.record("both encoders should refuse: \(fast) vs \(reference)")
                continue
            }
            #expect(fastError.reason == referenceError.reason)
        }
    }

    @Test func fuzzedDocumentsGetFoundationsReasons() {
        var random = Random(state: 4_242)
        var disagreements = 0
        var refused = 0
        for round in 0..<3_000 {
            let document = EventCodecTests.mutate(EventDecoding.encode(Self.event(&random)), &random)
            if !EventCodecTests.agree(ModelEvent.self, document, "model event \(round)") { disagreements += 1 }
            if (try? EventDecoding.decode(ModelEvent.self, from: document)) == nil { refused += 1 }
            if disagreements > 10 { break }
        }
        #expect(disagreements == 0)
        #expect(refused > 300, "the fuzzer should mostly make documents that are refused, got \(refused)")
    }

    @Test func handPickedHostileDocuments() {
        let documents = [
            #"{"kind":"versio","ts":1,"model":{"id":"m","version":1},"weights":"AAAA"}"#,
            #"{"kind":7,"ts":1,"model":{"id":"m","version":1}}"#, #"{"ts":1,"model":{"id":"m","version":1}}"#,
            #"{"kind":"version","ts":1,"model":{"id":"m","version":1}}"#,
            #"{"kind":"version","ts":1,"model":{"id":"m","version":1},"weights":"!!"}"#,
            #"{"kind":"version","ts":1,"model":{"id":"m","version":1},"weights":null}"#,
            #"{"kind":"promotion","ts":1,"model":{"id":"m","version":1}}"#,
            #"{"kind":"promotion","ts":1,"model":{"id":"m","version":1},"replaces":{"id":"c"}}"#,
            #"{"evidence":{"a":true},"kind":"promotion","ts":1,"model":{"id":"m","version":1},"replaces":{"id":"c","version":1}}"#,
            #"{"evidence":{"a":null},"kind":"promotion","ts":1,"model":{"id":"m","version":1},"replaces":{"id":"c","version":1}}"#,
            #"{"evidence":{"a":1e400},"kind":"promotion","ts":1,"model":{"id":"m","version":1},"replaces":{"id":"c","version":1}}"#,
            #"{"evidence":{"a":1,"a":"x"},"kind":"rollback","ts":1,"model":{"id":"m","version":1},"replaces":{"id":"c","version":1}}"#,
            #"{"evidence":[],"kind":"rollback","ts":1,"model":{"id":"m","version":1},"replaces":{"id":"c","version":1}}"#,
            #"{"evidence":null,"kind":"retirement","ts":1,"model":{"id":"m","version":1},"replaces":{"id":"c","version":1}}"#,
        ]
        for document in documents {
            #expect(EventCodecTests.agree(ModelEvent.self, Array(document.utf8), document))
        }
    }
}
