import KafkaTransport
import Testing

@Suite("Topic administration")
struct AdminTests {
    /// Topics made on the embedded broker show up in metadata with their partition counts.
    @Test func embeddedBrokerTopicsAppearInMetadata() async throws {
        let broker = try EmbeddedBroker(brokers: 3, logger: makeTestLogger())
        let name = uniqueName("admin")
        try broker.createTopic(name, partitions: 6, replicationFactor: 3)
        let admin = try KafkaAdmin(configuration: .init(bootstrapServers: [broker.bootstrapServers]), logger: makeTestLogger())
        let metadata = try await admin.metadata()
        #expect(metadata.brokers.count == 3)
        #expect(metadata.topics[name]?.partitionCount == 6)
        #expect(metadata.topics[name]?.error == nil)
    }

    /// Creating a topic that exists on the embedded broker is a clear error.
    @Test func embeddedBrokerRefusesDuplicateTopic() throws {
        let broker = try EmbeddedBroker(logger: makeSilentLogger())
        let name = uniqueName("dup")
        try broker.createTopic(name, partitions: 2)
        let error = try #require(throws: KafkaError.self) { try broker.createTopic(name, partitions: 2) }
        #expect(error.code == .embeddedBroker)
        #expect(error.reason.contains(name))
    }

    /// The Admin API's CreateTopics request is sent, and a cluster that cannot serve it (the embedded broker has no
    /// controller) gives a retriable ``KafkaError`` naming the cluster, within the timeout, instead of hanging.
    /// A real Kafka cluster creates the topic; none is available on this machine (see docs/operations.md).
    @Test func adminCreateTopicsFailsClearlyWithoutAController() async throws {
        let broker = try EmbeddedBroker(logger: makeSilentLogger())
        let admin = try KafkaAdmin(configuration: .init(bootstrapServers: [broker.bootstrapServers]), logger: makeSilentLogger())
        let started = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await admin.createTopics(
                [.init(name: uniqueName("admin"), partitions: 6, configs: ["retention.ms": "60000"])],
                timeout: .seconds(2)
            )
        }
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(error?.code == .topicAdmin)
        #expect(error?.isRetriable == true)
        #expect(error?.reason.contains(broker.bootstrapServers) == true)
    }

    /// An invalid topic description is refused before anything is sent, naming the topic.
    @Test func invalidTopicDescriptionIsRefused() async throws {
        let broker = try EmbeddedBroker(logger: makeSilentLogger())
        let admin = try KafkaAdmin(configuration: .init(bootstrapServers: [broker.bootstrapServers]), logger: makeSilentLogger())
        let error = await #expect(throws: KafkaError.self) {
            try await admin.createTopics([.init(name: "bad-partitions", partitions: -5)])
        }
        #expect(error?.code == .topicAdmin)
        #expect(error?.reason.contains("bad-partitions") == true)
    }
}
