// MARK: - KafkaClientConfiguration

/// Settings every Flywheel Kafka client shares: where the cluster is, who the client is, and any other librdkafka
/// property, passed through unchanged.
///
/// The typed fields are the ones Flywheel's code relies on. Everything else (`security.protocol`, `sasl.*`,
/// `ssl.*`, `socket.*`, …) goes in ``properties`` under its librdkafka name
/// (https://github.com/confluentinc/librdkafka/blob/v2.0.2/CONFIGURATION.md); it is applied after the typed
/// fields, so a property given there wins.
public struct KafkaClientConfiguration: Sendable, Equatable {
    /// The brokers to bootstrap from, as `host:port` (an entry may itself be a comma-separated list). `bootstrap.servers`. Default: none (must be set; Flywheel's
    /// CLI fills it with the embedded broker's address when nothing is configured).
    public var bootstrapServers: [String]
    /// A name for this client in broker logs and metrics. `client.id`. Default: `flywheel`.
    public var clientID: String
    /// How long a broker request may take before it times out. `socket.timeout.ms`. Default: 60 s.
    public var socketTimeout: Duration
    /// How often to refresh cluster metadata. `topic.metadata.refresh.interval.ms`. Default: 300 s.
    public var metadataRefreshInterval: Duration
    /// Any other librdkafka property by its librdkafka name; applied last. Default: empty.
    public var properties: [String: String]

    /// Makes a client configuration.
    /// - Parameters:
    ///   - bootstrapServers: `host:port` of one or more brokers.
    ///   - clientID: `client.id`.
    ///   - properties: other librdkafka properties, passed through.
    public init(bootstrapServers: [String], clientID: String = "flywheel", properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.socketTimeout = .seconds(60)
        self.metadataRefreshInterval = .seconds(300)
        self.properties = properties
    }

    /// The librdkafka properties these fields stand for, before ``properties`` is applied.
    var typedProperties: [(String, String)] {
        [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("client.id", clientID),
            ("socket.timeout.ms", String(socketTimeout.milliseconds)),
            ("topic.metadata.refresh.interval.ms", String(metadataRefreshInterval.milliseconds)),
        ]
    }

    /// Checks what librdkafka itself would accept silently but Flywheel cannot use.
    /// - Throws: ``KafkaError/Code-swift.struct/invalidConfiguration`` naming the property.
    func validate() throws(KafkaError) {
        if bootstrapServers.isEmpty && properties["bootstrap.servers"] == nil {
            throw KafkaError(
                code: .invalidConfiguration,
                reason: "bootstrap.servers is empty; set it to host:port of at least one broker "
                    + "(or run without it to use the embedded broker from the flywheel CLI)"
            )
        }
        let servers = bootstrapServers.flatMap { $0.split(separator: ",").map(String.init) }
        for server in servers where !Self.isHostPort(server.trimmingSpaces) {
            throw KafkaError(
                code: .invalidConfiguration,
                reason: "bootstrap.servers entry '\(server)' is not host:port (e.g. kafka-1.internal:9092)"
            )
        }
    }

    /// Whether `server` reads as `host:port` (optionally `scheme://host:port`, as librdkafka accepts).
    static func isHostPort(_ server: String) -> Bool {
        var rest = Substring(server)
        if let schemeEnd = rest.range(of: "://") { rest = rest[schemeEnd.upperBound...] }
        guard let colon = rest.lastIndex(of: ":") else { return false }
        let host = rest[..<colon]
        let port = rest[rest.index(after: colon)...]
        guard !host.isEmpty, let number = Int(port), (1...65535).contains(number) else { return false }
        return !host.contains(where: { $0 == " " || $0 == "," })
    }
}

extension String {
    /// The string without leading and trailing spaces.
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down, as librdkafka's `*.ms` properties take it.
    public var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// The duration in milliseconds with up to three decimals (microseconds, rounded down): `"5"`, `"0.2"`, for the
    /// properties librdkafka reads as a float (`linger.ms`).
    public var fractionalMillisecondsText: String {
        let (seconds, attoseconds) = components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let whole = microseconds / 1000, fraction = microseconds % 1000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
