import FeatureValues
import OnlineLearning

// MARK: - CSVRows

#if arch(x86_64) && !os(Windows)
/// Powers of ten for the 80-bit path, kept as exact 128-bit-free values: Float80 holds every 10^k up to 10^27 exactly.
typealias Float80Source = Float80
#else
typealias Float80Source = Double
#endif

/// A labelled CSV stream parsed straight from its bytes into flat columns — the numeric features as `Double`s (NaN
/// for missing), each categorical feature as its hashed bucket, the targets — with no per-row dictionary or string.
/// ``FeaturePipeline/transform(row:of:into:)`` turns a row into exactly the vector ``FeaturePipeline/transform(_:)``
/// gives the same request as a ``FeatureMap`` (the tests compare them), at a fraction of the cost; `flywheel eval`
/// and the learning benchmark read streams this way.
///
/// Accepts what ``CSVExamples`` accepts (header line, no quoted fields, empty field = missing) and refuses the same
/// things with the same messages.
public struct CSVRows: Sendable {
    /// How many rows.
    public private(set) var count = 0
    /// Numeric features per row (the schema's numeric features, in order).
    public let numericCount: Int
    /// Categorical features per row.
    public let categoricalCount: Int
    /// Hashed buckets per row: one per categorical feature, then one per cross.
    public let bucketsPerRow: Int
    /// Row after row, the numeric values (NaN: missing).
    public private(set) var numerics: [Double] = []
    /// Row after row, each categorical feature's bucket among the schema's hash width, then each cross's.
    public private(set) var buckets: [Int32] = []
    /// The targets.
    public private(set) var targets: [Double] = []

    /// Parses CSV bytes.
    /// - Throws: ``FeatureSchemaError`` naming the line and column of the first value that does not parse, a missing
    ///   column.
    public init(_ bytes: [UInt8], schema: FeatureSchema, target: String, task: LearningTask = .binary) throws(FeatureSchemaError) {
        numericCount = schema.numericFeatures.count
        categoricalCount = schema.categoricalFeatures.count
        bucketsPerRow = categoricalCount + schema.crosses.count
        var position = 0
        let headerEnd = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        guard headerEnd > 0 else { throw FeatureSchemaError("the CSV is empty") }
        let header = bytes[0..<headerEnd].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        position = headerEnd + 1
        guard let targetColumn = header.firstIndex(of: target) else {
            throw FeatureSchemaError("the CSV has no target column '\(target)' (columns: \(header.joined(separator: ", ")))")
        }
        // What each column is: -1 ignored, -2 the target, 0..<n numeric slot, n... categorical slot (n + index).
        var roles = [Int](repeating: -1, count: header.count)
        roles[targetColumn] = -2
        var prefixes: [UInt64] = []  // FNV-1a state after "name=" per categorical feature
        let numericNames = schema.numericFeatures
        var numericIndex = 0
        for feature in schema.features {
            guard let column = header.firstIndex(of: feature.name) else {
                throw FeatureSchemaError("the CSV has no column for feature '\(feature.name)'")
            }
            switch feature.kind {
            case .numeric:
                roles[column] = numericIndex
                numericIndex += 1
            case .categorical:
                roles[column] = numericCount + prefixes.count
                prefixes.append(FeatureHashing.fnv1a(bytes: Array("\(feature.name)=".utf8)))
            }
        }
        let missingHashes = schema.categoricalFeatures.map {
            Int32(FeatureHashing.bucket("\($0)=\(FeaturePipeline.missingToken)", width: schema.hashWidth))
        }
        let width = UInt64(schema.hashWidth)
        var numericRow = [Double](repeating: 0, count: numericCount)
        var bucketRow = [Int32](repeating: 0, count: bucketsPerRow)
        // Crosses hash "a=<a's token>&b=<b's token>": the feature slots, the hash of "a=", and the bytes "&b=".
        let categoricalNames = schema.categoricalFeatures
        let crosses = schema.crosses.map { cross in
            (left: categoricalNames.firstIndex(of: cross[0]) ?? 0, right: categoricalNames.firstIndex(of: cross[1]) ?? 0,
             prefix: FeatureHashing.fnv1a(bytes: Array("\(cross[0])=".utf8)), middle: Array("&\(cross[1])=".utf8))
        }
        let missingBytes = Array(FeaturePipeline.missingToken.utf8)
        var fieldRanges = [Range<Int>](repeating: 0..<0, count: categoricalCount)
        let lineCount = bytes.reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        numerics.reserveCapacity(lineCount * numericCount)
        buckets.reserveCapacity(lineCount * bucketsPerRow)
        targets.reserveCapacity(lineCount)
        let decimals = DecimalReader()
        var lineNumber = 1
        try bytes.withUnsafeBufferPointer { (text: UnsafeBufferPointer<UInt8>) throws(FeatureSchemaError) in
            while position < text.count {
                lineNumber += 1
                if text[position] == UInt8(ascii: "\n") { position += 1; continue }  // blank line
                var column = 0
                var targetValue = Double.nan
                while true {
                    guard column < roles.count else {
                        throw FeatureSchemaError("line \(lineNumber) has more fields than the header's \(header.count)")
                    }
                    let role = roles[column]
                    let start = position
                    if role == -2 || (role >= 0 && role < numericCount) {
                        // Numbers are read in the same pass that finds the field's end.
                        let isEmpty = position == text.count || text[position] == UInt8(ascii: ",") || text[position] == UInt8(ascii: "\n")
                        let (value, end) = isEmpty ? (nil, position) : decimals.number(in: text, from: position)
                        position = end
                        if role == -2 {
                            guard let value, value.isFinite else {
                                throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a number")
                            }
                            targetValue = value
                        } else if isEmpty {
                            numericRow[role] = .nan
                        } else if let value {
                            numericRow[role] = value
                        } else {
                            throw FeatureSchemaError("line \(lineNumber): feature '\(numericNames[role])' is not a number")
                        }
                    } else {
                        while position < text.count && text[position] != UInt8(ascii: ",") && text[position] != UInt8(ascii: "\n") {
                            position += 1
                        }
                    }
                    let field = UnsafeBufferPointer(rebasing: text[start..<position])
                    if role >= numericCount {
                        let slot = role - numericCount
                        fieldRanges[slot] = start..<position
                        if field.isEmpty {
                            bucketRow[slot] = missingHashes[slot]
                        } else {
                            var hash = prefixes[slot]
                            for byte in field {
                                hash ^= UInt64(byte)
                                hash = hash &* 0x0000_0100_0000_01b3
                            }
                            bucketRow[slot] = Int32(hash % width)
                        }
                    }
                    column += 1
                    if position >= text.count || text[position] == UInt8(ascii: "\n") {
                        position += 1
                        break
                    }
                    position += 1
                }
                guard column == header.count else {
                    throw FeatureSchemaError("line \(lineNumber) has \(column) fields, the header \(header.count)")
                }
                if task == .binary && targetValue != 0 && targetValue != 1 {
                    throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a class id 0 or 1")
                }
                if task == .multiclass && (targetValue < 0 || targetValue > 1_000_000 || targetValue.rounded() != targetValue) {
                    throw FeatureSchemaError("line \(lineNumber): the target '\(target)' is not a class id 0, 1, 2, …")
                }
                for (index, cross) in crosses.enumerated() {
                    var hash = cross.prefix
                    func add(_ byte: UInt8) {
                        hash ^= UInt64(byte)
                        hash = hash &* 0x0000_0100_0000_01b3
                    }
                    let left = fieldRanges[cross.left], right = fieldRanges[cross.right]
                    if left.isEmpty { missingBytes.forEach(add) } else { for i in left { add(text[i]) } }
                    cross.middle.forEach(add)
                    if right.isEmpty { missingBytes.forEach(add) } else { for i in right { add(text[i]) } }
                    bucketRow[categoricalCount + index] = Int32(hash % width)
                }
                numerics.append(contentsOf: numericRow)
                if bucketsPerRow > 0 { buckets.append(contentsOf: bucketRow) }
                targets.append(targetValue)
                count += 1
            }
        }
    }

    /// Row `index`'s numeric values.
    public func numericValues(of index: Int) -> ArraySlice<Double> {
        numerics[(index * numericCount)..<((index + 1) * numericCount)]
    }

    /// Row `index`'s buckets (categorical features, then crosses).
    public func categoricalBuckets(of index: Int) -> ArraySlice<Int32> {
        buckets[(index * bucketsPerRow)..<((index + 1) * bucketsPerRow)]
    }

    /// The number a field spells, exactly as `Double(String)` reads it (see ``DecimalReader``); `nil` when it is
    /// not a number.
    static func number(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        sharedDecimals.number(in: field, from: 0).value
    }

    private static let sharedDecimals = DecimalReader()
}

// MARK: - DecimalReader

/// Reads decimal numbers from CSV bytes exactly as `Double(String)` does: decimal digits with an optional sign,
/// fraction and exponent go through Clinger's fast path (an integer below 2^53 times or divided by an exact power of
/// ten, one correctly rounded operation) or an 80-bit path; anything else (more digits, "nan", "inf", hex) through
/// `Double(String)` itself. Made once per file, so its tables are not looked up through a global per field.
struct DecimalReader {
    /// 10^0 … 10^22, each exact in a Double.
    private let powersOfTen: [Double] = (0...22).map { Double("1e\($0)")! }
    /// 10^0 … 10^27 for the 80-bit path (5^27 < 2^64, so each is exact in a Float80).
    private let powersOfTenExtended: [Float80Source] = (0...27).map { k in (0..<k).reduce(Float80Source(1)) { value, _ in value * 10 } }

    /// The value of eight ASCII digits at `index` (SWAR: all eight checked and combined in a few integer operations),
    /// or nil if any of the eight bytes is not a digit.
    @inline(__always)
    static func eightDigits(_ text: UnsafeBufferPointer<UInt8>, at index: Int) -> UInt64? {
        let chunk = UnsafeRawPointer(text.baseAddress! + index).loadUnaligned(as: UInt64.self).littleEndian
        let digits = chunk &- 0x3030_3030_3030_3030
        // Every byte was 0x30...0x39: no borrow out of a byte (high nibble 0) and adding 6 stays below 0x10.
        guard (chunk & 0xF0F0_F0F0_F0F0_F0F0) == 0x3030_3030_3030_3030,
            ((digits &+ 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) == 0
        else { return nil }
        // Combine neighbours: pairs of digits, then pairs of pairs, then the two halves (the first digit is the
        // lowest byte, the most significant).
        let pairs = (digits &* (10 << 8 + 1)) >> 8
        let quads = ((pairs & 0x00FF_00FF_00FF_00FF) &* (100 << 16 + 1)) >> 16
        return ((quads & 0x0000_FFFF_0000_FFFF) &* (10_000 << 32 + 1)) >> 32
    }

    /// Reads the field that starts at `start` (it ends at a comma, a newline or the end) as a number, in one pass.
    /// - Returns: the number (`nil` if the field is not one) and where the field ends.
    func number(in text: UnsafeBufferPointer<UInt8>, from start: Int) -> (value: Double?, end: Int) {
        let end = text.count
        var i = start, negative = false
        if i < end && (text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+")) {
            negative = text[i] == UInt8(ascii: "-")
            i += 1
        }
        // The decimal digits as an integer (below 10^19, so it fits) and a power of ten; `truncated` once a digit
        // no longer fits (then only strtod is exact).
        var mantissa: UInt64 = 0, exponent = 0, sawDigit = false, truncated = false
        while i < end, text[i] &- UInt8(ascii: "0") < 10 {
            if mantissa < 1_000_000_000_000_000_000 {
                mantissa = mantissa &* 10 &+ UInt64(text[i] &- UInt8(ascii: "0"))
            } else {
                truncated = true
                exponent += 1
            }
            sawDigit = true
            i += 1
        }
        if i < end && text[i] == UInt8(ascii: ".") {
            i += 1
            // Eight digits at a time while they fit (fractions in exported data are long).
            while i + 8 <= end, mantissa < 100_000_000_000, let eight = Self.eightDigits(text, at: i) {
                mantissa = mantissa &* 100_000_000 &+ eight
                exponent -= 8
                sawDigit = true
                i += 8
            }
            while i < end, text[i] &- UInt8(ascii: "0") < 10 {
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa &* 10 &+ UInt64(text[i] &- UInt8(ascii: "0"))
                    exponent -= 1
                } else {
                    truncated = true
                }
                sawDigit = true
                i += 1
            }
        }
        var exponentOK = true
        if sawDigit && i < end && (text[i] == UInt8(ascii: "e") || text[i] == UInt8(ascii: "E")) {
            i += 1
            var exponentNegative = false
            if i < end && (text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+")) {
                exponentNegative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            var value = 0, exponentDigits = 0
            while i < end, text[i] &- UInt8(ascii: "0") < 10, value < 100_000 {
                value = value * 10 + Int(text[i] &- UInt8(ascii: "0"))
                exponentDigits += 1
                i += 1
            }
            exponentOK = exponentDigits > 0
            exponent += exponentNegative ? -value : value
        }
        let atDelimiter = i == end || text[i] == UInt8(ascii: ",") || text[i] == UInt8(ascii: "\n")
        if atDelimiter && sawDigit && exponentOK && !truncated && mantissa < (1 << 53) && abs(exponent) <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / powersOfTen[-exponent] : value * powersOfTen[exponent]
            return (negative ? -value : value, i)
        }
        #if arch(x86_64) && !os(Windows)
        // 16 to 18 significant digits (common in exported data): exact in an 80-bit float, and so is 10^k for
        // k ≤ 27, so one 64-bit-mantissa operation rounds once; rounding that again to a Double is still correct
        // unless the first result sits exactly halfway between two Doubles — then strtod decides.
        if atDelimiter && sawDigit && exponentOK && !truncated && abs(exponent) <= 27 {
            let scale = Float80(powersOfTenExtended[abs(exponent)])
            let wide = exponent < 0 ? Float80(mantissa) / scale : Float80(mantissa) * scale
            if wide.significandBitPattern & 0x7FF != 0x400 {
                let value = Double(wide)
                return (negative ? -value : value, i)
            }
        }
        #endif
        while i < end && text[i] != UInt8(ascii: ",") && text[i] != UInt8(ascii: "\n") { i += 1 }
        return (Double(String(decoding: UnsafeBufferPointer(rebasing: text[start..<i]), as: UTF8.self)), i)
    }
}
