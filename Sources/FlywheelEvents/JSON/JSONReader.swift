#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - JSONReader

/// Typed reads over a scanned document (``JSONTape``): the second half of the event codec that does not go through
/// Foundation. Each read refuses what Foundation's `JSONDecoder` refuses, with the same kind of error (see
/// ``JSONReadError``): a number that is not finite or underflows, or is read as an `Int` and is not one, makes the
/// document "not valid JSON"; `null` or another kind of value where one is required is the wrong type; a string with
/// a bad escape, a lone surrogate, a control character or bad UTF-8 is not valid JSON.
public struct JSONReader {
    /// The document's bytes.
    public let bytes: UnsafeBufferPointer<UInt8>
    /// Its tokens.
    public let tape: JSONTape

    /// Scans `bytes` and hands a reader of them to `body`.
    /// - Throws: ``JSONReadError`` from the scan or from `body`.
    public static func read<Value>(
        _ bytes: [UInt8], _ body: (JSONReader) throws(JSONReadError) -> Value
    ) throws(JSONReadError) -> Value {
        let result: Result<Value, JSONReadError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(JSONReadError) {
                let reader = JSONReader(bytes: buffer, tape: try JSONTape(scanning: buffer))
                return .success(try body(reader))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The top-level value.
    public var root: Int { 0 }

    /// The kind of token `index`.
    @inline(__always) public func kind(_ index: Int) -> JSONTape.Kind { tape.tokens[index].kind }

    /// Whether token `index` is `null`.
    @inline(__always) public func isNull(_ index: Int) -> Bool { tape.tokens[index].kind == .null }

    // MARK: Objects

    /// The members of the object at `index`, after checking that every key is a readable string (Foundation reads
    /// every key of an object it decodes).
    /// - Throws: `.wrongType` when the value is not an object; `.invalidJSON` for a malformed key.
    public func object(at index: Int) throws(JSONReadError) -> JSONObjectMembers {
        let token = tape.tokens[index]
        guard token.kind == .object else { throw JSONReadError(kind: .wrongType, path: []) }
        var member = index + 1
        while member < Int(token.next) {
            if tape.tokens[member].marked { _ = try string(at: member) }
            member = Int(tape.tokens[member + 1].next)
        }
        return JSONObjectMembers(tokens: tape.tokens, first: index + 1, end: Int(token.next))
    }

    /// Whether the key token `index` spells `name` (an escaped key is decoded first).
    public func key(_ index: Int, is name: StaticString) -> Bool {
        let token = tape.tokens[index]
        if token.marked {
            guard let text = try? string(at: index) else { return false }
            return text.utf8.elementsEqual(UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        }
        let count = Int(token.end - token.start)
        guard count == name.utf8CodeUnitCount else { return false }
        return memcmp(bytes.baseAddress! + Int(token.start), name.utf8Start, count) == 0
    }

    /// The value tokens of the fields `names` in the object at `index` (nil where absent; the first of a repeated
    /// key wins, as with Foundation), after ``object(at:)``'s checks.
    /// - Precondition: at most ``JSONFieldTokens/capacity`` names.
    public func fields(of index: Int, _ names: StaticString...) throws(JSONReadError) -> JSONFieldTokens {
        precondition(names.count <= JSONFieldTokens.capacity, "at most \(JSONFieldTokens.capacity) fields per read")
        var found = JSONFieldTokens()
        for (key, value) in try object(at: index) {
            for position in names.indices where found[position] == nil && self.key(key, is: names[position]) {
                found[position] = value
                break
            }
        }
        return found
    }

    // MARK: Arrays

    /// The element tokens of the array at `index`.
    /// - Throws: `.wrongType` when the value is not an array.
    public func array(at index: Int) throws(JSONReadError) -> [Int] { Array(try elements(of: index)) }

    /// The element tokens of the array at `index`, walked in place (no array of them is built).
    /// - Throws: `.wrongType` when the value is not an array.
    public func elements(of index: Int) throws(JSONReadError) -> JSONArrayElements {
        let token = tape.tokens[index]
        guard token.kind == .array else { throw JSONReadError(kind: .wrongType, path: []) }
        return JSONArrayElements(tokens: tape.tokens, first: index + 1, end: Int(token.next))
    }

    /// An array of numbers (`[Double]`), each error naming its position.
    public func doubles(at index: Int) throws(JSONReadError) -> [Double] {
        let elements = try elements(of: index)
        var values: [Double] = []
        values.reserveCapacity(elements.count)
        for (position, element) in elements.enumerated() {
            do { values.append(try double(at: element)) } catch { throw error.inside("[\(position)]") }
        }
        return values
    }

    // MARK: Fields

    /// Reads a required field: `.missing` when absent, and any error from `read` placed under `name`.
    @inline(__always)
    public func field<Value>(
        _ index: Int?, _ name: String, _ read: (Int) throws(JSONReadError) -> Value
    ) throws(JSONReadError) -> Value {
        guard let index else { throw JSONReadError(kind: .missing, path: [name]) }
        do { return try read(index) } catch { throw error.inside(name) }
    }

    /// Reads an optional field: nil when absent or `null` (Foundation's `decodeIfPresent`).
    @inline(__always)
    public func optionalField<Value>(
        _ index: Int?, _ name: String, _ read: (Int) throws(JSONReadError) -> Value
    ) throws(JSONReadError) -> Value? {
        guard let index, !isNull(index) else { return nil }
        do { return try read(index) } catch { throw error.inside(name) }
    }

    // MARK: Scalars

    /// A number read as a `Double`.
    /// - Throws: `.wrongType` for anything but a number; `.invalidJSON` for one that overflows or underflows.
    public func double(at index: Int) throws(JSONReadError) -> Double {
        let token = tape.tokens[index]
        guard token.kind == .number else { throw JSONReadError(kind: .wrongType, path: []) }
        return try Self.parseDouble(bytes, from: Int(token.start), to: Int(token.end))
    }

    /// A number read as an `Int`: an integer literal in range, or a literal with a fraction or exponent whose value
    /// is a whole number of at most 2^53.
    /// - Throws: `.wrongType` for anything but a number; `.invalidJSON` for one that is not an `Int`.
    public func int(at index: Int) throws(JSONReadError) -> Int {
        let token = tape.tokens[index]
        guard token.kind == .number else { throw JSONReadError(kind: .wrongType, path: []) }
        if token.marked {
            let value = try Self.parseDouble(bytes, from: Int(token.start), to: Int(token.end))
            // Beyond 2^53 a fraction may have been rounded away; Foundation refuses those, so this does too.
            guard value == value.rounded(.towardZero), abs(value) <= 0x1p53 else { throw .invalidJSON }
            return Int(value)
        }
        guard JSONTape.isNumber(bytes, from: Int(token.start), to: Int(token.end)) else { throw .invalidJSON }
        var position = Int(token.start)
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        var magnitude: UInt64 = 0
        while position < Int(token.end) {
            let (times10, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(bytes[position] - UInt8(ascii: "0")))
            guard !overflow1, !overflow2 else { throw .invalidJSON }
            magnitude = sum
            position += 1
        }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else { throw .invalidJSON }
            return magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
        }
        guard magnitude <= UInt64(Int.max) else { throw .invalidJSON }
        return Int(magnitude)
    }

    /// A string.
    /// - Throws: `.wrongType` for anything but a string; `.invalidJSON` for a malformed one.
    public func string(at index: Int) throws(JSONReadError) -> String {
        let token = tape.tokens[index]
        guard token.kind == .string else { throw JSONReadError(kind: .wrongType, path: []) }
        let text = UnsafeBufferPointer(rebasing: bytes[Int(token.start)..<Int(token.end)])
        guard token.marked else { return String(decoding: text, as: UTF8.self) }
        return try Self.unescape(text)
    }

    // MARK: Parsing

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
        1e20, 1e21, 1e22,
    ]

    /// Parses a literal the scanner delimited, checking in the same pass that it is a JSON number
    /// (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, as ``JSONTape/isNumber(_:from:to:)``). Exact: Clinger's fast
    /// path when the digits fit 2^53 and the power of ten is exact, else Eisel-Lemire (``FastDoubleParsing``) for up
    /// to 19 digits, else the C library's correctly rounded `strtod`. Runs of digits are taken eight at a time where
    /// they can be (a probability has 16–17).
    /// - Throws: `.invalidJSON` for a malformed literal, one beyond `Double`'s range, or a non-zero one that rounds
    ///   to zero (Foundation's rules).
    static func parseDouble(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) throws(JSONReadError) -> Double {
        var digits = DecimalDigits()
        var position = start
        let negative = position < end && bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        guard position < end, DecimalDigits.isDigit(bytes[position]) else { throw .invalidJSON }
        if bytes[position] == UInt8(ascii: "0") {
            digits.add(0, fraction: false)
            position += 1
        } else {
            digits.addRun(bytes, from: &position, to: end, fraction: false)
        }
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < end, DecimalDigits.isDigit(bytes[position]) else { throw .invalidJSON }
            digits.addRun(bytes, from: &position, to: end, fraction: true)
        }
        var exponent = 0
        if position < end, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            var exponentNegative = false
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                exponentNegative = bytes[position] == UInt8(ascii: "-")
                position += 1
            }
            guard position < end, DecimalDigits.isDigit(bytes[position]) else { throw .invalidJSON }
            while position < end, DecimalDigits.isDigit(bytes[position]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[position] - UInt8(ascii: "0")) }
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        guard position == end else { throw .invalidJSON }
        let power = exponent + digits.scale
        let mantissa = digits.mantissa
        var value: Double
        if digits.count <= 19, mantissa <= (1 << 53), power >= -22, power <= 22 {
            value = Double(mantissa)
            value = power < 0 ? value / exactPowersOfTen[-power] : value * exactPowersOfTen[power]
            if negative { value = -value }
        } else if digits.count <= 19, let exact = FastDoubleParsing.double(mantissa: mantissa, power: power, negative: negative) {
            value = exact
        } else {
            value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: end - start + 1) { buffer in
                for offset in 0..<(end - start) { buffer[offset] = CChar(bitPattern: bytes[start + offset]) }
                buffer[end - start] = 0
                return strtod(buffer.baseAddress!, nil)
            }
        }
        guard value.isFinite, value != 0 || !digits.nonZero else { throw .invalidJSON }
        return value
    }

    /// Decodes the text between a string's quotes when it holds escapes or non-ASCII bytes.
    static func unescape(_ text: UnsafeBufferPointer<UInt8>) throws(JSONReadError) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(text.count)
        var position = 0
        func hex4(_ at: Int) throws(JSONReadError) -> UInt32 {
            guard at + 4 <= text.count else { throw .invalidJSON }
            var value: UInt32 = 0
            for offset in 0..<4 {
                guard let digit = JSONTape.hexValue(text[at + offset]) else { throw .invalidJSON }
                value = value << 4 | digit
            }
            return value
        }
        while position < text.count {
            // The run up to the next escape is copied whole (a version's base64 weights hold a `\/` every ~64 bytes).
            var runEnd = position
            while runEnd + 8 <= text.count {
                let word = ByteWords.load(text, at: runEnd)
                if ByteWords.has(word, 0x5C) || ByteWords.hasBelow(word, 0x20) { break }
                runEnd += 8
            }
            while runEnd < text.count, text[runEnd] != UInt8(ascii: "\\") {
                guard text[runEnd] >= 0x20 else { throw .invalidJSON }
                runEnd += 1
            }
            if runEnd > position {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position..<runEnd]))
                position = runEnd
                continue
            }
            let escape = text[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(escape)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(position)
                position += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard position + 6 <= text.count, text[position] == UInt8(ascii: "\\"), text[position + 1] == UInt8(ascii: "u")
                    else { throw .invalidJSON }
                    let low = try hex4(position + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw .invalidJSON }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    position += 6
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw .invalidJSON
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw .invalidJSON }
                output.append(contentsOf: UTF8.encode(unicode)!)
            default:
                throw .invalidJSON
            }
        }
        // ASCII needs no validation (the standard library's runs as unspecialized generic code).
        if output.withUnsafeBufferPointer(ByteWords.isASCII) { return String(decoding: output, as: UTF8.self) }
        guard let string = String(validating: output, as: UTF8.self) else { throw .invalidJSON }
        return string
    }
}

// MARK: - JSONObjectMembers

/// The members of one object, as (key token, value token) pairs in document order.
public struct JSONObjectMembers: Sequence {
    let tokens: [JSONTape.Token]
    let first: Int
    let end: Int

    /// Walks the members.
    public struct Iterator: IteratorProtocol {
        let tokens: [JSONTape.Token]
        var position: Int
        let end: Int

        /// The next (key, value) pair of token indices.
        public mutating func next() -> (key: Int, value: Int)? {
            guard position < end else { return nil }
            let key = position
            position = Int(tokens[key + 1].next)
            return (key, key + 1)
        }
    }

    /// Starts a walk.
    public func makeIterator() -> Iterator { Iterator(tokens: tokens, position: first, end: end) }
}

// MARK: - JSONArrayElements

/// The element tokens of an array, walked in place (see ``JSONReader/elements(of:)``).
public struct JSONArrayElements: Sequence {
    let tokens: [JSONTape.Token]
    let first: Int
    let end: Int

    /// How many elements there are (a walk over them).
    public var count: Int {
        var count = 0
        var element = first
        while element < end {
            count += 1
            element = Int(tokens[element].next)
        }
        return count
    }

    /// Walks the elements.
    public struct Iterator: IteratorProtocol {
        let tokens: [JSONTape.Token]
        var position: Int
        let end: Int

        /// The next element's token index.
        public mutating func next() -> Int? {
            guard position < end else { return nil }
            defer { position = Int(tokens[position].next) }
            return position
        }
    }

    /// Starts a walk.
    public func makeIterator() -> Iterator { Iterator(tokens: tokens, position: first, end: end) }
}

// MARK: - JSONFieldTokens

/// The value tokens ``JSONReader/fields(of:_:)`` found, by the position of their names: held inline (no array per
/// object read — an event with four answers reads nine objects).
public struct JSONFieldTokens {
    /// How many fields one read can name.
    public static let capacity = 8

    private var tokens: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (-1, -1, -1, -1, -1, -1, -1, -1)

    /// The value token of the field named at `position`, nil when the object lacks it.
    public subscript(position: Int) -> Int? {
        get {
            precondition(position >= 0 && position < Self.capacity, "field position \(position) out of range")
            let token = withUnsafeBytes(of: tokens) { $0.load(fromByteOffset: position * 4, as: Int32.self) }
            return token < 0 ? nil : Int(token)
        }
        set {
            precondition(position >= 0 && position < Self.capacity, "field position \(position) out of range")
            let token = Int32(newValue ?? -1)
            withUnsafeMutableBytes(of: &tokens) { $0.storeBytes(of: token, toByteOffset: position * 4, as: Int32.self) }
        }
    }
}
