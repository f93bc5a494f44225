import Foundation
import KafkaTransport
import Testing

/// Flywheel's clients and kcat (an outside client, Debian package) exchange messages through the embedded broker.
/// The standalone-process version, `flywheel broker` with kcat on both ends, is scripts/kcat-interop.sh.
@Suite("kcat interoperability")
struct KcatInteropTests {
    static let kcat = ["/usr/bin/kcat", "/usr/local/bin/kcat"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs kcat with `arguments`, feeding `input` on stdin; returns stdout. Fails the test if kcat is missing.
    func runKcat(_ arguments: [String], input: String? = nil) throws -> String {
        let path = try #require(Self.kcat, "kcat is not installed: apt-get install -y kcat")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let inputPipe = Pipe()
        process.standardInput = inputPipe
        try process.run()
        if let input { inputPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try inputPipe.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "kcat \(arguments.joined(separator: " ")) failed")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func flywheelProducesAndKcatConsumes() async throws {
        let broker = try EmbeddedBroker(logger: makeTestLogger())
        let topic = uniqueName("to-kcat")
        try broker.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: testProducer(bootstrap: broker.bootstrapServers), logger: makeTestLogger())
        let sent = (0..<2000).map { index in
            KafkaOutgoingMessage(
                topic: topic, key: "key-\(index)", value: Array("value-\(index)".utf8),
                headers: [KafkaHeader(name: "origin", text: "flywheel")])
        }
        let reports = try await withRunning([producer]) { try await producer.deliver(sent) }
        #expect(reports.allSatisfy { $0.isDelivered })

        let output = try runKcat(["-b", broker.bootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-q",
                                  "-f", "%k=%s;%h\n"])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 2000)
        #expect(Set(lines) == Set((0..<2000).map { "key-\($0)=value-\($0);origin=flywheel" }))
    }

    @Test func kcatProducesAndFlywheelConsumes() async throws {
        let broker = try EmbeddedBroker(logger: makeTestLogger())
        let topic = uniqueName("from-kcat")
        try broker.createTopic(topic, partitions: 3)
        let input = (0..<3000).map { "k\($0 % 50):v\($0)" }.joined(separator: "\n") + "\n"
        _ = try runKcat(["-b", broker.bootstrapServers, "-P", "-t", topic, "-K:"], input: input)

        let consumer = try KafkaConsumer(
            configuration: fastGroupConsumer(bootstrap: broker.bootstrapServers, group: uniqueName("from-kcat")),
            logger: makeTestLogger())
        try consumer.subscribe(topics: [topic])
        let received = ReceivedLog()
        var keysByPartition: [String: Set<Int32>] = [:]
        try await withRunning([consumer]) {
            let deadline = Deadline(.seconds(60))
            for await batch in consumer.messages {
                received.record(batch, consumer: 0)
                for message in batch {
                    keysByPartition[String(decoding: message.key ?? [], as: UTF8.self), default: []].insert(message.partition)
                }
                consumer.storeOffsets(for: batch)
                if received.uniqueCount >= 3000 || deadline.hasPassed { break }
            }
        }
        #expect(received.uniqueCount == 3000)
        #expect(keysByPartition.count == 50)
        #expect(keysByPartition.values.allSatisfy { $0.count == 1 })
    }
}
