import FlywheelEvents
import Foundation
import Testing

/// Strings through the JSON byte codec, which skips eight bytes at a time past what needs no escape when writing and
/// past plain ASCII when scanning and reading: every special character at every position around those 8-byte steps
/// is written as Foundation's `JSONEncoder` writes it and read back as it was, and every raw bad byte or bad escape
/// there gets Foundation's reason.
@Suite("JSON strings at every position")
struct JSONStringTests {
    static let specials: [String] = ["\"", "\\", "/", "\n", "\u{1}", "\u{1F}", "é", "温", "🙂", "\u{7F}", " "]

    @Test func everySpecialCharacterAtEveryPositionMatchesFoundation() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        for length in 0...27 {
            for position in 0...length {
                for special in Self.specials {
                    var characters = Array(repeating: "a", count: length)
                    characters.insert(special, at: position)
                    let text = characters.joined() + (length % 3 == 0 ? "/" : "")
                    let label = LabelEvent(id: text, ts: 1, label: 0)
                    let bytes = EventDecoding.encode(label)
                    #expect(bytes == Array(try encoder.encode(label)), "\(special.debugDescription) at \(position) of \(length)")
                    #expect(try EventDecoding.decode(LabelEvent.self, from: bytes).id == text)
                }
            }
        }
    }

    @Test func rawBadBytesAtEveryPositionGetFoundationsReason() {
        for length in 1...26 {
            for position in 0..<length {
                for bad: [UInt8] in [[0x01], [0x1F], [0xFF], [0xC3], [0xED, 0xA0, 0x80], Array(#"\q"#.utf8), Array(#"\u12"#.utf8)] {
                    var id = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    id.replaceSubrange(position..<(position + 1), with: bad)
                    let document = Array(#"{"id":""#.utf8) + id + Array(#"","ts":1,"label":0}"#.utf8)
                    #expect(EventCodecTests.agree(LabelEvent.self, document, "\(bad) at \(position) of \(length)"))
                }
            }
        }
    }
}
