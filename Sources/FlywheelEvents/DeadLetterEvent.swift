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

    /// Makes a dead-letter event from the original bytes.
    public init(reason: String, source: Source, key: [UInt8]?, value: [UInt8], ts: Double) {
        self.reason = reason
        self.source = source
        self.key = key.map { Base64.encode($0) }
        self.value = Base64.encode(value)
        self.ts = ts
    }
}
