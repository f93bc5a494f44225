import ArgumentParser
import Flywheel
import FlywheelEvents
import FlywheelHTTP
import Foundation
import ModelRegistry

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

// MARK: - ModelsCommand

/// `flywheel models`: look at the models and act on the champion, through a serve process's admin API (or, to look,
/// a registry file).
struct ModelsCommand: AsyncParsableCommand {
    /// Help text and subcommands.
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models, show one, promote, roll back, freeze or unfreeze (the admin API).",
        discussion: """
            list and show ask a serve process (--url, its --http address) or read a registry file (--registry). \
            promote, rollback, freeze and unfreeze go to the admin API of the process running the trainer role, \
            with a bearer token from $FLYWHEEL_ADMIN_TOKEN or --token-file (name:token lines; the first is used). \
            Each lands in the audit log as operator:<name> and reaches every inference process through \
            flywheel.models. docs/operations.md is the runbook.

            Example: FLYWHEEL_ADMIN_TOKEN=… flywheel models promote mlp --reason "canary looked good"
            """,
        subcommands: [List.self, Show.self, Promote.self, Rollback.self, Freeze.self, Unfreeze.self]
    )

    /// Where to ask.
    struct Target: ParsableArguments {
        /// The admin API.
        @Option(help: ArgumentHelp("A serve process's HTTP address.", valueName: "url"))
        var url = "http://127.0.0.1:9464"

        /// A registry file instead (list and show only).
        @Option(help: ArgumentHelp("Read this registry file instead of asking a process (list and show only).", valueName: "path"))
        var registry: String?

        /// The token file.
        @Option(help: ArgumentHelp("A file of admin tokens (name:token per line); default: $FLYWHEEL_ADMIN_TOKEN.", valueName: "path"))
        var tokenFile: String?

        /// Raw JSON.
        @Flag(help: "Print the answer as JSON.")
        var json = false

        /// The registry, opened, if one is named.
        func openRegistry() throws -> ModelRegistry? {
            guard let registry else { return nil }
            guard FileManager.default.fileExists(atPath: registry) else {
                throw ValidationError("--registry \(registry): no such file")
            }
            return try ModelRegistry(path: registry)
        }

        /// One exchange with the API; refuses a registry file for actions.
        func call(_ path: String, method: String = "GET", body: some Encodable = [String: String]()) async throws -> Data {
            guard registry == nil || method == "GET" else {
                throw ValidationError("--registry is for list and show: an action must reach the serving processes, so it goes to the admin API (--url)")
            }
            guard let url = URL(string: self.url + path) else { throw ValidationError("--url \(self.url) is not a URL") }
            var request = URLRequest(url: url)
            request.httpMethod = method
            if method != "GET" {
                let tokens: AdminTokens
                do {
                    tokens = try AdminTokens.load(file: tokenFile)
                } catch {
                    throw ActionFailed(error.reason)
                }
                guard let token = tokens.firstToken else {
                    throw ActionFailed("no admin token: set $\(AdminTokens.environmentVariable) or give --token-file")
                }
                request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
                request.httpBody = try JSONEncoder().encode(body)
            }
            let data: Data, response: URLResponse
            do {
                (data, response) = try await URLSession.shared.data(for: request)
            } catch {
                throw ActionFailed("\(self.url) does not answer (\(error.localizedDescription)); is serve running with --http there?")
            }
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard (200..<300).contains(status) else {
                let reason = (try? JSONDecoder().decode([String: String].self, from: data))?["error"] ?? String(decoding: data, as: UTF8.self)
                throw ActionFailed("\(method) \(path): \(status) — \(reason)")
            }
            return data
        }

        /// Posts an action that takes only a reason, and prints what it did.
        func act(_ path: String, reason: String?) async throws {
            try printAction(try await call(path, method: "POST", body: reason.map { ["reason": $0] } ?? [:]), json: json)
        }

        /// Prints `data` as JSON, or `text` of its decoded value.
        func show<Value: Decodable>(_ data: Data, as type: Value.Type, _ text: (Value) -> String) throws {
            if json {
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(text(try JSONDecoder().decode(Value.self, from: data)))
            }
        }
    }

    // MARK: list

    /// `flywheel models list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The models: champion first, versions and windowed metric.")
        @OptionGroup var target: Target

        func run() async throws {
            let data: Data
            if let registry = try target.openRegistry() {
                data = try JSONEncoder().encode(try RegistryModels.summaries(registry))
            } else {
                data = try await target.call("/models")
            }
            try target.show(data, as: [ModelSummary].self) { models in
                let header = "model".padding(toLength: 20, withPad: " ", startingAt: 0) + "version  role      metric    recent   overall"
                return ([header] + models.map { model in
                    model.id.padding(toLength: 20, withPad: " ", startingAt: 0)
                        + String(model.version).padding(toLength: 9, withPad: " ", startingAt: 0)
                        + (model.champion ? "champion  " : "shadow    ")
                        + (model.metric ?? "-").padding(toLength: 10, withPad: " ", startingAt: 0)
                        + (model.recent.map { String(format: "%.4f", $0) } ?? "-").padding(toLength: 9, withPad: " ", startingAt: 0)
                        + (model.overall.map { String(format: "%.4f", $0) } ?? "-")
                }).joined(separator: "\n")
            }
        }
    }

    // MARK: show

    /// `flywheel models show ID`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One model: its versions and the decisions naming it.")
        @Argument(help: "The model id.") var model: String
        @OptionGroup var target: Target

        func run() async throws {
            if let registry = try target.openRegistry() {
                let versions = try registry.versionList(of: model)
                guard let newest = versions.last else { throw ActionFailed("the registry holds no model '\(model)'") }
                let decisions = try registry.auditLog().filter { $0.model.id == model || $0.replaces.id == model }
                print("\(model): \(versions.count) versions, newest v\(newest.version)")
                for entry in decisions { print("  \(entry.sequence). \(entry.kind.rawValue) by \(entry.actor): \(entry.model) replaces \(entry.replaces)") }
                return
            }
            print(String(decoding: try await target.call("/models/\(model)"), as: UTF8.self))
        }
    }

    // MARK: actions

    /// `flywheel models promote ID`.
    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a model the champion (its newest version, or --version).")
        @Argument(help: "The model id.") var model: String
        @Option(help: "A stored version of it (default: the newest).") var version: Int?
        @Option(help: "A note for the audit log.") var reason: String?
        @OptionGroup var target: Target

        func run() async throws {
            let body = PromoteRequest(model: model, version: version, reason: reason)
            let data = try await target.call("/champion", method: "POST", body: body)
            try printAction(data, json: target.json)
        }
    }

    /// `flywheel models rollback`.
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the champion the current one replaced champion again.")
        @Option(help: "A note for the audit log.") var reason: String?
        @OptionGroup var target: Target

        func run() async throws {
            try await target.act("/rollback", reason: reason)
        }
    }

    /// `flywheel models freeze`.
    struct Freeze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop automatic promotions and rollbacks (serving and learning go on).")
        @Option(help: "A note for the audit log.") var reason: String?
        @OptionGroup var target: Target

        func run() async throws {
            try await target.act("/freeze", reason: reason)
        }
    }

    /// `flywheel models unfreeze`.
    struct Unfreeze: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume automatic promotions and rollbacks.")
        @Option(help: "A note for the audit log.") var reason: String?
        @OptionGroup var target: Target

        func run() async throws {
            try await target.act("/unfreeze", reason: reason)
        }
    }
}

/// Prints what an admin action did.
private func printAction(_ data: Data, json: Bool) throws {
    guard !json, let answer = try? JSONDecoder().decode(ActionSummary.self, from: data) else {
        print(String(decoding: data, as: UTF8.self))
        return
    }
    if let event = answer.event {
        print("\(event.kind.rawValue): \(event.model.id) v\(event.model.version) replaces \(event.replaces.map { "\($0.id) v\($0.version)" } ?? "?") (published on flywheel.models)")
    } else if let frozen = answer.frozen {
        print("automatic decisions \(frozen ? "frozen" : "resumed")" + (answer.changed == false ? " (they already were)" : ""))
    }
}

/// An action or question the API or registry answered with a failure: printed as `Error: …`, exit status 1.
struct ActionFailed: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// `POST /champion`'s body.
private struct PromoteRequest: Encodable {
    var model: String
    var version: Int?
    var reason: String?
}

/// The admin API's answer to an action.
private struct ActionSummary: Decodable {
    var event: ModelEvent?
    var frozen: Bool?
    var changed: Bool?
}

// MARK: - RegistryModels

/// Model summaries from a registry file (no process to ask): each model's newest stored version and the champion.
enum RegistryModels {
    static func summaries(_ registry: ModelRegistry) throws -> [ModelSummary] {
        let champion = try registry.champion()
        let snapshot = try registry.snapshot(topic: LoopTopics().models)
        return snapshot.latest.map { stored in
            var summary = ModelSummary(id: stored.model.id, version: stored.model.version, champion: stored.model.id == champion?.id)
            summary.storedVersions = (try? registry.versionList(of: stored.model.id).count) ?? nil
            return summary
        }.sorted { ($0.champion ? 0 : 1, $0.id) < ($1.champion ? 0 : 1, $1.id) }
    }
}
