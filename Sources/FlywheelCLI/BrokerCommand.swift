import ArgumentParser
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import Logging
import ServiceLifecycle

// MARK: - BrokerCommand

/// `flywheel broker`: runs the embedded Kafka-protocol broker as a process of its own.
struct BrokerCommand: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka-protocol broker until interrupted.",
        discussion: """
            Starts librdkafka's built-in Kafka cluster on 127.0.0.1 (ports chosen by the OS), creates Flywheel's \
            topics, prints the bootstrap address and serves until SIGINT or SIGTERM. Any Kafka client can connect: \
            `kcat -b <address> -L` lists its topics.

            It keeps data in memory only, at most about 5 MB or 100,000 message sets per partition; use a real \
            Kafka cluster in production.
            """
    )

    /// How many brokers to run.
    @Option(name: .long, help: "Number of brokers in the cluster (1-16).")
    var brokers: Int = 1

    /// Partitions for each of Flywheel's default topics.
    @Option(name: .long, help: "Partitions for each of Flywheel's topics.")
    var partitions: Int32 = 4

    /// Extra topics, `name` or `name:partitions`.
    @Option(name: .customLong("topic"), help: ArgumentHelp("Also create this topic (repeatable).", valueName: "name[:partitions]"))
    var topics: [TopicSpec] = []

    /// Skip Flywheel's default topics.
    @Flag(name: .long, help: "Do not create Flywheel's default topics (flywheel.requests, ...).")
    var noDefaultTopics = false

    /// Where to write the bootstrap address.
    @Option(name: .long, help: ArgumentHelp("Also write the bootstrap address to this file.", valueName: "path"))
    var bootstrapFile: String?

    /// Log verbosity.
    @Option(name: .long, help: "How much to log to stderr.")
    var logLevel: Logger.Level = .info

    /// Log line format.
    @Option(name: .long, help: "How log lines are written to stderr: text, or json (one object per line).")
    var logFormat: LogFormat = .text

    /// Stop when the parent process exits.
    @Flag(name: .long, help: "Stop when the process that started this one exits (for tools that run the broker as a child, so it never outlives them).")
    var exitWithParent = false

    /// Checks the flags before anything starts.
    func validate() throws {
        guard (1...16).contains(brokers) else {
            throw ValidationError("--brokers must be between 1 and 16, not \(brokers).")
        }
        guard partitions >= 1 else {
            throw ValidationError("--partitions must be at least 1, not \(partitions).")
        }
    }

    /// Starts the broker and serves until a signal.
    func run() async throws {
        let logger = CommandLogging.bootstrap(label: "flywheel.broker", level: logLevel, format: logFormat)
        let broker = try EmbeddedBroker(brokers: brokers, logger: logger)
        var created: [String] = []
        if !noDefaultTopics {
            for name in LoopTopics().all {
                try broker.createTopic(name, partitions: partitions)
                created.append(name)
            }
        }
        for topic in topics {
            try broker.createTopic(topic.name, partitions: topic.partitions ?? partitions)
            created.append(topic.name)
        }
        if let bootstrapFile {
            do {
                try Data((broker.bootstrapServers + "\n").utf8).write(to: URL(fileURLWithPath: bootstrapFile))
            } catch {
                throw ValidationError("cannot write --bootstrap-file \(bootstrapFile): \(error.localizedDescription)")
            }
        }
        let summary = """
            Embedded Kafka broker ready: bootstrap.servers=\(broker.bootstrapServers)
              brokers: \(brokers), topics: \(created.isEmpty ? "none (auto-created on first use)" : created.joined(separator: ", "))
              try:     kcat -b \(broker.bootstrapServers) -L
              stop:    Ctrl-C or SIGTERM
            """
        // Written straight to the file descriptor: stdout is block-buffered in a pipe, and scripts wait for this line.
        FileHandle.standardOutput.write(Data((summary + "\n").utf8))
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: broker)]
        if exitWithParent {
            services.append(
                .init(
                    service: ParentWatch(clock: ContinuousClock(), logger: logger),
                    successTerminationBehavior: .gracefullyShutdownGroup
                )
            )
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

// MARK: - TopicSpec

/// A `--topic name[:partitions]` argument.
struct TopicSpec: ExpressibleByArgument, Equatable {
    /// The topic name.
    var name: String
    /// Its partition count, or `nil` for the `--partitions` default.
    var partitions: Int32?

    /// Parses `name` or `name:partitions`.
    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard let first = parts.first, !first.isEmpty, parts.count <= 2 else { return nil }
        name = String(first)
        if parts.count == 2 {
            guard let count = Int32(parts[1]), count >= 1 else { return nil }
            partitions = count
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
