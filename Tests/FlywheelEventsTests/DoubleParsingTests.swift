import FlywheelEvents
import Foundation
import Testing

/// The byte codec's number reading (Clinger's fast path, Eisel-Lemire, `strtod` last) against the C library's
/// correctly rounded `strtod`, bit for bit: the shortest round-trip literals Flywheel's writers produce, random
/// decimal literals of up to 19 digits and beyond over a wide exponent range, and the classic hard cases.
@Suite("Double parsing against strtod")
struct DoubleParsingTests {
    /// Reads `literals` as one JSON array through ``JSONReader`` and checks each value against `strtod`'s; returns
    /// how many differed (each one recorded as an issue naming the literal).
    static func mismatches(_ literals: [String]) throws -> Int {
        let document = Array(("[" + literals.joined(separator: ",") + "]").utf8)
        let values = try JSONReader.read(document) { json throws(JSONReadError) in try json.doubles(at: json.root) }
        #expect(values.count == literals.count)
        var differing = 0
        for (literal, value) in zip(literals, values) {
            let expected = strtod(literal, nil)
            if value.bitPattern != expected.bitPattern {
                differing += 1
                Issue.record("\(literal): read \(value) (\(String(value.bitPattern, radix: 16))), strtod \(expected) (\(String(expected.bitPattern, radix: 16)))")
            }
        }
        return differing
    }

    @Test func shortestRoundTripLiteralsOfRandomDoubles() throws {
        var generator = EventCodecTests.SeededGenerator(state: 0x5EED_D0B1E)
        var literals: [String] = []
        for index in 0..<200_000 {
            let value: Double
            switch index % 4 {
            case 0: value = Double.random(in: 0..<1, using: &generator)  // probabilities
            case 1: value = Double.random(in: -1000...1000, using: &generator)  // features
            case 2:  // any normal double
                let bits = generator.next() & ~(UInt64(0x7FF) << 52) | UInt64.random(in: 1...0x7FE, using: &generator) << 52
                value = Double(bitPattern: bits)
            default: value = Double.random(in: 0..<1, using: &generator) * pow(10, Double(Int.random(in: -40...40, using: &generator)))
            }
            literals.append("\(value)")
        }
        #expect(try Self.mismatches(literals) == 0)
    }

    @Test func randomDecimalLiterals() throws {
        var generator = EventCodecTests.SeededGenerator(state: 0xDEC1_4A15)
        var literals: [String] = []
        for _ in 0..<200_000 {
            let digitCount = Int.random(in: 1...22, using: &generator)
            var digits = String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<digitCount { digits += String(Int.random(in: 0...9, using: &generator)) }
            let point = Int.random(in: 0...digitCount, using: &generator)
            var literal = point == 0 ? "0." + digits : String(digits.prefix(point)) + (point < digitCount ? "." + digits.dropFirst(point) : "")
            if Bool.random(using: &generator) { literal += "e\(Int.random(in: -130...130, using: &generator))" }
            if Bool.random(using: &generator) { literal = "-" + literal }
            literals.append(literal)
        }
        #expect(try Self.mismatches(literals) == 0)
    }

    @Test func hardCases() throws {
        let literals = [
            "9007199254740993", "9007199254740992", "9007199254740995", "18014398509481985",  // halfway above 2^53
            "0.1", "0.3", "1e23", "8.98846567431158e307", "1.7976931348623157e308",
            "2.2250738585072014e-308", "2.2250738585072011e-308", "4.9e-324", "5e-324", "1e-320",  // smallest normals, subnormals
            "7.450580596923828125e-9", "0.500000000000000166533453693773481063544750213623046875",
            "1.00000000000000011102230246251565404236316680908203125", "1.0000000000000002220446049250313080847263336181640625",
            "0.9999999999999999", "0.99999999999999999", "123456789012345678", "1234567890123456789",
            "12345678901234567890", "0.12345678901234567", "3.0517578125e-05", "6.103515625e-05", "-0.0", "0e10",
            "4503599627370496.5", "4503599627370497.5", "1e-100", "1e100", "1e-101",
        ]
        #expect(try Self.mismatches(literals) == 0)
    }
}
