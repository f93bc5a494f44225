import ArgumentParser
import Configuration
import FlywheelHTTP
import Foundation
import SystemPackage
import Yams

// MARK: - ConfigError

/// A configuration that cannot be used: start-up stops with a message naming the key (or variable, or file) and why.
struct ConfigError: Error, CustomStringConvertible {
    /// The message.
    let description: String

    init(_ description: String) { self.description = description }
}

// MARK: - MergedConfiguration

/// `serve`'s configuration merged from flags, `FLYWHEEL_*` environment variables, a YAML file and the defaults.
struct MergedConfiguration {
    /// Where a value came from.
    enum Source: String {
        case flag, environment, file, `default`
    }

    /// One resolved key as `flywheel config check` prints it (a secret's value masked).
    struct Line {
        var key: String
        var value: String
        var source: Source
    }

    /// The command with every key applied.
    var command: ServeCommand
    /// Every key and librdkafka property, with its value and source.
    var lines: [Line]
}

// MARK: - ConfigMerge

/// Merges `serve`'s configuration in one place, flags over environment over file over defaults.
///
/// The file and the environment are read through swift-configuration (`FileProvider<YAMLSnapshot>` and
/// `EnvironmentVariablesProvider`, the environment first); a key set by a flag is not looked up at all. Each value
/// found is checked for its type by the reader and for its range by `serve`'s own validation, and the error names the
/// key and where it came from. Keys the catalogue does not know — in the file or as `FLYWHEEL_*` variables — are
/// errors, so a typo never silently leaves a default in place. The result is `serve`'s arguments: the merged values
/// as flags, then the real flags, parsed once more by ArgumentParser.
enum ConfigMerge {
    /// The merged configuration for `arguments` (serve's flags, `--config` among them) and `environment`.
    static func merge(arguments: [String], environment: [String: String]) async throws -> MergedConfiguration {
        let given = try ServeCommand.parse(arguments)
        let flywheelEnvironment = environment.filter { $0.key.hasPrefix("FLYWHEEL_") }
        try checkEnvironment(flywheelEnvironment)
        var tree: [String: Any] = [:]
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: flywheelEnvironment).prefixKeys(with: "flywheel")
        ]
        if let path = given.config {
            tree = try loadTree(path)
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
            } catch {
                throw ConfigError("--config \(path) cannot be read as YAML: \(error)")
            }
        }
        let reader = ConfigReader(providers: providers)
        var synthetic: [String] = []
        var sources: [String: MergedConfiguration.Source] = [:]
        for entry in ConfigCatalog.entries {
            if isGiven(flag: entry.flag, in: arguments) {
                sources[entry.key] = .flag
                continue
            }
            let source: MergedConfiguration.Source
            if flywheelEnvironment[entry.environmentVariable] != nil {
                source = .environment
            } else if value(at: entry.key, in: tree) != nil {
                source = .file
            } else {
                continue
            }
            let origin = source == .environment ? entry.environmentVariable : "\(entry.key) in \(given.config ?? "")"
            let values = try typed(entry, reader: reader, origin: origin)
            let flags = entry.kind == .stringList && entry.flag == "role"
                ? values.flatMap { ["--\(entry.flag)", $0] }
                : ["--\(entry.flag)", values.joined(separator: ",")]
            do {
                _ = try ServeCommand.parse(flags)
            } catch {
                throw ConfigError("\(origin): \(ServeCommand.message(for: error))")
            }
            synthetic += flags
            sources[entry.key] = source
        }
        var propertyLines: [MergedConfiguration.Line] = []
        for (section, flag) in ConfigCatalog.propertySections {
            var merged: [(String, String, MergedConfiguration.Source)] = []
            for (name, value) in try fileProperties(section: section, tree: tree, path: given.config ?? "", environment: environment) {
                merged.append((name, value, .file))
            }
            let prefix = "FLYWHEEL_KAFKA_\(section.uppercased())_"
            for (variable, value) in flywheelEnvironment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix(prefix) {
                let name = variable.dropFirst(prefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
                merged.append((name, value, .environment))
            }
            for (name, value, source) in merged {
                synthetic += ["--\(flag)", "\(name)=\(value)"]
                propertyLines.append(.init(key: "kafka.\(section).\(name)", value: masked(name, value), source: source))
            }
            for assignment in given.properties(for: section) {
                propertyLines.append(.init(key: "kafka.\(section).\(assignment.key)", value: masked(assignment.key, assignment.value), source: .flag))
            }
        }
        let command: ServeCommand
        do {
            command = try ServeCommand.parse(synthetic + arguments)
        } catch {
            throw ConfigError(ServeCommand.message(for: error))
        }
        var lines = ConfigCatalog.entries.map {
            MergedConfiguration.Line(key: $0.key, value: $0.current(command), source: sources[$0.key] ?? .default)
        }
        lines.append(.init(
            key: "admin.token", value: environment[AdminTokens.environmentVariable].map { _ in "******" } ?? "(not set)",
            source: environment[AdminTokens.environmentVariable] == nil ? .default : .environment))
        return MergedConfiguration(command: command, lines: lines + propertyLines)
    }

    /// Whether `arguments` set `--flag` (or `-X` for `property`).
    static func isGiven(flag: String, in arguments: [String]) -> Bool {
        arguments.contains { $0 == "--\(flag)" || $0.hasPrefix("--\(flag)=") || (flag == "property" && $0.hasPrefix("-X")) }
    }

    /// The entry's value as the reader types it, in text for a flag.
    private static func typed(_ entry: ConfigEntry, reader: ConfigReader, origin: String) throws -> [String] {
        let key = ConfigKey(entry.key)
        do {
            switch entry.kind {
            case .int: return [String(try reader.requiredInt(forKey: key))]
            case .double: return [String(try reader.requiredDouble(forKey: key))]
            case .string: return [try reader.requiredString(forKey: key)]
            case .stringList: return try reader.requiredStringArray(forKey: key)
            }
        } catch {
            let expected = switch entry.kind {
            case .int: "an integer"
            case .double: "a number"
            case .string: "a string"
            case .stringList: "a list of strings"
            }
            throw ConfigError("\(origin): expected \(expected) (\(error))")
        }
    }

    /// Refuses `FLYWHEEL_*` variables that are no key.
    private static func checkEnvironment(_ environment: [String: String]) throws {
        let known = Set(ConfigCatalog.entries.map(\.environmentVariable)).union(ConfigCatalog.otherVariables)
        let sections = ConfigCatalog.propertySections.map { "FLYWHEEL_KAFKA_\($0.section.uppercased())_" }
        for variable in environment.keys.sorted() where !known.contains(variable) && !sections.contains(where: variable.hasPrefix) {
            throw ConfigError("unknown environment variable \(variable): config/flywheel.yaml lists the keys (models.shadows is FLYWHEEL_MODELS_SHADOWS)")
        }
    }

    /// The file as a tree, every key in it checked against the catalogue.
    private static func loadTree(_ path: String) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("--config \(path): no such file or it cannot be read")
        }
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: String(decoding: data, as: UTF8.self))
        } catch {
            throw ConfigError("--config \(path) is not YAML: \(error)")
        }
        guard let tree = (loaded ?? [String: Any]()) as? [String: Any] else {
            throw ConfigError("--config \(path): the file must be a mapping of keys (config/flywheel.yaml)")
        }
        let known = Set(ConfigCatalog.entries.map(\.key))
        let sections = Set(ConfigCatalog.propertySections.map { "kafka.\($0.section)" })
        func walk(_ node: [String: Any], prefix: String) throws {
            for (name, value) in node {
                let key = prefix.isEmpty ? name : "\(prefix).\(name)"
                if known.contains(key) || sections.contains(key) { continue }
                // A section left empty (only comments under it) is null.
                if isNull(value), known.contains(where: { $0.hasPrefix(key + ".") }) { continue }
                if let child = value as? [String: Any], known.contains(where: { $0.hasPrefix(key + ".") }) || key == "kafka" {
                    try walk(child, prefix: key)
                    continue
                }
                let siblings = known.filter { $0.hasPrefix(prefix.isEmpty ? "" : prefix + ".") }
                    .map { $0.dropFirst(prefix.isEmpty ? 0 : prefix.count + 1).split(separator: ".")[0] }
                throw ConfigError("--config \(path): unknown key '\(key)'"
                    + (prefix.isEmpty ? "" : "; under '\(prefix)' the keys are \(Set(siblings).sorted().joined(separator: ", "))"))
            }
        }
        try walk(tree, prefix: "")
        return tree
    }

    /// The value at a dotted key of the tree (nil for a key left out or null).
    private static func value(at key: String, in tree: [String: Any]) -> Any? {
        var node: Any? = tree
        for component in key.split(separator: ".") { node = (node as? [String: Any])?[String(component)] }
        return node.flatMap { isNull($0) ? nil : $0 }
    }

    /// Whether a YAML value is null (`~`, `null`, or nothing after the key).
    private static func isNull(_ value: Any) -> Bool {
        if value is NSNull { return true }
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }

    /// A pass-through section of the file: property → value, a value written `{fromEnv: NAME}` or
    /// `{fromFile: PATH}` read from there (secrets need not be in the file).
    private static func fileProperties(
        section: String, tree: [String: Any], path: String, environment: [String: String]
    ) throws -> [(String, String)] {
        guard let node = value(at: "kafka.\(section)", in: tree) else { return [] }
        guard let map = node as? [String: Any] else {
            throw ConfigError("--config \(path): kafka.\(section) must be a mapping of librdkafka properties to values")
        }
        return try map.keys.sorted().map { name in
            let raw = map[name]!
            if let reference = raw as? [String: Any] {
                if let variable = reference["fromEnv"] as? String, reference.count == 1 {
                    guard let found = environment[variable] else {
                        throw ConfigError("--config \(path): kafka.\(section).\(name) reads the environment variable \(variable), which is not set")
                    }
                    return (name, found)
                }
                if let file = reference["fromFile"] as? String, reference.count == 1 {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw ConfigError("--config \(path): kafka.\(section).\(name) reads the file \(file), which cannot be read")
                    }
                    return (name, String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                }
                throw ConfigError("--config \(path): kafka.\(section).\(name) must be a value, {fromEnv: NAME} or {fromFile: PATH}")
            }
            if raw is [Any] { throw ConfigError("--config \(path): kafka.\(section).\(name) must be a single value, not a list") }
            return (name, "\(raw)")
        }
    }

    /// The value as printed: masked for a secret property.
    private static func masked(_ property: String, _ value: String) -> String {
        ConfigCatalog.isSecret(property: property) ? "******" : value
    }
}

extension ServeCommand {
    /// The pass-through properties given as flags for a section (`common`, `producer`, `consumer`).
    func properties(for section: String) -> [PropertyAssignment] {
        switch section {
        case "producer": producerProperties
        case "consumer": consumerProperties
        default: properties
        }
    }
}
