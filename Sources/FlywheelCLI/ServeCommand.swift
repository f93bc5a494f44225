import ArgumentParser
import Flywheel
import FlywheelDemo
import FlywheelHTTP
import Foundation
import KafkaTransport
import Logging
import OnlineLearning
import ServiceLifecycle

// MARK: - ServeCommand

/// `flywheel serve`: some or all of the loop's roles against a Kafka cluster, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the loop's roles against a Kafka cluster (or an embedded broker) until stopped.",
        discussion: """
            Runs the chosen roles in this process: inference (requests → predictions, picking up new model \
            versions and promotions as they come), feedback (predictions + labels → joined examples and per-model \
            metrics), trainer (joined examples → new model versions, promotions and rollbacks, and the SQLite \
            registry). Run each role in its own process, or several copies of a role in one consumer group, or \
            all of them in one.

            Without --bootstrap-servers it starts an embedded broker in this process, creates Flywheel's topics and \
            prints the address for producers of requests and labels. With a real cluster, the topics must exist \
            (streams/README.md lists them). SIGTERM or SIGINT drains cleanly: each role finishes its batch, \
            processed offsets are committed, the producer flushes. A restarted process resumes from the committed \
            offsets, so no request is lost (a few may be answered twice).

            Example: flywheel serve --bootstrap-servers kafka1:9092 --role inference -X security.protocol=SSL
            """
    )

    /// Where Kafka is.
    @Option(help: ArgumentHelp("Kafka bootstrap servers, comma-separated. Default: an embedded broker.", valueName: "host:port,..."))
    var bootstrapServers: String?

    /// Which roles.
    @Option(help: ArgumentHelp("Which role(s) to run: inference, feedback, trainer or all (repeatable).", valueName: "role"))
    var role: [RoleChoice] = [.all]

    /// The feature schema.
    @Option(help: ArgumentHelp("The requests' feature schema (JSON).", valueName: "path"))
    var schema = "streams/sea_abrupt.schema.json"

    /// Classification or regression.
    @Option(name: .customLong("task"), help: "What the labels hold: binary (logistic regressions and a perceptron), multiclass (class ids 0 to N-1, see --classes; softmax regressions and a perceptron) or regression (linear regressions and a perceptron).")
    var task: LearningTask = .binary

    /// The registry.
    @Option(help: ArgumentHelp("The SQLite registry the trainer role keeps.", valueName: "path"))
    var registry = "flywheel-registry.sqlite"

    /// The feedback role's state.
    @Option(help: ArgumentHelp("The feedback role's state file (metrics and drift detectors; waiting predictions and labels are read again from Kafka).", valueName: "path"))
    var feedbackState = "flywheel-feedback.sqlite"

    /// The trainer role's state.
    @Option(help: ArgumentHelp("The trainer role's state file (models, the input positions they reflect, recent request ids); a second trainer on the same file stands by.", valueName: "path"))
    var trainerState = "flywheel-trainer.sqlite"

    /// The inference role's registry snapshot.
    @Option(help: ArgumentHelp("Inference: start from this registry's newest versions and champion (read only; e.g. the trainer's registry on a shared disk) and read only the model events after it, instead of the whole models topic.", valueName: "path"))
    var modelsSnapshot: String?

    /// Consumer group prefix.
    @Option(help: "Consumer groups are <prefix>-inference, <prefix>-feedback, <prefix>-trainer, <prefix>-promoter.")
    var groupPrefix = "flywheel"

    /// Pass-through librdkafka properties.
    @Option(name: [.customShort("X"), .customLong("property")], help: ArgumentHelp("A librdkafka property for every client (repeatable).", valueName: "key=value"))
    var properties: [PropertyAssignment] = []

    /// Pass-through librdkafka properties for the producer only.
    @Option(name: .customLong("producer-property"), help: ArgumentHelp("A librdkafka property for the producer only (repeatable).", valueName: "key=value"))
    var producerProperties: [PropertyAssignment] = []

    /// Pass-through librdkafka properties for the consumers only.
    @Option(name: .customLong("consumer-property"), help: ArgumentHelp("A librdkafka property for the consumers only (repeatable).", valueName: "key=value"))
    var consumerProperties: [PropertyAssignment] = []

    /// The configuration file.
    @Option(help: ArgumentHelp(
        "A YAML configuration file (config/flywheel.yaml lists every key). Flags win over FLYWHEEL_* environment variables, which win over the file, which wins over the defaults; `flywheel config check` prints the result.",
        valueName: "path"))
    var config: String?

    /// Status line interval.
    @Option(help: ArgumentHelp("Print a status line every this many seconds (0: never).", valueName: "seconds"))
    var statusEvery = 10

    /// fetch.wait.max.ms for a broker that waits it out.
    @Option(help: ArgumentHelp(
        "The inference role's fetch.wait.max.ms in ms; the other roles' consumers wait 5 times as long (at least 5 ms). For a broker that waits out a fetch instead of answering when data arrives: flywheel broker, whose address you pass here, or the embedded one (which uses 1). Leave it out for Kafka.",
        valueName: "ms"))
    var fetchWait: Int?

    /// Stop when the parent process exits.
    @Flag(name: .long, help: "Stop (gracefully) when the process that started this one exits: for tools that run serve as a child, such as flywheel-bench loop.")
    var exitWithParent = false

    /// The HTTP endpoint.
    @Option(help: ArgumentHelp(
        "Serve /metrics, /healthz, /readyz, /models, /champion, /decisions, /report and the admin API here (docs/operations.md). Port 0 takes any free port (the address is printed); 'off' serves no HTTP.",
        valueName: "host:port|off"))
    var http = HTTPAddress(host: "127.0.0.1", port: 9464)

    /// Admin tokens.
    @Option(help: ArgumentHelp(
        "A file of admin tokens for POST /champion, /rollback, /freeze, /unfreeze: one per line, name:token (the audit log shows operator:name) or a bare token (operator:admin). Default: the token in $FLYWHEEL_ADMIN_TOKEN, if set; without any token every admin request is refused (401).",
        valueName: "path"))
    var adminTokenFile: String?

    /// The shared loop options.
    @OptionGroup var loop: LoopOptions

    /// Checks the flags.
    func validate() throws {
        try loop.validateClasses(task: task)
        try loop.validateShadows(task: task)
        if let bootstrapServers, bootstrapServers.split(separator: ",").isEmpty {
            throw ValidationError("--bootstrap-servers is empty; give host:port[,host:port…] or leave it out for an embedded broker.")
        }
        if let fetchWait, fetchWait < 0 { throw ValidationError("--fetch-wait cannot be negative, not \(fetchWait).") }
        guard statusEvery >= 0 else { throw ValidationError("--status-every cannot be negative, not \(statusEvery).") }
    }

    /// Merges the configuration (flags, `FLYWHEEL_*` variables, `--config` file, defaults), then serves until a signal.
    func run() async throws {
        let arguments = Array(CommandLine.arguments.drop { $0 != Self.configuration.commandName }.dropFirst())
        let merged = try await ConfigMerge.merge(arguments: arguments, environment: ProcessInfo.processInfo.environment)
        try await merged.command.serveMerged()
    }

    /// Serves with this (merged) configuration until a signal.
    private func serveMerged() async throws {
        let logger = CommandLogging.bootstrap(label: "flywheel.serve", level: loop.logLevel, format: loop.logFormat)
        let tokens: AdminTokens
        do {
            tokens = try AdminTokens.load(file: adminTokenFile)
        } catch {
            throw ValidationError("--admin-token-file: \(error.reason)")
        }
        let featureSchema = try LoopOptions.loadSchema(schema, flag: "--schema")
        let roles: Set<LoopRole> = role.contains(.all) ? Set(LoopRole.allCases) : Set(role.compactMap(\.loopRole))
        var embedded: EmbeddedBroker?
        var settings: LoopSettings
        if let bootstrapServers {
            let servers = bootstrapServers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
            settings = LoopSettings(client: KafkaClientConfiguration(bootstrapServers: servers))
        } else {
            let broker = try EmbeddedBroker(logger: logger)
            settings = LoopSettings.embedded(bootstrapServers: broker.bootstrapServers)
            for topic in settings.topics.all { try broker.createTopic(topic, partitions: 4) }
            embedded = broker
        }
        if let fetchWait {
            settings.fetchWait = .milliseconds(fetchWait)
            settings.backgroundFetchWait = .milliseconds(max(5, fetchWait * 5))
        }
        for property in properties { settings.client.properties[property.key] = property.value }
        for property in producerProperties { settings.producerProperties[property.key] = property.value }
        for property in consumerProperties { settings.consumerProperties[property.key] = property.value }
        settings.roles = roles
        settings.registryPath = registry
        settings.feedbackStatePath = feedbackState
        settings.trainerStatePath = trainerState
        settings.modelsSnapshotPath = modelsSnapshot
        settings.groupPrefix = groupPrefix
        loop.apply(to: &settings)
        settings.restartsOnChampionDrift = InitialModels.restartedOnDrift(task: task)
        // The loop's clients are released when `serve` returns, before the embedded broker they talk to.
        try await serve(settings: settings, schema: featureSchema, embedded: embedded != nil, tokens: tokens, logger: logger)
        withExtendedLifetime(embedded) {}
    }

    private func serve(
        settings: LoopSettings, schema featureSchema: FeatureSchema, embedded: Bool, tokens: AdminTokens, logger: Logger
    ) async throws {
        // The process's swift-metrics backend before the roles make their own metrics.
        let metricsFactory = http.isOff ? nil : LoopMetrics.bootstrapProcessMetrics()
        let flywheel = try await FlywheelLoop(
            settings: settings, initial: try InitialModels.make(
                schema: featureSchema, task: task, classes: loop.classCount(task: task, schemaPath: schema), shadows: loop.shadows), logger: logger)
        let roleNames = LoopRole.allCases.filter(settings.roles.contains).map(\.rawValue).joined(separator: ", ")
        DemoWatcher.say("Flywheel serving \(roleNames) against bootstrap.servers=\(settings.client.bootstrapServers.joined(separator: ","))"
            + (embedded ? " (embedded broker)" : "")
            + (settings.roles.contains(.trainer) ? "; registry \(settings.registryPath)" : "")
            + "; stop with Ctrl-C or SIGTERM")
        var services = flywheel.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        if statusEvery > 0 {
            services.append(.init(service: ServeStatus(loop: flywheel, every: .seconds(statusEvery))))
        }
        if let metricsFactory {
            var configuration = OperatorServer.Configuration()
            configuration.host = http.host
            configuration.port = http.port
            configuration.tokens = tokens
            let host = http.host
            let application = OperatorServer.application(
                loop: flywheel, metrics: LoopMetrics(loop: flywheel, factory: metricsFactory), configuration: configuration,
                logger: logger
            ) { port in
                DemoWatcher.say("HTTP on http://\(host):\(port) (/metrics /healthz /readyz /models /champion /decisions /report; "
                    + "admin API \(tokens.isEmpty ? "refuses every request: no token set" : "takes \(tokens.count) token(s)"))")
            }
            services.append(.init(service: application))
        }
        if exitWithParent {
            services.append(.init(
                service: ParentWatch(clock: ContinuousClock(), logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch where "\(error)".contains("Address already in use") {
            throw ConfigError("--http \(http.defaultValueDescription): the address is in use (another serve on this machine?); "
                + "give each process its own port, --http 127.0.0.1:0 for any free one, or --http off")
        }
        DemoWatcher.say("Flywheel stopped: " + ServeStatus.line(flywheel))
    }
}

// MARK: - RoleChoice

/// A `--role` value.
enum RoleChoice: String, ExpressibleByArgument, CaseIterable {
    case inference, feedback, trainer, all

    /// The loop role, or nil for `all`.
    var loopRole: LoopRole? { LoopRole(rawValue: rawValue) }
}

// MARK: - HTTPAddress

/// A `--http` value: `host:port`, `:port` (127.0.0.1), or `off`.
struct HTTPAddress: ExpressibleByArgument, Sendable {
    var host: String
    var port: Int
    /// Whether HTTP is off.
    var isOff: Bool { port < 0 }

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    init?(argument: String) {
        if argument == "off" {
            self.init(host: "", port: -1)
            return
        }
        guard let colon = argument.lastIndex(of: ":"), let port = Int(argument[argument.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        let host = String(argument[..<colon])
        self.init(host: host.isEmpty ? "127.0.0.1" : host, port: port)
    }

    /// `host:port` or `off`, as `--help` shows the default.
    var defaultValueDescription: String { isOff ? "off" : "\(host):\(port)" }
}

// MARK: - PropertyAssignment

/// A `-X key=value` argument.
struct PropertyAssignment: ExpressibleByArgument {
    var key: String
    var value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        key = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }
}

// MARK: - ServeStatus

/// Prints a status line every interval until shutdown.
struct ServeStatus: Service {
    let loop: FlywheelLoop
    let every: Duration

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while true {
                    try await Task.sleep(for: every)
                    DemoWatcher.say(Self.line(loop))
                }
            }
        } catch is CancellationError {}
    }

    /// What each role has done so far.
    static func line(_ loop: FlywheelLoop) -> String {
        var parts: [String] = []
        if let engine = loop.engine {
            let champion = loop.liveModels.map { "\($0.snapshot.champion.reference.id) v\($0.snapshot.champion.reference.version)" } ?? "?"
            parts.append("served \(engine.requestsServed) (dead-lettered \(engine.statistics.deadLettered)) from \(engine.assignedPartitions) partitions, champion \(champion)")
        }
        if let joiner = loop.joiner {
            let counters = joiner.counters
            let (pending, held) = joiner.withCore { ($0.join.pending, $0.heldLabelPartitions.count) }
            parts.append("joined \(counters.joined) (unlabeled \(counters.unlabeledPredictions)) from \(joiner.assignedPartitions) partitions; labels \(joiner.labelAccount(labelsTopic: loop.topics.labels)); "
                + "waiting \(pending.predictions) predictions, \(pending.labels) labels" + (held > 0 ? " (labels held back on \(held) partitions)" : ""))
        }
        if let trainer = loop.trainer {
            let skipped = trainer.skipped
            parts.append("learned \(trainer.learning.examplesLearned) (skipped \(skipped.duplicates) duplicate, \(skipped.replayed) already saved) from \(trainer.assignedPartitions) partitions, "
                + "versions \(trainer.learning.versionsPublished), decisions \(loop.promoter?.decisions.count ?? 0)")
        }
        return parts.joined(separator: " · ")
    }
}
