import ArgumentParser
import LinearAlgebra

// MARK: - FlywheelCommand

/// The `flywheel` command: a continual-learning online service on Kafka.
@main
struct FlywheelCommand: AsyncParsableCommand {
    /// Help text and subcommands.
    static let configuration = CommandConfiguration(
        commandName: "flywheel",
        abstract: "A continual-learning online service on Kafka.",
        discussion: """
            Flywheel consumes request events from Kafka, publishes predictions, joins them with the labels that \
            arrive later, trains challenger models while it serves, and promotes a challenger once it predicts \
            better than the champion on the same requests (and rolls it back if it then falls behind).

            Start with `flywheel demo`: the whole loop on an embedded broker with a bundled drifting stream. \
            `flywheel serve` runs the roles against a Kafka cluster (`flywheel config check` shows its \
            configuration, `flywheel models` operates its champion), `flywheel broker` runs an embedded \
            Kafka-protocol broker any Kafka client can use, and `flywheel eval` shows how a model learns a stream.
            """,
        version: FlywheelVersion.current,
        subcommands: [
            DemoCommand.self, ServeCommand.self, ConfigCommand.self, ModelsCommand.self, ReportCommand.self, BrokerCommand.self, EvalCommand.self,
        ]
    )

    /// Pins OpenBLAS to one thread before anything runs (../shared/PLATFORM-NOTES.md: a second thread makes small
    /// products slower, and its idle spinning shows up as CPU time), then parses and runs the command (ArgumentParser's `main(_:)`).
    static func main() async {
        BLAS.setThreadCount(1)
        await main(nil)
    }
}

/// The version `flywheel --version` prints.
enum FlywheelVersion {
    /// Semantic version of this build.
    static let current = "0.1.0"
}
