// MARK: - JSONTape

/// The structure of one JSON document as a flat list of tokens, made in one pass over its bytes: the first half of
/// the event codec that does not go through Foundation (``JSONReader`` is the second).
///
/// It checks the grammar Foundation's `JSONDecoder` checks before it decodes anything, so a document Foundation calls
/// "not valid JSON" is refused here too: strict numbers, a closing quote for every string (and four bytes other than a
/// quote after each `\u`), numbers delimited as Foundation delimits them, at most 512 levels of nesting, nothing after the value but whitespace. Like Foundation it accepts one
/// trailing comma before `}` or `]`, a leading UTF-8 byte-order mark, and it leaves the inside of strings (escape
/// letters, UTF-8, control characters) to be checked when a string is read, so a malformed string in a field no one
/// reads does not refuse the event.
public struct JSONTape: Sendable {
    /// What a token is.
    public enum Kind: UInt8, Sendable {
        /// `{ … }`; its members follow as key (a string token), value, key, value …
        case object
        /// `[ … ]`; its elements follow.
        case array
        /// A string; `start..<end` is the text between the quotes.
        case string
        /// A number; `start..<end` is the literal.
        case number
        /// `true`.
        case `true`
        /// `false`.
        case `false`
        /// `null`.
        case null
    }

    /// One value of the document.
    public struct Token: Sendable {
        /// What it is.
        public var kind: Kind
        /// For a string: it holds a backslash, a byte above 0x7F or below 0x20, so reading it takes the slow path.
        /// For a number: it has a fraction or an exponent.
        public var marked: Bool
        /// Where its text starts (strings: after the quote; containers: at the bracket).
        public var start: Int32
        /// Where its text ends (strings: at the closing quote).
        public var end: Int32
        /// The index of the first token after this value and everything inside it.
        public var next: Int32
    }

    /// The document's tokens in order; the first is the top-level value.
    public private(set) var tokens: [Token]

    /// The deepest nesting Foundation's decoder accepts.
    static let maximumDepth = 512

    /// Scans a document.
    /// - Throws: ``JSONReadError`` of kind `.invalidJSON` when the bytes are not one JSON value.
    public init(scanning bytes: UnsafeBufferPointer<UInt8>) throws(JSONReadError) {
        var scanner = Scanner(bytes: bytes)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { scanner.index = 3 }
        scanner.skipWhitespace()
        try scanner.value(depth: 1)
        scanner.skipWhitespace()
        guard scanner.index == bytes.count else { throw .invalidJSON }
        tokens = scanner.tokens
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var tokens: [Token] = []

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            tokens.reserveCapacity(64)
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(JSONReadError) {
            guard index < bytes.count else { throw .invalidJSON }
            switch bytes[index] {
            case UInt8(ascii: "{"): try container(object: true, depth: depth)
            case UInt8(ascii: "["): try container(object: false, depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true", .true)
            case UInt8(ascii: "f"): try literal("false", .false)
            case UInt8(ascii: "n"): try literal("null", .null)
            default: try number()
            }
        }

        mutating func container(object: Bool, depth: Int) throws(JSONReadError) {
            guard depth <= JSONTape.maximumDepth else { throw .invalidJSON }
            let me = tokens.count
            tokens.append(Token(kind: object ? .object : .array, marked: false, start: Int32(index), end: 0, next: 0))
            index += 1
            let close = object ? UInt8(ascii: "}") : UInt8(ascii: "]")
            skipWhitespace()
            while true {
                guard index < bytes.count else { throw .invalidJSON }
                if bytes[index] == close { break }
                if object {
                    guard bytes[index] == UInt8(ascii: "\"") else { throw .invalidJSON }
                    try string()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw .invalidJSON }
                    index += 1
                    skipWhitespace()
                }
                try value(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw .invalidJSON }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    skipWhitespace()
                    continue
                }
                guard bytes[index] == close else { throw .invalidJSON }
                break
            }
            index += 1
            tokens[me].end = Int32(index)
            tokens[me].next = Int32(tokens.count)
        }

        mutating func string() throws(JSONReadError) {
            index += 1
            let start = index
            var marked = false
            while true {
                // Eight bytes at a time past plain ASCII (no quote, backslash or control character): long strings.
                while index + 8 <= bytes.count {
                    let word = ByteWords.load(bytes, at: index)
                    if ByteWords.hasHigh(word) || ByteWords.hasBelow(word, 0x20) || ByteWords.has(word, 0x22)
                        || ByteWords.has(word, 0x5C) { break }
                    index += 8
                }
                guard index < bytes.count else { throw .invalidJSON }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte == UInt8(ascii: "\\") {
                    marked = true
                    index += 1
                    guard index < bytes.count else { throw .invalidJSON }
                    // As Foundation's scanner: the four bytes after `\u` must be there and hold no quote; whether
                    // they are hex digits is checked when the string is read.
                    if bytes[index] == UInt8(ascii: "u") {
                        guard index + 4 < bytes.count else { throw .invalidJSON }
                        for offset in 1...4 where bytes[index + offset] == UInt8(ascii: "\"") { throw .invalidJSON }
                        index += 4
                    }
                } else if byte < 0x20 || byte > 0x7F {
                    marked = true
                }
                index += 1
            }
            tokens.append(Token(kind: .string, marked: marked, start: Int32(start), end: Int32(index), next: Int32(tokens.count + 1)))
            index += 1
        }

        mutating func literal(_ text: StaticString, _ kind: Kind) throws(JSONReadError) {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw .invalidJSON }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { throw .invalidJSON }
            tokens.append(Token(kind: kind, marked: false, start: Int32(index), end: Int32(index + count), next: Int32(tokens.count + 1)))
            index += count
        }

        /// A number as Foundation's scanner delimits one: a `-` or a digit, then any run of digits, `.`, `e`, `E`,
        /// `+` and `-`. Whether the run is a JSON number is checked when it is read (``JSONTape/isNumber(_:from:to:)``),
        /// as Foundation does: a malformed number in a field no one reads does not refuse the event.
        mutating func number() throws(JSONReadError) {
            let start = index
            guard bytes[index] == UInt8(ascii: "-") || isDigit(bytes[index]) else { throw .invalidJSON }
            var marked = false
            scan: while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"): break
                case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): marked = true
                default: break scan
                }
                index += 1
            }
            tokens.append(Token(kind: .number, marked: marked, start: Int32(start), end: Int32(index), next: Int32(tokens.count + 1)))
        }

        @inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
    }

    /// Whether `start..<end` is a JSON number: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isNumber(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var index = start
        func digit() -> Bool { index < end && bytes[index] &- UInt8(ascii: "0") < 10 }
        if index < end, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard digit() else { return false }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while digit() { index += 1 }
        }
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digit() else { return false }
            while digit() { index += 1 }
        }
        if index < end, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < end, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digit() else { return false }
            while digit() { index += 1 }
        }
        return index == end
    }

    /// The value of one hex digit, or nil.
    @inline(__always) static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
