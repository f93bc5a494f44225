import FlywheelEvents
import Foundation
import Testing

/// `JSONByteWriter.base64` writes what Foundation's `base64EncodedString()` gives, quoted, for every length's
/// remainder (padding) and for every byte value; JSONDecoder reads it back to the same bytes.
@Suite("Base64 in the JSON byte writer")
struct Base64WriterTests {
    @Test func matchesFoundationForEveryLengthAndByte() throws {
        var state: UInt64 = 0x5EED
        for length in 0...200 {
            let data: [UInt8] = (0..<length).map { index in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return length == 200 ? UInt8(index % 256) : UInt8(truncatingIfNeeded: state >> 33)
            }
            var writer = JSONByteWriter()
            writer.base64(data)
            #expect(String(decoding: writer.bytes, as: UTF8.self) == "\"" + Data(data).base64EncodedString() + "\"", "length \(length)")
            let decoded = try JSONDecoder().decode(String.self, from: Data(writer.bytes))
            #expect(Data(base64Encoded: decoded) == Data(data))
        }
    }
}
