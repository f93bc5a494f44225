import FlywheelEvents
import Testing

/// Strings in the binary form: ASCII takes a shortcut past the standard library's UTF-8 validation, so these check
/// that every length around the shortcut's 8-byte steps reads back exactly, that non-ASCII text still goes through
/// validation (and reads back), and that bytes that are not UTF-8 are refused wherever the bad byte sits.
@Suite("Binary strings")
struct BinaryStringTests {
    static func read(_ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { raw in
            var reader = BinaryEventReader(raw)
            return try? reader.string()
        }
    }

    static func written(_ text: String) -> [UInt8] {
        var writer = BinaryEventWriter()
        writer.string(text)
        return writer.bytes
    }

    /// A length prefix and `body` as they are, UTF-8 or not.
    static func framed(_ body: [UInt8]) -> [UInt8] {
        var writer = BinaryEventWriter()
        writer.count(body.count)
        writer.raw(body)
        return writer.bytes
    }

    @Test func asciiOfEveryLengthAroundTheWordStepReadsBack() {
        for length in 0...33 {
            let text = String((0..<length).map { Character(UnicodeScalar(UInt8(0x20 + ($0 * 7) % 95))) })
            #expect(Self.read(Self.written(text)) == text, "length \(length)")
        }
    }

    @Test func nonASCIITextIsValidatedAndReadsBack() {
        for text in ["café", "x_température", "温度センサー_0123456789", "abcdefg\u{7F}é", "🙂"] {
            #expect(Self.read(Self.written(text)) == text)
        }
    }

    @Test func bytesThatAreNotUTF8AreRefusedWhereverTheySit() {
        for length in 1...20 {
            for position in 0..<length {
                for bad: UInt8 in [0x80, 0xC3, 0xFF] {
                    var body = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    body[position] = bad
                    #expect(Self.read(Self.framed(body)) == nil, "0x\(String(bad, radix: 16)) at \(position) of \(length)")
                }
            }
        }
    }
}
