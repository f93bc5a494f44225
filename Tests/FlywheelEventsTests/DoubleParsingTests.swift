import FlywheelEvents
import Foundation
import Testing

/// The byte codec's number reading (Clinger's fast path, Eisel-Lemire, `strtod` last) against the C library's
/// correctly rounded `strtod`, bit for bit: the shortest round-trip literals Flywheel's writers produce, random
/// decimal literals of up to 19 digits and beyond over a wide exponent range, runs of zeros around the parser's
/// eight-digit steps, and the classic hard cases; and which literals it refuses, against the JSON grammar.
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

    /// Leading zeros, zeros inside and runs of every length from 1 to 30 digits on either side of the point, so the
    /// eight-at-a-time steps (`DecimalDigits`) start, stop and give way to single digits at every offset.
    @Test func zeroRunsAndEveryRunLength() throws {
        var generator = EventCodecTests.SeededGenerator(state: 0x2E80_5EED)
        var literals: [String] = []
        func digits(_ count: Int, zeroShare: Int) -> String {
            String((0..<count).map { _ in Int.random(in: 0..<10, using: &generator) < zeroShare ? "0" : Character(String(Int.random(in: 1...9, using: &generator))) })
        }
        for integerCount in 0...30 {
            for fractionCount in 0...30 where integerCount + fractionCount > 0 {
                for zeroShare in [0, 3, 8] {
                    let leading = String(repeating: "0", count: Int.random(in: 0...20, using: &generator))
                    let integer = integerCount == 0 ? "0" : String(Int.random(in: 1...9, using: &generator)) + digits(integerCount - 1, zeroShare: zeroShare)
                    var literal = integer
                    if fractionCount > 0 { literal += "." + (integerCount == 0 ? leading : "") + digits(fractionCount, zeroShare: zeroShare) }
                    if Int.random(in: 0..<3, using: &generator) == 0 { literal += "e\(Int.random(in: -40...40, using: &generator))" }
                    literals.append(literal)
                }
            }
        }
        #expect(literals.count > 2_800)
        #expect(try Self.mismatches(literals) == 0)
    }

    /// Strings over the characters a number token may hold (digits, `.`, `e`, `E`, `+`, `-`), most of them one edit
    /// away from a valid literal: the reader accepts exactly those the JSON grammar does (checked with a regular
    /// expression) and that are finite and not a non-zero value rounded to zero, with `strtod`'s value.
    @Test func refusesExactlyWhatTheGrammarRefuses() throws {
        let grammar = try NSRegularExpression(pattern: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$"#)
        var generator = EventCodecTests.SeededGenerator(state: 0x6EA4_4A12)
        let alphabet = Array("0123456789.eE+-0123456789")
        let seeds = ["0", "-0", "7", "0.5", "12345678", "123456789012", "0.0000001234", "1.5e10", "-2E-5", "9e+300",
                     "12345678.12345678", "0.12345678901234567", "1e-400", "1e400", "0.000e5"]
        var accepted = 0, refused = 0
        for index in 0..<60_000 {
            var literal = Array(seeds[index % seeds.count])
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: literal[Int.random(in: 0..<literal.count, using: &generator)] = alphabet.randomElement(using: &generator)!
            case 1: literal.insert(alphabet.randomElement(using: &generator)!, at: Int.random(in: 0...literal.count, using: &generator))
            case 2: if literal.count > 1 { literal.remove(at: Int.random(in: 0..<literal.count, using: &generator)) }
            default: literal = (0..<Int.random(in: 1...14, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }
            }
            let text = String(literal)
            let grammatical = grammar.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
            let expected = strtod(text, nil)
            let nonZeroDigit = text.prefix { $0 != "e" && $0 != "E" }.contains { $0 >= "1" && $0 <= "9" }
            let shouldAccept = grammatical && expected.isFinite && (expected != 0 || !nonZeroDigit)
            let document = Array("[\(text)]".utf8)
            let read = try? JSONReader.read(document) { json throws(JSONReadError) in try json.doubles(at: json.root) }
            #expect((read != nil) == shouldAccept, "\(text): read \(read.map { "\($0)" } ?? "refused"), expected \(shouldAccept ? "accepted" : "refused")")
            if let read, shouldAccept { #expect(read == [expected], "\(text)") }
            if shouldAccept { accepted += 1 } else { refused += 1 }
        }
        #expect(accepted > 10_000 && refused > 10_000, "accepted \(accepted), refused \(refused)")
    }
}
