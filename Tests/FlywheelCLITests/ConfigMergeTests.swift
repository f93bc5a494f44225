import Foundation
import Testing

@testable import FlywheelCLI

/// `serve`'s configuration merged from flags, FLYWHEEL_* variables, a YAML file and defaults (swift-configuration
/// reads the file and the environment), with every kind of bad configuration named.
@Suite("Configuration: file < environment < flag")
struct ConfigMergeTests {
    static let reference = ServeRestartTests.repository.appendingPathComponent("config/flywheel.yaml").path

    /// A temporary YAML file with `text`.
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString).yaml").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func line(_ merged: MergedConfiguration, _ key: String) -> MergedConfiguration.Line? {
        merged.lines.first { $0.key == key }
    }

    /// The message of the error merging throws.
    static func failure(_ arguments: [String], environment: [String: String] = [:]) async -> String {
        do {
            _ = try await ConfigMerge.merge(arguments: arguments, environment: environment)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func theReferenceFileHoldsEveryKeyAtItsDefault() async throws {
        let defaults = try await ConfigMerge.merge(arguments: [], environment: [:])
        let fromFile = try await ConfigMerge.merge(arguments: ["--config", Self.reference], environment: [:])
        let text = try String(contentsOfFile: Self.reference, encoding: .utf8)
        for entry in ConfigCatalog.entries {
            let name = String(entry.key.split(separator: ".").last!)
            #expect(text.contains("  \(name):") || text.contains("\n\(name):") || text.contains("# \(name):"),
                    "config/flywheel.yaml does not mention \(entry.key)")
            #expect(Self.line(fromFile, entry.key)?.value == Self.line(defaults, entry.key)?.value,
                    "\(entry.key) in the reference file is not its default")
        }
        #expect(fromFile.lines.filter { $0.source == .file }.count >= 20, "most keys are set in the file")
        #expect(defaults.lines.allSatisfy { $0.source == .default })
    }

    @Test func flagsWinOverTheEnvironmentWhichWinsOverTheFile() async throws {
        let path = try Self.file("models:\n  shadows: 2\n  publishEvery: 500\npromotion:\n  alpha: 0.01\nkafka:\n  consumer:\n    session.timeout.ms: 6000\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let environment = ["FLYWHEEL_MODELS_SHADOWS": "1", "FLYWHEEL_PROMOTION_ALPHA": "0.02", "FLYWHEEL_KAFKA_CONSUMER_SESSION_TIMEOUT_MS": "7000"]
        let fileOnly = try await ConfigMerge.merge(arguments: ["--config", path], environment: [:])
        #expect(fileOnly.command.loop.shadows == 2 && fileOnly.command.loop.publishEvery == 500)
        #expect(fileOnly.command.loop.promotionAlpha == 0.01)
        #expect(Self.line(fileOnly, "models.shadows")?.source == .file)
        let withEnvironment = try await ConfigMerge.merge(arguments: ["--config", path], environment: environment)
        #expect(withEnvironment.command.loop.shadows == 1, "environment over file")
        #expect(withEnvironment.command.loop.publishEvery == 500, "the file still sets what the environment does not")
        #expect(withEnvironment.command.loop.promotionAlpha == 0.02)
        #expect(Self.line(withEnvironment, "models.shadows")?.source == .environment)
        // The consumer property: the environment's comes after the file's, so it is the one applied.
        #expect(withEnvironment.command.consumerProperties.map(\.value) == ["6000", "7000"])
        let withFlags = try await ConfigMerge.merge(
            arguments: ["--config", path, "--shadows", "0", "--consumer-property", "session.timeout.ms=8000"], environment: environment)
        #expect(withFlags.command.loop.shadows == 0, "flag over environment")
        #expect(withFlags.command.loop.promotionAlpha == 0.02)
        #expect(withFlags.command.consumerProperties.last?.value == "8000", "the flag's property is applied last")
        #expect(Self.line(withFlags, "models.shadows")?.source == .flag)
        // No file: the environment alone, over the defaults.
        let environmentOnly = try await ConfigMerge.merge(arguments: [], environment: ["FLYWHEEL_ROLES": "inference,trainer"])
        #expect(environmentOnly.command.role.map(\.rawValue) == ["inference", "trainer"])
        // The label guard: off from the file, its threshold from the environment.
        let guardPath = try Self.file("labelGuard:\n  mode: disabled\n")
        defer { try? FileManager.default.removeItem(atPath: guardPath) }
        let guardOff = try await ConfigMerge.merge(
            arguments: ["--config", guardPath], environment: ["FLYWHEEL_LABEL_GUARD_EVIDENCE": "1000000"])
        #expect(guardOff.command.loop.labelGuard == .disabled && guardOff.command.loop.labelGuardEvidence == 1_000_000)
        #expect(Self.line(guardOff, "labelGuard.mode")?.source == .file && Self.line(guardOff, "labelGuard.evidence")?.source == .environment)
    }

    @Test func secretsAreMaskedAndComeFromTheEnvironmentOrAFile() async throws {
        let secret = FileManager.default.temporaryDirectory.appendingPathComponent("secret-\(UUID().uuidString)").path
        try Data("from-a-file\n".utf8).write(to: URL(fileURLWithPath: secret))
        let path = try Self.file("""
            kafka:
              common:
                security.protocol: SASL_SSL
                sasl.password: {fromEnv: TEST_KAFKA_PASSWORD}
                ssl.key.password: {fromFile: \(secret)}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let merged = try await ConfigMerge.merge(
            arguments: ["--config", path],
            environment: ["TEST_KAFKA_PASSWORD": "hunter2", "FLYWHEEL_ADMIN_TOKEN": "admin-token-0123456789"])
        let properties = Dictionary(merged.command.properties.map { ($0.key, $0.value) }) { $1 }
        #expect(properties["sasl.password"] == "hunter2" && properties["ssl.key.password"] == "from-a-file")
        #expect(properties["security.protocol"] == "SASL_SSL")
        #expect(Self.line(merged, "kafka.common.sasl.password")?.value == "******")
        #expect(Self.line(merged, "kafka.common.ssl.key.password")?.value == "******")
        #expect(Self.line(merged, "kafka.common.security.protocol")?.value == "SASL_SSL")
        #expect(Self.line(merged, "admin.token")?.value == "******")
        let printed = merged.lines.map(\.value).joined(separator: " ")
        #expect(!printed.contains("hunter2") && !printed.contains("from-a-file") && !printed.contains("admin-token"))
        #expect(await Self.failure(["--config", path], environment: [:]).contains("TEST_KAFKA_PASSWORD, which is not set"))
    }

    @Test func badConfigurationNamesTheKeyAndWhy() async throws {
        let cases: [(String, String)] = [
            ("models:\n  shadow: 2\n", "unknown key 'models.shadow'; under 'models' the keys are publishEvery, saveEvery, shadows"),
            ("modls:\n  shadows: 2\n", "unknown key 'modls'"),
            ("models:\n  shadows: three\n", "models.shadows in"),
            ("models:\n  shadows: 9\n", "--shadows must be between 0 and 8 (7 for regression), not 9"),
            ("promotion:\n  alpha: 1.5\n", "--promotion-alpha must be in (0, 1), not 1.5"),
            ("task: ternary\n", "task in"),
            ("labelGuard:\n  mode: off\n", "labelGuard.mode"),
            ("labelGuard:\n  evidence: 0.5\n", "--label-guard-evidence must be a finite ratio above 1, not 0.5"),
            ("kafka:\n  common: [a, b]\n", "kafka.common must be a mapping"),
            ("- just\n- a list\n", "the file must be a mapping"),
        ]
        for (text, expected) in cases {
            let path = try Self.file(text)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let message = await Self.failure(["--config", path])
            #expect(message.contains(expected), "\(text.debugDescription): \(message)")
        }
        #expect(await Self.failure(["--config", "/nonexistent/flywheel.yaml"]).contains("/nonexistent/flywheel.yaml"))
        #expect(await Self.failure([], environment: ["FLYWHEEL_MODEL_SHADOWS": "2"]).contains("unknown environment variable FLYWHEEL_MODEL_SHADOWS"))
        #expect(await Self.failure([], environment: ["FLYWHEEL_MODELS_SHADOWS": "many"]).contains("FLYWHEEL_MODELS_SHADOWS: expected an integer"))
    }
}
