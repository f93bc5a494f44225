// MARK: - DeadLetterEvent

/// A malformed event, kept whole with the reason it was refused (`dead-letter.schema.json`; topic
/// `flywheel.dead-letter`, key: the original key).
public struct DeadLetterEvent: Codable, Sendable, Hashable {
    /// Where the event came from.
    public struct Source: Codable, Sendable, Hashable {
        /// Its topic.
        public var topic: String
        /// Its partition.
        public var partition: Int32
        /// Its offset.
        public var offset: Int64

        /// Names a position.
        public init(topic: String, partition: Int32, offset: Int64) {
            self.topic = topic
            self.partition = partition
            self.offset = offset
        }
    }

    /// What a role could not publish, when the refused thing is an output (too large for the broker, not
    /// encodable) rather than an input; `source` is then the input it was answering.
    public struct Output: Codable, Sendable, Hashable {
        /// The topic it was meant for.
        public var topic: String
        /// Its full size in bytes (the dead letter keeps at most ``DeadLetterEvent/outputBytesKept`` of them).
        public var bytes: Int

        /// Describes an output.
        public init(topic: String, bytes: Int) {
            self.topic = topic
            self.bytes = bytes
        }
    }

    /// How many bytes of a refused output a dead letter keeps.
    public static let outputBytesKept = 1000

    /// Why it was refused, as a sentence naming fields, never values.
    public var reason: String
    /// Where it came from.
    public var source: Source
    /// The original key, base64, or `nil` when it had none.
    public var key: String?
    /// The original value, base64.
    public var value: String
    /// When it was refused.
    public var ts: Double
    /// The output that could not be published, when it is one (absent for a refused input).
    public var output: Output?

    /// Makes a dead-letter event from the original bytes.
    public init(reason: String, source: Source, key: [UInt8]?, value: [UInt8], ts: Double, output: Output? = nil) {
        self.reason = reason
        self.source = source
        self.key = key.map { Base64.encode($0) }
        self.value = Base64.encode(output == nil ? value : Array(value.prefix(Self.outputBytesKept)))
        self.ts = ts
        self.output = output
    }
}
