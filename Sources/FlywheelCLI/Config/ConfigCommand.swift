import ArgumentParser
import Foundation

// MARK: - ConfigCommand

/// `flywheel config`: what `serve` would run with.
struct ConfigCommand: AsyncParsableCommand {
    /// Help text and subcommands.
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check serve's configuration: file, environment and flags merged.",
        subcommands: [ConfigCheckCommand.self]
    )
}

// MARK: - ConfigCheckCommand

/// `flywheel config check`: prints the merged configuration (secrets masked) or names the bad key and why.
struct ConfigCheckCommand: AsyncParsableCommand {
    /// Help text.
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Print the configuration serve would run with, each key with its source, secrets masked.",
        discussion: """
            Merges like serve: flags over FLYWHEEL_* environment variables over the --config file over the defaults \
            (config/flywheel.yaml lists every key; models.publishEvery is FLYWHEEL_MODELS_PUBLISH_EVERY). librdkafka \
            properties pass through per client kind: kafka.common (every client, like -X), kafka.producer and \
            kafka.consumer; in the environment FLYWHEEL_KAFKA_COMMON_SASL_PASSWORD is kafka.common's sasl.password. \
            A property's value in the file may be {fromEnv: NAME} or {fromFile: PATH}, so secrets need not be in it. \
            Exits 1 naming the key, variable or file when something is wrong: an unknown key, a wrong type, a value \
            out of range.

            Example: flywheel config check --config config/flywheel.yaml -- --shadows 1
            """
    )

    /// The file.
    @Option(help: ArgumentHelp("The YAML configuration file.", valueName: "path"))
    var config: String?

    /// Flags as serve would get them.
    @Argument(parsing: .postTerminator, help: ArgumentHelp("serve's flags, after --, to see how they merge.", valueName: "serve flags"))
    var serveArguments: [String] = []

    /// Prints the merged configuration.
    func run() async throws {
        let arguments = serveArguments + (config.map { ["--config", $0] } ?? [])
        let merged = try await ConfigMerge.merge(arguments: arguments, environment: ProcessInfo.processInfo.environment)
        let width = merged.lines.map(\.key.count).max() ?? 0
        let valueWidth = min(48, merged.lines.map(\.value.count).max() ?? 0)
        print("Configuration serve would run with (flags > environment > file > defaults):")
        for line in merged.lines {
            print("  " + line.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + line.value.padding(toLength: max(valueWidth, line.value.count), withPad: " ", startingAt: 0)
                + "  (\(line.source.rawValue))")
        }
    }
}
