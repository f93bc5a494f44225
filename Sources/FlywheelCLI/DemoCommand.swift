import Datasets
import ArgumentParser
import Flywheel
import FlywheelDemo
import Foundation
import KafkaTransport
import Logging
import OnlineLearning
import ServiceLifecycle

// MARK: - DemoCommand

/// `flywheel demo`: the whole loop in one process on the embedded broker, fed by a bundled drifting stream.
struct DemoCommand: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole loop on the embedded broker with a bundled drifting stream.",
        discussion: """
            Starts an embedded Kafka broker, every role (inference engine, feedback joiner, trainer, promoter, \
            registry) in this process, and a replayer that streams the data set as requests, each label arriving \
            --label-delay requests later. It prints progress while it runs and, at the end, what was served, \
            joined and learned, each model's accuracy, every promotion with the request where it happened, and the \
            drift alarms; it writes the drift report (HTML and JSON) next to the registry.

            The default stream is streams/data/sea_abrupt.csv (100,000 requests, abrupt drifts at 25,000, 50,000 \
            and 75,000); run it from the repository's top directory, or pass --data and --schema. The SQLite \
            registry (versions, champion alias, audit log) is written to --registry; the default file is \
            replaced on every run.

            Example: swift run -c release flywheel demo --label-delay 500 --limit 20000
            Regression: flywheel demo --data streams/data/friedman_gra.csv --schema streams/data/friedman_gra.meta.json --task regression
            Multiclass: flywheel demo --data streams/data/waveform.csv --schema streams/data/waveform.meta.json --task multiclass
            """
    )

    /// The stream.
    @Option(help: ArgumentHelp("The labelled stream: CSV with a header line.", valueName: "path"))
    var data = "streams/data/sea_abrupt.csv"

    /// Its schema.
    @Option(help: ArgumentHelp("The stream's feature schema (JSON).", valueName: "path"))
    var schema = "streams/sea_abrupt.schema.json"

    /// The label column.
    @Option(help: "The label column.")
    var target = "target"

    /// Classification or regression.
    @Option(name: .customLong("task"), help: "What the label column holds: binary (class ids 0 and 1; logistic regressions and a perceptron), multiclass (class ids 0 to N-1, see --classes; softmax regressions and a perceptron) or regression (numbers; linear regressions and a perceptron).")
    var task: LearningTask = .binary

    /// The label delay.
    @Option(help: "Each label arrives right after the request this many places later.")
    var labelDelay = 1000

    /// At most this many requests.
    @Option(help: ArgumentHelp("Replay only the first N requests.", valueName: "N"))
    var limit: Int?

    /// The registry file.
    @Option(help: ArgumentHelp("Where to write the SQLite registry. Default: flywheel-demo.sqlite, replaced each run.", valueName: "path"))
    var registry: String?

    /// Partitions per topic. One by default: the embedded broker finds a fetched offset by walking a partition's
    /// message sets from the oldest, and one partition holds fewer, larger sets than four (sea: 4,843 against 4,319
    /// requests/s, medians of 3, same accuracy; docs/benchmarks.md).
    @Option(help: "Partitions for each topic on the embedded broker (one process serves them all; more only add broker work).")
    var partitions: Int32 = 1

    /// Requests per send of the replay, if given. With ``learningLag`` it sets the demo's trade between speed and
    /// staleness: the replay waits for the trainer about once per chunk (docs/benchmarks.md has the curve).
    @Option(help: ArgumentHelp("Requests the replay sends at once (with their labels). Larger chunks with a larger --learning-lag run faster and serve older models: see docs/benchmarks.md. Default: a tenth of --label-delay, 10 to 50 (50 at the default delay).", valueName: "N"))
    var replayChunk: Int?

    /// How far the replay's labels may run ahead of what the trainer has learned, if given.
    @Option(help: ArgumentHelp("Labels sent that the trainer may not have learned yet when the replay sends its next chunk (at least 1): how much later than --label-delay a label may reach the models. Default: a tenth of --label-delay, 10 to 50.", valueName: "N"))
    var learningLag: Int?

    /// The replay's chunk: `--replay-chunk`, else ``defaultPace(labelDelay:)``.
    var chunk: Int { replayChunk ?? Self.defaultPace(labelDelay: labelDelay) }
    /// The labels the replay lets run ahead of the trainer: `--learning-lag`, else ``defaultPace(labelDelay:)``.
    var lag: Int { learningLag ?? Self.defaultPace(labelDelay: labelDelay) }

    /// The chunk and lag for a label delay: a tenth of it, at least 10 and at most 50. A label then reaches the models
    /// at most ~20% later than the delay says — 50 / 50 at the default 1,000 (the trade measured in
    /// docs/benchmarks.md), 10 / 10 at 100, where 50 / 50 had made the delay ~175 in effect (river's Phishing at delay
    /// 100: served 0.834 against 0.855). Not below 10: each chunk waits for a round trip through the loop (~8 ms), so 1
    /// / 1 at delay 0 served ~120 requests/s, while models publish versions every 10 examples at the soonest anyway.
    static func defaultPace(labelDelay: Int) -> Int { min(50, max(10, labelDelay / 10)) }

    /// The shared loop options.
    @OptionGroup var loop: LoopOptions

    /// Checks the flags.
    func validate() throws {
        try loop.validateClasses(task: task)
        try loop.validateShadows(task: task)
        guard labelDelay >= 0 else { throw ValidationError("--label-delay cannot be negative, not \(labelDelay).") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1, not \(limit).") }
        guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1, not \(partitions).") }
        if let replayChunk, replayChunk < 1 { throw ValidationError("--replay-chunk must be at least 1, not \(replayChunk).") }
        // With none, the replay would wait for the trainer to learn a label it has not sent yet.
        if let learningLag, learningLag < 1 { throw ValidationError("--learning-lag must be at least 1, not \(learningLag).") }
        if let registry, FileManager.default.fileExists(atPath: registry) {
            throw ValidationError(
                "--registry \(registry) already exists; the demo starts a fresh registry. Remove it or pick another path.")
        }
        for role in ["feedback", "trainer"] {
            if let registry, FileManager.default.fileExists(atPath: Self.stateFile(role, for: registry)) {
                throw ValidationError(
                    "\(Self.stateFile(role, for: registry)) already exists; the demo starts a fresh \(role) state next to --registry. Remove it or pick another path.")
            }
        }
    }

    /// Runs the demo and prints the summary.
    func run() async throws {
        let logger = CommandLogging.bootstrap(label: "flywheel.demo", level: loop.logLevel, format: loop.logFormat)
        for (path, flag) in [(data, "--data"), (schema, "--schema")] where !FileManager.default.fileExists(atPath: path) {
            throw ValidationError(
                "\(flag) \(path): no such file. Run the demo from the repository's top directory, or pass \(flag) with its path.")
        }
        let featureSchema = try LoopOptions.loadSchema(schema, flag: "--schema")
        let text = String(decoding: try EvalCommand.read(data, flag: "--data"), as: UTF8.self)
        var examples = try CSVExamples.parse(text, schema: featureSchema, target: target, task: task)
        if let limit { examples = Array(examples.prefix(limit)) }
        let registryPath = registry ?? "flywheel-demo.sqlite"
        if registry == nil {
            for path in [registryPath, Self.stateFile("feedback", for: registryPath), Self.stateFile("trainer", for: registryPath)] {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        }

        let broker = try EmbeddedBroker(logger: logger)
        DemoWatcher.say("Flywheel demo: \(examples.count) requests, labels \(labelDelay) requests late, "
            + "embedded broker at \(broker.bootstrapServers)")
        // The loop's clients are released when `runLoop` returns, before the broker they talk to.
        let summary = try await runLoop(
            broker: broker, schema: featureSchema, examples: examples, registryPath: registryPath, logger: logger)
        withExtendedLifetime(broker) { DemoWatcher.say(summary) }
    }

    /// A role's state file next to a registry: `X.sqlite` → `X-feedback.sqlite`, `X-trainer.sqlite`.
    static func stateFile(_ role: String, for registry: String) -> String {
        (registry.hasSuffix(".sqlite") ? String(registry.dropLast(".sqlite".count)) : registry) + "-\(role).sqlite"
    }

    /// Runs every role and the replayer in one service group until the stream is done (or a signal), and returns the
    /// summary.
    private func runLoop(
        broker: EmbeddedBroker, schema featureSchema: FeatureSchema, examples: [PrequentialEvaluation.Example],
        registryPath: String, logger: Logger
    ) async throws -> String {
        var settings = LoopSettings.embedded(bootstrapServers: broker.bootstrapServers)
        // The demo replays as fast as the loop learns (labels at most 50 ahead of the trainer), so a label's way to the
        // trainer — two consumers' fetch waits — sets its pace, and it is never idle, so it waits 1 ms instead of the
        // embedded default of 5 (which spares an idle `serve` its empty fetches): sea at 8,300–9,200 requests/s against
        // 7,200–7,700 with 2 ms (~3,600 with 5 ms and the group join), the same served accuracy; at 0 the broker
        // answers at once and the fetches spin (twice the system CPU, no faster) (docs/benchmarks.md).
        settings.backgroundFetchWait = .milliseconds(1)
        // One process runs every role once: each consumer reads all its partitions without the group join the
        // embedded broker holds for 3 s (docs/benchmarks.md).
        settings.readsAllPartitions = true
        settings.registryPath = registryPath
        settings.feedbackStatePath = Self.stateFile("feedback", for: registryPath)
        settings.trainerStatePath = Self.stateFile("trainer", for: registryPath)
        loop.apply(to: &settings, labelDelay: labelDelay)
        settings.restartsOnChampionDrift = InitialModels.restartedOnDrift(task: task)
        for topic in settings.topics.all { try broker.createTopic(topic, partitions: partitions) }
        let flywheel = try await FlywheelLoop(
            settings: settings, initial: try InitialModels.make(
                schema: featureSchema, task: task, classes: loop.classCount(task: task, schemaPath: schema), shadows: loop.shadows), logger: logger)
        guard let engine = flywheel.engine else { preconditionFailure("the demo runs every role") }
        let streamName = URL(fileURLWithPath: data).deletingPathExtension().lastPathComponent
        var replay = StreamReplayer.Configuration()
        replay.labelDelay = labelDelay
        replay.streamName = streamName
        replay.chunk = chunk
        replay.maximumLearningLag = lag
        let replayer = StreamReplayer(
            producer: flywheel.producer, examples: examples, configuration: replay,
            served: { engine.requestsServed }, learned: { (flywheel.trainer?.learning.examplesLearned ?? .max) &+ (flywheel.joiner?.labelsHeldBack ?? 0) },
            logger: logger)
        let watcher = DemoWatcher(loop: flywheel, replayer: replayer, total: examples.count)
        let started = ContinuousClock.now
        let group = ServiceGroup(configuration: .init(
            services: flywheel.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + [
                    .init(service: replayer, successTerminationBehavior: .ignore),
                    .init(service: watcher, successTerminationBehavior: .gracefullyShutdownGroup),
                ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        var summary = try DemoSummary(
            loop: flywheel, streamName: streamName, requests: examples.count, labelDelay: labelDelay, pace: (chunk, lag),
            elapsed: ContinuousClock.now - started, finished: watcher.finished
        ).text
        if let registry = flywheel.registry {
            let base = registryPath.hasSuffix(".sqlite") ? String(registryPath.dropLast(".sqlite".count)) : registryPath
            let written = try ReportCommand.write(registry: registry, html: base + "-report.html", json: base + "-report.json")
            summary += "\n  drift report           \(written.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.joined(separator: ", "))"
        }
        return summary
    }
}
