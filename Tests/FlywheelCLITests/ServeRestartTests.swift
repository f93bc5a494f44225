import Foundation
import KafkaTransport
import Logging
import Synchronization
import Testing

/// `flywheel serve --role inference` as a real process against an embedded broker in this test: stopped with
/// SIGTERM in the middle of a stream and started again, it loses no request — every one of them gets a prediction
/// (at least once), and the second process resumes from the committed offsets instead of starting over.
@Suite("flywheel serve: restart mid-stream")
struct ServeRestartTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// The `flywheel` binary built next to the test bundle.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("flywheel").path

    static let logger: Logger = {
        var logger = Logger(label: "serve-test", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .error
        return logger
    }()

    func startServe(bootstrap: String, directory: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = [
            "serve", "--bootstrap-servers", bootstrap, "--role", "inference",
            "--schema", Self.repository.appendingPathComponent("streams/sea_abrupt.schema.json").path,
            "--status-every", "0", "--log-level", "error", "--http", "127.0.0.1:0",
            // The embedded broker keeps a departed member in the group until its session times out (45 s by
            // default), even after it left cleanly; a short session lets the restarted member in sooner.
            "-X", "session.timeout.ms=6000",
        ]
        process.currentDirectoryURL = directory
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    @Test func aRestartedInferenceRoleLosesNoRequest() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the flywheel product first: \(Self.binary)")
        let broker = try EmbeddedBroker(logger: Self.logger)
        for topic in ["flywheel.requests", "flywheel.predictions", "flywheel.labels", "flywheel.examples", "flywheel.models",
                      "flywheel.drift", "flywheel.dead-letter"] {
            try broker.createTopic(topic, partitions: 4)
        }
        let client = KafkaClientConfiguration(bootstrapServers: [broker.bootstrapServers])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let total = 12_000
        let producer = try KafkaProducer(configuration: .init(client: client), logger: Self.logger)
        let reader = try KafkaConsumer(configuration: .init(client: client, groupID: "reader"), logger: Self.logger)
        try await reader.assign((0..<4).map {
            KafkaTopicPartitionOffset(topic: "flywheel.predictions", partition: $0, offset: KafkaTopicPartitionOffset.beginning)
        })
        let seen = SeenRequests()

        var exitCodes: [Int32] = []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            group.addTask { try await reader.run() }
            group.addTask {
                for await batch in reader.messages {
                    let ids = batch.compactMap { message -> String? in
                        guard let json = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any] else { return nil }
                        return json["requestId"] as? String
                    }
                    seen.withLock { state in
                        for id in ids { state.counts[id, default: 0] += 1 }
                        state.total += ids.count
                    }
                }
            }
            // The stream: SEA-like requests in chunks, while the first process serves.
            group.addTask {
                for start in stride(from: 0, to: total, by: 250) {
                    let chunk = (start..<min(total, start + 250)).map { index in
                        let json = #"{"id":"r:\#(index)","ts":\#(1_700_000_000 + Double(index) / 1000),"features":{"x0":\#(Double(index % 97) / 9.7),"x1":\#(Double(index % 89) / 8.9),"x2":\#(Double(index % 83) / 8.3)}}"#
                        return KafkaOutgoingMessage(topic: "flywheel.requests", key: "r:\(index)", value: Array(json.utf8))
                    }
                    let reports = try await producer.deliver(chunk)
                    #expect(reports.allSatisfy { $0.isDelivered })
                    try await Task.sleep(for: .milliseconds(50))
                }
            }

            func waitFor(_ condition: () -> Bool, seconds: Int) async throws -> Bool {
                let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
                while !condition() {
                    if ContinuousClock.now > deadline { return false }
                    try await Task.sleep(for: .milliseconds(20))
                }
                return true
            }

            // First process: stop it (SIGTERM) once it has answered 3,000 requests.
            let first = try startServe(bootstrap: broker.bootstrapServers, directory: directory)
            let firstReached = try await waitFor({ seen.withLock { $0.counts.count } >= 3000 }, seconds: 90)
            #expect(firstReached)
            first.terminate()
            first.waitUntilExit()
            exitCodes.append(first.terminationStatus)
            let servedByFirst = seen.withLock { $0.counts.count }
            #expect(servedByFirst < total, "the first process was stopped mid-stream (\(servedByFirst) answered)")

            // Second process: it must answer everything still unanswered.
            let second = try startServe(bootstrap: broker.bootstrapServers, directory: directory)
            let secondReached = try await waitFor({ seen.withLock { $0.counts.count } >= total }, seconds: 90)
            #expect(secondReached)
            try await Task.sleep(for: .milliseconds(500))
            second.terminate()
            second.waitUntilExit()
            exitCodes.append(second.terminationStatus)
            group.cancelAll()
            try? await group.waitForAll()
        }

        let (counts, delivered) = seen.withLock { ($0.counts, $0.total) }
        #expect(counts.count == total, "\(total - counts.count) requests never answered")
        #expect(Set(counts.keys) == Set((0..<total).map { "r:\($0)" }))
        // Duplicates are allowed (at least once) but the restart resumed from committed offsets, not from the start.
        let duplicates = delivered - counts.count
        #expect(duplicates < total / 4, "\(duplicates) requests answered twice")
        #expect(exitCodes == [0, 0], "SIGTERM drains and exits cleanly: \(exitCodes)")
    }
}

/// Request ids seen in predictions, with how often.
final class SeenRequests: Sendable {
    private let state = Mutex<(counts: [String: Int], total: Int)>(([:], 0))

    func withLock<T>(_ body: (inout (counts: [String: Int], total: Int)) -> T) -> T {
        state.withLock { body(&$0) }
    }
}
