import ArgumentParser

// MARK: - Flywheel

/// The `flywheel` command: a continual-learning online service on Kafka.
@main
struct Flywheel: AsyncParsableCommand {
    /// Help text and subcommands.
    static let configuration = CommandConfiguration(
        commandName: "flywheel",
        abstract: "A continual-learning online service on Kafka.",
        discussion: """
            Flywheel consumes request events from Kafka, publishes predictions, joins them with the labels that \
            arrive later, measures drift, trains challenger models while it serves, and promotes a challenger once a \
            sequential test shows it is better.

            Start with `flywheel broker` to run an embedded Kafka-protocol broker that any Kafka client can use, \
            and `flywheel eval` to see how a model learns a drifting stream.
            """,
        version: FlywheelVersion.current,
        subcommands: [BrokerCommand.self, EvalCommand.self]
    )
}

/// The version `flywheel --version` prints.
enum FlywheelVersion {
    /// Semantic version of this build.
    static let current = "0.1.0"
}
