import Flywheel
import FlywheelEvents
import FlywheelHTTP
import Foundation
import KafkaTransport
import Logging
import ModelRegistry
import OnlineLearning
import ServiceLifecycle
import Synchronization
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP endpoints of a loop on the embedded broker, asked over real HTTP (URLSession against Hummingbird on a
/// free port): readiness, the models, and the admin actions with and without a token.
@Suite("Operator HTTP: readiness, models and the admin API")
struct OperatorServerTests {
    static let logger: Logger = {
        var logger = Logger(label: "http-test", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .warning
        return logger
    }()

    /// The server's logger: the test cancels it rather than shutting it down, which Hummingbird logs as errors.
    static let quiet: Logger = {
        var logger = Logger(label: "http-server", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .critical
        return logger
    }()

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let schema: FeatureSchema = {
        let data = try! Data(contentsOf: repository.appendingPathComponent("streams/sea_abrupt.schema.json"))
        return try! JSONDecoder().decode(FeatureSchema.self, from: data)
    }()

    static let token = "alice-token-0123456789"

    /// A broker with the loop's topics under a fresh prefix, and settings for it.
    static func cluster() throws -> (EmbeddedBroker, LoopSettings) {
        let broker = try EmbeddedBroker(logger: logger)
        let suffix = UInt32.random(in: 0...UInt32.max)
        var settings = LoopSettings.embedded(bootstrapServers: broker.bootstrapServers)
        settings.topics = LoopTopics().prefixed("h\(suffix).")
        settings.groupPrefix = "h\(suffix)"
        settings.registryPath = FileManager.default.temporaryDirectory.appendingPathComponent("registry-h\(suffix).sqlite").path
        settings.feedbackStatePath = nil
        settings.trainerStatePath = nil
        for topic in settings.topics.all { try broker.createTopic(topic, partitions: 4) }
        return (broker, settings)
    }

    /// One HTTP exchange: the status and the body.
    static func call(
        _ port: Int, _ path: String, method: String = "GET", token: String? = nil, body: String? = nil
    ) async throws -> (status: Int, body: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body { request.httpBody = Data(body.utf8) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Runs `loop` and its HTTP application in a task group; `body` gets the bound port.
    static func serving(
        _ loop: FlywheelLoop, tokens: AdminTokens, startLoop: Bool = true,
        _ body: @Sendable (Int, @Sendable () -> Void) async throws -> Void
    ) async throws {
        var configuration = OperatorServer.Configuration()
        configuration.port = 0
        configuration.tokens = tokens
        let port = Mutex(0)
        let application = OperatorServer.application(
            loop: loop, metrics: LoopMetrics(loop: loop, factory: LoopMetrics.makeFactory()), configuration: configuration,
            logger: quiet
        ) { bound in port.withLock { $0 = bound } }
        let running = Mutex<Task<Void, any Error>?>(nil)
        let start: @Sendable () -> Void = {
            running.withLock { task in
                guard task == nil else { return }
                task = Task {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for service in loop.services { group.addTask { try await service.run() } }
                        try await group.waitForAll()
                    }
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.runService() }
            if startLoop { start() }
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while port.withLock({ $0 }) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            try await body(port.withLock { $0 }, start)
            group.cancelAll()
            try? await group.waitForAll()
        }
        let task = running.withLock { $0 }
        task?.cancel()
        _ = await task?.result
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    static func eventually(_ seconds: Int = 30, _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(seconds))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func readinessWaitsForTheModelsTopicAndThePartitions() async throws {
        let (broker, base) = try Self.cluster()
        var settings = base
        settings.roles = [.inference]
        let initial = try InitialModels.make(schema: Self.schema)
        // 300 versions of a shadow on the models topic: an inference process is not ready until it has read them.
        let shadow = initial.shadows[0]
        let blob = Data(ModelBlob.encode(pipeline: shadow.pipeline, learner: shadow.learner)).base64EncodedString()
        let producer = try KafkaProducer(configuration: .init(client: settings.client), logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await producer.run() }
            let versions = (2...301).map {
                ModelEvent(kind: .version, ts: Double($0), model: ModelReference(id: shadow.reference.id, version: $0), weights: blob)
            }
            let messages = versions.map {
                KafkaOutgoingMessage(topic: settings.topics.models, key: Publication.modelsKey, value: EventDecoding.encode($0))
            }
            let reports = try await producer.deliver(messages)
            let delivered = reports.allSatisfy { $0.error == nil }
            #expect(delivered)
            group.cancelAll()
            try? await group.waitForAll()
        }
        let loop = try await FlywheelLoop(settings: settings, initial: initial, logger: Self.logger)
        try await Self.serving(loop, tokens: AdminTokens([:]), startLoop: false) { port, start in
            let before = try await Self.call(port, "/readyz")
            #expect(before.status == 503, "\(before.body)")
            #expect(before.body.contains("models not caught up"), "\(before.body)")
            #expect(try await Self.call(port, "/healthz").status == 200, "alive while not ready")
            start()
            #expect(try await Self.eventually { try await Self.call(port, "/readyz").status == 200 })
            #expect(loop.modelUpdates?.isCaughtUp == true)
            let models = try await Self.call(port, "/models")
            #expect(models.body.contains("\"version\" : 301"), "the shadow's newest version is served: \(models.body)")
        }
        _ = broker
    }

    @Test func adminActionsNeedATokenAndReachTheInferenceRole() async throws {
        let (broker, settings) = try Self.cluster()
        defer { try? FileManager.default.removeItem(atPath: settings.registryPath) }
        let initial = try InitialModels.make(schema: Self.schema)
        let loop = try await FlywheelLoop(settings: settings, initial: initial, logger: Self.logger)
        let registry = try #require(loop.registry), live = try #require(loop.liveModels), promoter = try #require(loop.promoter)
        let challenger = initial.shadows.last!.reference.id
        try await Self.serving(loop, tokens: try AdminTokens.parse("alice:\(Self.token)", source: "test")) { port, _ in
            #expect(try await Self.eventually { try await Self.call(port, "/readyz").status == 200 })
            let promote = #"{"model": "\#(challenger)", "reason": "canary looked good"}"#
            // Without a token, with a wrong one, with a malformed header: 401, and nothing changes.
            for token in [nil, "wrong-token-0123456789", ""] as [String?] {
                for (path, body) in [("/champion", promote), ("/rollback", "{}"), ("/freeze", "{}"), ("/unfreeze", "{}"), ("/labels/trust", "{}")] {
                    let answer = try await Self.call(port, path, method: "POST", token: token, body: body)
                    #expect(answer.status == 401, "\(path) with \(token ?? "no token"): \(answer)")
                }
            }
            try await Task.sleep(for: .seconds(1))
            #expect(try registry.auditLog().isEmpty)
            #expect(live.snapshot.champion.reference.id == initial.champion.reference.id)
            #expect(!promoter.isFrozen)

            // With the token: a promotion goes through the models topic to the inference role and the audit log.
            let promoted = try await Self.call(port, "/champion", method: "POST", token: Self.token, body: promote)
            #expect(promoted.status == 200, "\(promoted)")
            #expect(try await Self.eventually { live.snapshot.champion.reference.id == challenger })
            #expect(try await Self.eventually { try registry.auditLog().count == 1 })
            let entry = try #require(try registry.auditLog().first)
            #expect(entry.kind == .promotion && entry.actor == "operator:alice" && entry.model.id == challenger)
            #expect(entry.evidence.contains("canary looked good"))
            #expect(try await Self.call(port, "/champion").body.contains(challenger))

            // Freeze: logged, applied to the promoter; a second freeze changes nothing.
            #expect(try await Self.call(port, "/freeze", method: "POST", token: Self.token, body: #"{"reason":"incident"}"#).status == 200)
            #expect(promoter.isFrozen)
            #expect(try await Self.call(port, "/freeze", method: "POST", token: Self.token).body.contains("\"changed\" : false"))
            #expect(try registry.auditLog().map(\.kind) == [.promotion, .freeze])

            // Rollback: the champion the promotion replaced is back.
            #expect(try await Self.call(port, "/rollback", method: "POST", token: Self.token).status == 200)
            #expect(try await Self.eventually { live.snapshot.champion.reference.id == initial.champion.reference.id })
            #expect(try await Self.eventually { try registry.auditLog().last?.kind == .rollback })
            #expect(try await Self.call(port, "/unfreeze", method: "POST", token: Self.token).status == 200)
            #expect(!promoter.isFrozen)

            // Trusting labels the guard does not suspect changes nothing.
            let trust = try await Self.call(port, "/labels/trust", method: "POST", token: Self.token)
            #expect(trust.status == 200 && trust.body.contains("\"changed\" : false"), "\(trust)")

            // Mistakes name the fix and change nothing.
            let unknown = try await Self.call(port, "/champion", method: "POST", token: Self.token, body: #"{"model": "nope"}"#)
            #expect(unknown.status == 404 && unknown.body.contains("GET /models"), "\(unknown)")
            let already = try await Self.call(
                port, "/champion", method: "POST", token: Self.token, body: #"{"model": "\#(initial.champion.reference.id)"}"#)
            #expect(already.status == 409, "\(already)")
            #expect(try await Self.call(port, "/champion", method: "POST", token: Self.token, body: "not json").status == 400)
            let decisions = try await Self.call(port, "/decisions")
            #expect(decisions.body.components(separatedBy: #""actor" : "operator:alice""#).count - 1 == 4, "\(decisions.body)")
            #expect(try registry.auditLog().map(\.kind) == [.promotion, .freeze, .rollback, .unfreeze])
        }
        _ = broker
    }
}

/// Admin tokens: where they come from and how a bad one stops start-up.
@Suite("Admin tokens")
struct AdminTokenTests {
    @Test func tokensNameTheirOperatorsAndBadLinesAreRefused() throws {
        let tokens = try AdminTokens.parse("# operators\nalice:alice-token-0123456789\n\nbob-bare-token-0123456789\n", source: "f")
        #expect(tokens.count == 2)
        #expect(tokens.name(for: "alice-token-0123456789") == "alice")
        #expect(tokens.name(for: "bob-bare-token-0123456789") == "admin")
        #expect(tokens.firstToken == "alice-token-0123456789", "a client sends the file's first token")
        #expect(tokens.name(for: "alice-token-012345678") == nil, "a prefix is not the token")
        #expect(tokens.name(for: "") == nil)
        #expect(throws: AdminTokenError.self) { try AdminTokens.parse("carol:short", source: "f") }
        let error = try #require(throws: AdminTokenError.self) { try AdminTokens.parse("ok:0123456789abcdefgh\nbad token here", source: "tokens.txt") }
        #expect(error.reason.contains("tokens.txt line 2"))
        // The environment when no file is given; a file wins over it; none: empty (every admin request refused).
        #expect(try AdminTokens.load(file: nil, environment: [AdminTokens.environmentVariable: "env-token-0123456789"]).name(for: "env-token-0123456789") == "admin")
        #expect(try AdminTokens.load(file: nil, environment: [:]).isEmpty)
        #expect(throws: AdminTokenError.self) { try AdminTokens.load(file: "/nonexistent/tokens", environment: [:]) }
    }
}
