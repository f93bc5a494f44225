@testable import KafkaTransport
import Testing

/// Bad configuration is a clear ``KafkaError`` naming the property or address, never a crash.
@Suite("Configuration errors")
struct ConfigurationTests {
    @Test func unknownPropertyIsNamed() throws {
        var configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: ["127.0.0.1:9092"]))
        configuration.client.properties["no.such.property"] = "1"
        let error = try #require(throws: KafkaError.self) {
            try KafkaProducer(configuration: configuration, logger: makeSilentLogger())
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("'no.such.property'"))
        #expect(error.reason.contains("unknown"))
    }

    @Test func invalidValueIsNamed() throws {
        var configuration = KafkaConsumerConfiguration(client: .init(bootstrapServers: ["127.0.0.1:9092"]))
        configuration.client.properties["session.timeout.ms"] = "soon"
        let error = try #require(throws: KafkaError.self) {
            try KafkaConsumer(configuration: configuration, logger: makeSilentLogger())
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("'session.timeout.ms'"))
    }

    @Test func invalidTypedValueIsNamed() throws {
        var configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: ["127.0.0.1:9092"]))
        configuration.compressionCodec = "zip"
        let error = try #require(throws: KafkaError.self) {
            try KafkaProducer(configuration: configuration, logger: makeSilentLogger())
        }
        #expect(error.reason.contains("'compression.codec'"))
    }

    @Test func inconsistentCombinationIsExplained() throws {
        var configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: ["127.0.0.1:9092"]))
        configuration.client.properties["enable.idempotence"] = "true"
        configuration.client.properties["acks"] = "1"
        let error = try #require(throws: KafkaError.self) {
            try KafkaProducer(configuration: configuration, logger: makeSilentLogger())
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("acks"))
    }

    @Test(arguments: ["kafka-1", "kafka-1:port", "kafka-1:0", ":9092", "kafka 1:9092"])
    func malformedBootstrapEntryIsNamed(_ entry: String) throws {
        let configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: ["127.0.0.1:9092", entry]))
        let error = try #require(throws: KafkaError.self) {
            try KafkaProducer(configuration: configuration, logger: makeSilentLogger())
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.reason.contains("'\(entry)'"))
    }

    @Test func emptyBootstrapIsExplained() throws {
        let error = try #require(throws: KafkaError.self) {
            try KafkaConsumer(configuration: .init(client: .init(bootstrapServers: [])), logger: makeSilentLogger())
        }
        #expect(error.reason.contains("bootstrap.servers is empty"))
    }

    @Test func passThroughPropertiesAreAccepted() throws {
        var configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: ["127.0.0.1:9092"]))
        configuration.client.properties = ["security.protocol": "plaintext", "socket.keepalive.enable": "true"]
        _ = try KafkaProducer(configuration: configuration, logger: makeSilentLogger())
    }

    /// Nothing listens on port 1: the metadata check fails within its timeout and names the address.
    @Test func unreachableBootstrapIsNamed() async throws {
        let producer = try KafkaProducer(
            configuration: .init(client: .init(bootstrapServers: ["127.0.0.1:1"])), logger: makeSilentLogger())
        let error = await #expect(throws: KafkaError.self) { try await producer.metadata(timeout: .seconds(1)) }
        #expect(error?.code == .unreachable)
        #expect(error?.reason.contains("127.0.0.1:1") == true)
        #expect(error?.isRetriable == true)
    }

    /// Consumer settings of Flywheel's own are checked too.
    @Test func consumerBatchSettingsAreChecked() throws {
        var configuration = KafkaConsumerConfiguration(client: .init(bootstrapServers: ["127.0.0.1:9092"]))
        configuration.maximumBatchSize = 0
        let error = try #require(throws: KafkaError.self) {
            try KafkaConsumer(configuration: configuration, logger: makeSilentLogger())
        }
        #expect(error.reason.contains("maximumBatchSize"))
    }
}

/// The librdkafka properties Flywheel's typed settings produce, and the rules for pass-through properties.
@Suite("Configuration properties")
struct ConfigurationPropertyTests {
    @Test func consumerDefaultsAreAtLeastOnce() {
        let properties = KafkaConsumerConfiguration(client: .init(bootstrapServers: ["k:9092"])).librdkafkaProperties
        let values = Dictionary(properties, uniquingKeysWith: { _, last in last })
        #expect(values["enable.auto.offset.store"] == "false")
        #expect(values["enable.auto.commit"] == "true")
        #expect(values["auto.offset.reset"] == "earliest")
        #expect(values["queued.min.messages"] == "1000000")
        #expect(values["group.id"] == "flywheel")
    }

    @Test func passThroughWinsExceptForOffsetStoring() {
        var configuration = KafkaConsumerConfiguration(client: .init(bootstrapServers: ["k:9092"]))
        configuration.client.properties = ["auto.offset.reset": "latest", "enable.auto.offset.store": "true"]
        let properties = configuration.librdkafkaProperties
        // librdkafka applies properties in order, so the last occurrence is what it uses.
        #expect(properties.last { $0.0 == "auto.offset.reset" }?.1 == "latest")
        #expect(properties.last { $0.0 == "enable.auto.offset.store" }?.1 == "false")
    }

    @Test func producerDefaultsAreIdempotentAndTransactionalTimeoutsFit() {
        var configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: ["k:9092"]))
        var values = Dictionary(configuration.librdkafkaProperties, uniquingKeysWith: { _, last in last })
        #expect(values["enable.idempotence"] == "true")
        #expect(values["linger.ms"] == "5")
        #expect(values["message.timeout.ms"] == "300000")
        #expect(values["transactional.id"] == nil)
        configuration.transactionalID = "tx-1"
        values = Dictionary(configuration.librdkafkaProperties, uniquingKeysWith: { _, last in last })
        #expect(values["transactional.id"] == "tx-1")
        #expect(values["message.timeout.ms"] == "60000")  // capped at transaction.timeout.ms, as librdkafka requires
    }

    @Test func lingerKeepsFractionsOfAMillisecond() {
        var configuration = KafkaProducerConfiguration(client: .init(bootstrapServers: ["k:9092"]))
        func linger(_ duration: Duration) -> String? {
            configuration.linger = duration
            return Dictionary(configuration.librdkafkaProperties, uniquingKeysWith: { _, last in last })["linger.ms"]
        }
        #expect(linger(.zero) == "0")
        #expect(linger(.microseconds(200)) == "0.2")
        #expect(linger(.microseconds(1_050)) == "1.05")
        #expect(linger(.microseconds(7)) == "0.007")
        #expect(linger(.milliseconds(12)) == "12")
        #expect(linger(.nanoseconds(999)) == "0")  // below a microsecond: rounded down
    }
}
