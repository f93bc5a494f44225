import ArgumentParser
import Flywheel
import FlywheelEvents
import Foundation
import KafkaTransport
import OnlineLearning
import Testing

@testable import FlywheelCLI

/// User-visible text is pinned: a change to it shows up here on purpose.
@Suite("Help text")
struct HelpTextTests {
    @Test func topLevelHelp() {
        let help = FlywheelCommand.helpMessage(columns: 100).trimmingCharacters(in: .newlines)
        #expect(help == """
            OVERVIEW: A continual-learning online service on Kafka.

            Flywheel consumes request events from Kafka, publishes predictions, joins them with the labels that
            arrive later, trains challenger models while it serves, and promotes a challenger once it predicts
            better than the champion on the same requests (and rolls it back if it then falls behind).

            Start with `flywheel demo`: the whole loop on an embedded broker with a bundled drifting stream.
            `flywheel serve` runs the roles against a Kafka cluster (`flywheel config check` shows its
            configuration, `flywheel models` operates its champion), `flywheel broker` runs an embedded
            Kafka-protocol broker any Kafka client can use, and `flywheel eval` shows how a model learns a
            stream.

            USAGE: flywheel <subcommand>

            OPTIONS:
              --version               Show the version.
              -h, --help              Show help information.

            SUBCOMMANDS:
              demo                    Run the whole loop on the embedded broker with a bundled drifting stream.
              serve                   Serve the loop's roles against a Kafka cluster (or an embedded broker)
                                      until stopped.
              config                  Check serve's configuration: file, environment and flags merged.
              models                  List the models, show one, promote, roll back, freeze or unfreeze (the
                                      admin API).
              report                  Render the drift history of a registry as a self-contained HTML page (and
                                      JSON).
              broker                  Run an embedded Kafka-protocol broker until interrupted.
              eval                    Evaluate an online model on a labelled stream (CSV or JSON Lines),
                                      test-then-train.

              See 'flywheel help <subcommand>' for detailed help.
            """)
    }

    @Test func brokerHelp() {
        let help = FlywheelCommand.helpMessage(for: BrokerCommand.self, columns: 100).trimmingCharacters(in: .newlines)
        #expect(help == """
            OVERVIEW: Run an embedded Kafka-protocol broker until interrupted.

            Starts librdkafka's built-in Kafka cluster on 127.0.0.1 (ports chosen by the OS), creates
            Flywheel's topics, prints the bootstrap address and serves until SIGINT or SIGTERM. Any Kafka
            client can connect: `kcat -b <address> -L` lists its topics.

            It keeps data in memory only, at most about 5 MB or 100,000 message sets per partition; use a real
            Kafka cluster in production.

            USAGE: flywheel broker [--brokers <brokers>] [--partitions <partitions>] [--topic <name[:partitions]> ...] [--no-default-topics] [--bootstrap-file <path>] [--log-level <log-level>] [--log-format <log-format>] [--exit-with-parent]

            OPTIONS:
              --brokers <brokers>     Number of brokers in the cluster (1-16). (default: 1)
              --partitions <partitions>
                                      Partitions for each of Flywheel's topics. (default: 4)
              --topic <name[:partitions]>
                                      Also create this topic (repeatable).
              --no-default-topics     Do not create Flywheel's default topics (flywheel.requests, ...).
              --bootstrap-file <path> Also write the bootstrap address to this file.
              --log-level <log-level> How much to log to stderr. (values: trace, debug, info, notice, warning,
                                      error, critical; default: info)
              --log-format <log-format>
                                      How log lines are written to stderr: text, or json (one object per line).
                                      (values: text, json; default: text)
              --exit-with-parent      Stop when the process that started this one exits (for tools that run the
                                      broker as a child, so it never outlives them).
              --version               Show the version.
              -h, --help              Show help information.
            """)
    }
}

@Suite("broker arguments")
struct BrokerArgumentTests {
    @Test func defaults() throws {
        let command = try BrokerCommand.parse([])
        #expect(command.brokers == 1)
        #expect(command.partitions == 4)
        #expect(command.topics.isEmpty)
        #expect(!command.noDefaultTopics)
    }

    @Test func topicsWithAndWithoutPartitions() throws {
        let command = try BrokerCommand.parse(["--topic", "a", "--topic", "b:12"])
        #expect(command.topics == [TopicSpec(argument: "a")!, TopicSpec(argument: "b:12")!])
        #expect(command.topics[1].partitions == 12)
        #expect(command.topics[0].partitions == nil)
    }

    @Test(arguments: ["", ":3", "a:0", "a:-1", "a:b", "a:1:2"])
    func malformedTopicIsRejected(_ argument: String) {
        #expect(TopicSpec(argument: argument) == nil)
        #expect(throws: (any Error).self) { try BrokerCommand.parse(["--topic", argument]) }
    }

    @Test(arguments: [["--brokers", "0"], ["--brokers", "17"], ["--partitions", "0"]])
    func outOfRangeCountsAreRejectedWithTheFlagNamed(_ arguments: [String]) {
        #expect {
            try BrokerCommand.parse(arguments)
        } throws: { error in
            BrokerCommand.message(for: error).contains(arguments[0])
        }
    }

    @Test func defaultTopicsAreFlywheels() {
        #expect(LoopTopics().all == [
            "flywheel.requests", "flywheel.predictions", "flywheel.labels", "flywheel.examples",
            "flywheel.models", "flywheel.drift", "flywheel.dead-letter",
        ])
    }
}

@Suite("eval arguments")
struct EvalArgumentTests {
    @Test func defaults() throws {
        let command = try EvalCommand.parse(["--data", "d.csv", "--schema", "s.json"])
        #expect(command.delay == 0)
        #expect(command.target == "target")
        #expect(command.learningRate == nil, "each family's own default rate")
        #expect(command.model == .linear && command.optimizer == nil)
        // The perceptron's defaults are the loop's `mlp` member, so `flywheel eval --model mlp` measures what serves.
        #expect(command.hiddenLayers == [64, 32] && command.batchSize == 4 && InitialModels.perceptronLearningRate == 0.003)
        #expect(command.hiddenLayers == InitialModels.perceptronHidden && command.batchSize == InitialModels.perceptronBatchSize)
    }

    @Test(arguments: [["--hidden", "64,x"], ["--hidden", "1,2,3"], ["--hidden", "0"], ["--batch-size", "0"], ["--weight-l2", "-1"]])
    func badPerceptronSettingsAreNamed(_ extra: [String]) {
        #expect {
            try EvalCommand.parse(["--data", "d.csv", "--schema", "s.json"] + extra)
        } throws: { error in
            EvalCommand.message(for: error).contains(extra[0])
        }
    }

    @Test(arguments: [(["--model", "ftrl", "--task", "regression"], "--model ftrl"), (["--model", "ftrl", "--task", "multiclass"], "--model ftrl")])
    func modelsOutsideTheirTaskAreRefused(_ extra: [String], _ named: String) {
        #expect {
            try EvalCommand.parse(["--data", "d.csv", "--schema", "s.json"] + extra)
        } throws: { error in
            EvalCommand.message(for: error).contains(named)
        }
    }

    @Test(arguments: [["--delay", "-1"], ["--learning-rate", "0"]])
    func badNumbersAreRejectedWithTheFlagNamed(_ extra: [String]) {
        #expect {
            try EvalCommand.parse(["--data", "d.csv", "--schema", "s.json"] + extra)
        } throws: { error in
            EvalCommand.message(for: error).contains(extra[0])
        }
    }

    @Test func dataAndSchemaAreRequired() {
        #expect(throws: (any Error).self) { try EvalCommand.parse(["--data", "d.csv"]) }
        #expect(throws: (any Error).self) { try EvalCommand.parse(["--schema", "s.json"]) }
    }

    @Test func missingFileIsNamed() throws {
        let command = try EvalCommand.parse(["--data", "/nonexistent/d.csv", "--schema", "/nonexistent/s.json"])
        #expect {
            try command.run()
        } throws: { error in
            "\(error)".contains("/nonexistent/s.json")
        }
    }
}

@Suite("demo and serve arguments")
struct LoopArgumentTests {
    @Test func demoDefaultsAreTheBundledStreamAtDelay1000() throws {
        let command = try DemoCommand.parse([])
        #expect(command.data == "streams/data/sea_abrupt.csv" && command.schema == "streams/sea_abrupt.schema.json")
        #expect(command.labelDelay == 1000 && command.limit == nil && command.registry == nil)
        #expect(command.chunk == 50 && command.lag == 50 && command.partitions == 1)
        #expect(command.loop.publishEvery == 250 && command.loop.saveEvery == 250 && command.loop.promotionRule == .sequential)
        #expect(command.loop.promotionAlpha == 0.05 && command.loop.promotionMargin == 0 && command.loop.promotionMinEvidence == nil)
        #expect(command.loop.promotionWindow == 1000 && command.loop.windowMargin == 0.02)
        #expect(command.loop.labelGuard == .enabled && command.loop.labelGuardEvidence == 10_000)
    }

    /// The replay's pace follows the label delay (a tenth of it, 10 to 50) unless given: at delay 100 a label reaches
    /// the models within ~120 requests, not ~200.
    @Test func theReplayPaceFollowsTheLabelDelay() throws {
        let paces = try [0, 5, 100, 250, 1000, 5000].map { delay in
            let command = try DemoCommand.parse(["--label-delay", "\(delay)"])
            return [command.chunk, command.lag]
        }
        #expect(paces == [[10, 10], [10, 10], [10, 10], [25, 25], [50, 50], [50, 50]])
        let given = try DemoCommand.parse(["--label-delay", "100", "--replay-chunk", "150", "--learning-lag", "1"])
        #expect(given.chunk == 150 && given.lag == 1)
    }

    /// A promotion needs about a label delay's worth of evidence (docs/promotion.md): the demo's default is its
    /// `--label-delay`, serve's (which cannot know its delay) 1,000; the flag wins over both.
    @Test func theMinimumEvidenceFollowsTheDemosLabelDelay() throws {
        var settings = LoopSettings(client: .init(bootstrapServers: ["localhost:9092"]))
        for (arguments, expected) in [([String](), 1000), (["--label-delay", "100"], 100), (["--label-delay", "0"], 0),
                                      (["--label-delay", "100", "--promotion-min-evidence", "500"], 500)] {
            let demo = try DemoCommand.parse(arguments)
            demo.loop.apply(to: &settings, labelDelay: demo.labelDelay)
            #expect(settings.promotion.minimumEvidence == expected, "\(arguments)")
        }
        try ServeCommand.parse(["--schema", "s.json"]).loop.apply(to: &settings)
        #expect(settings.promotion.minimumEvidence == 1000)
    }

    /// `--label-guard disabled` leaves the loop without a guard; `--label-guard-evidence` sets its threshold (the log
    /// of the ratio, as `LabelGuard.Configuration.threshold` holds it).
    @Test func theLabelGuardFlagsReachTheLoopSettings() throws {
        var settings = LoopSettings(client: .init(bootstrapServers: ["localhost:9092"]))
        try DemoCommand.parse([]).loop.apply(to: &settings)
        #expect(settings.labelGuard == LabelGuard.Configuration())
        try DemoCommand.parse(["--label-guard-evidence", "1e6"]).loop.apply(to: &settings)
        #expect(abs((settings.labelGuard?.threshold ?? 0) - log(1e6)) < 1e-12)
        try ServeCommand.parse(["--schema", "s.json", "--label-guard", "disabled"]).loop.apply(to: &settings)
        #expect(settings.labelGuard == nil)
    }

    @Test(arguments: [
        ["--label-delay", "-1"], ["--limit", "0"], ["--partitions", "0"], ["--publish-every", "0"], ["--save-every", "0"],
        ["--replay-chunk", "0"], ["--learning-lag", "0"], ["--promotion-window", "0"], ["--promotion-margin", "1"], ["--promotion-margin", "-0.1"], ["--promotion-min-evidence", "-1"],
        ["--promotion-alpha", "0"], ["--promotion-alpha", "1.5"], ["--window-margin", "1"], ["--promotion-rule", "vote"],
        ["--drift-report-every", "0"],
        ["--drift-report-seconds", "0"], ["--drift-reference-after", "-1"], ["--drift-reference-size", "1"], ["--drift-alpha", "1"],
        ["--label-guard", "off"], ["--label-guard-evidence", "1"], ["--label-guard-evidence", "inf"],
    ])
    func badDemoNumbersAreRejectedWithTheFlagNamed(_ arguments: [String]) {
        #expect {
            try DemoCommand.parse(arguments)
        } throws: { error in
            DemoCommand.message(for: error).contains(arguments[0])
        }
    }

    /// The loop serves binary, regression and multiclass streams; `--classes` belongs to a multiclass stream (else
    /// it is refused, naming the flag), and without it the class count comes from the schema's `classes` list.
    @Test func theLoopServesMulticlassWithItsClassCount() throws {
        #expect(try DemoCommand.parse(["--task", "regression"]).task == .regression)
        #expect(try DemoCommand.parse(["--task", "multiclass"]).task == .multiclass)
        #expect(try ServeCommand.parse(["--schema", "s.json", "--task", "multiclass", "--classes", "4"]).loop.classes == 4)
        for arguments in [["--task", "binary", "--classes", "3"], ["--task", "multiclass", "--classes", "1"]] {
            #expect {
                try DemoCommand.parse(arguments)
            } throws: { error in
                DemoCommand.message(for: error).contains("--classes")
            }
            #expect {
                try ServeCommand.parse(["--schema", "s.json"] + arguments)
            } throws: { error in
                ServeCommand.message(for: error).contains("--classes")
            }
        }
        let repository = ServeRestartTests.repository
        let waveform = repository.appendingPathComponent("streams/data/waveform.meta.json").path
        let sea = repository.appendingPathComponent("streams/sea_abrupt.schema.json").path
        let demo = try DemoCommand.parse(["--task", "multiclass"])
        #expect(try demo.loop.classCount(task: .multiclass, schemaPath: waveform) == 3, "the schema's classes list")
        #expect(try DemoCommand.parse(["--task", "multiclass", "--classes", "5"]).loop.classCount(task: .multiclass, schemaPath: waveform) == 5)
        #expect(try demo.loop.classCount(task: .binary, schemaPath: sea) == 2)
        #expect {
            try demo.loop.classCount(task: .multiclass, schemaPath: sea)
        } throws: { error in
            "\(error)".contains("--classes N")
        }
    }

    @Test func anExistingRegistryIsNotOverwritten() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("existing-\(UUID().uuidString).sqlite").path
        FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try DemoCommand.parse(["--registry", path])
        } throws: { error in
            DemoCommand.message(for: error).contains("--registry \(path) already exists")
        }
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }

    @Test func reportNamesAMissingRegistry() throws {
        let command = try ReportCommand.parse(["--registry", "/nonexistent/registry.sqlite"])
        #expect {
            try command.run()
        } throws: { error in
            ReportCommand.message(for: error).contains("--registry /nonexistent/registry.sqlite: no such file")
        }
    }

    @Test func serveRolesAndProperties() throws {
        let command = try ServeCommand.parse([
            "--role", "inference", "--role", "trainer", "-X", "security.protocol=SSL", "--property", "a.b=c=d",
        ])
        #expect(command.role == [.inference, .trainer])
        #expect(command.properties.map(\.key) == ["security.protocol", "a.b"])
        #expect(command.properties.map(\.value) == ["SSL", "c=d"])
        #expect(try ServeCommand.parse([]).role == [.all])
    }

    @Test(arguments: [["--role", "everything"], ["-X", "novalue"], ["-X", "=x"], ["--bootstrap-servers", ","], ["--status-every", "-1"]])
    func badServeArgumentsAreRejected(_ arguments: [String]) {
        #expect {
            try ServeCommand.parse(arguments)
        } throws: { error in
            let message = ServeCommand.message(for: error)
            return message.contains(arguments[0]) || message.contains("property")
        }
    }
}
