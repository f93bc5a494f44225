import Flywheel
import FlywheelDemo
import FlywheelEvents
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging
import ModelRegistry
import NIOCore

// MARK: - OperatorServer

/// The HTTP endpoints of a `serve` process (Hummingbird): metrics, health and readiness, the models, the decisions
/// and the live report for anyone who can reach the address (127.0.0.1 by default), and the admin actions for bearers
/// of an admin token. docs/operations.md is the runbook.
///
/// | Route | Answer |
/// |---|---|
/// | `GET /metrics` | Prometheus text (``LoopMetrics``) |
/// | `GET /healthz` | 200 while the process runs |
/// | `GET /readyz` | 200 when ready, else 503 (``Readiness``) |
/// | `GET /models`, `/models/{id}` | ``ModelSummary`` (and the stored versions, the decisions naming it) |
/// | `GET /champion` | the champion and whether decisions are frozen |
/// | `GET /decisions` | the registry's audit log (``AuditRecord``) |
/// | `GET /report` | the drift report page (HTML; `?format=json` or `Accept: application/json` for JSON) |
/// | `POST /champion` `{"model", "version"?, "reason"?}` | promote (admin) |
/// | `POST /rollback`, `/freeze`, `/unfreeze` `{"reason"?}` | (admin) |
/// | `POST /labels/trust` | the label guard trusts the labels again (admin; the feedback role's process) |
public enum OperatorServer {
    /// Where to listen and who may act.
    public struct Configuration: Sendable {
        /// The address to bind. Default: 127.0.0.1 (this machine only).
        public var host = "127.0.0.1"
        /// The port (0: any free one; the bound one is passed to `onRunning`). Default: 9464.
        public var port = 9464
        /// The admin tokens (none: every admin action is refused).
        public var tokens = AdminTokens([:])

        /// The defaults above.
        public init() {}
    }

    /// The request context: Hummingbird's, with the authenticated ``Operator`` (hummingbird-auth).
    public typealias Context = BasicAuthRequestContext<Operator>

    /// An HTTP application serving `loop`, to run in the process's `ServiceGroup`.
    /// - Parameter onRunning: called with the bound port once the server listens.
    public static func application(
        loop: FlywheelLoop, metrics: LoopMetrics, configuration: Configuration, logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: Context.self)
        addReadRoutes(to: router, loop: loop, metrics: metrics)
        let admin = router.group()
            .add(middleware: AdminAuthenticator(tokens: configuration.tokens))
            .add(middleware: RequireOperator(tokensConfigured: !configuration.tokens.isEmpty))
        addAdminRoutes(to: admin, loop: loop, logger: logger)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "flywheel"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    // MARK: Reading

    private static func addReadRoutes(to router: Router<Context>, loop: FlywheelLoop, metrics: LoopMetrics) {
        router.get("metrics") { _, _ in
            JSONBody.text(metrics.scrape(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("healthz") { _, _ in JSONBody.response(["status": "alive"]) }
        router.get("readyz") { _, _ in
            let readiness = Readiness(loop)
            return JSONBody.response(readiness, status: readiness.ready ? .ok : .serviceUnavailable)
        }
        router.get("models") { _, _ in JSONBody.response(ModelSummary.all(loop)) }
        router.get("models/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let summary = ModelSummary.all(loop).first(where: { $0.id == id }) else {
                return JSONBody.error("no model '\(id)' in this process; GET /models lists them", status: .notFound)
            }
            let versions = (try? loop.registry?.versionList(of: id).map { StoredVersionSummary(version: $0.version, ts: $0.ts) }) ?? nil
            let decisions = (try? loop.registry?.auditLog().filter { $0.model.id == id || $0.replaces.id == id }.map(AuditRecord.init)) ?? nil
            return JSONBody.response(ModelDetail(model: summary, versions: versions, decisions: decisions))
        }
        router.get("champion") { _, _ in
            let served = loop.liveModels?.snapshot.champion.reference
            let stored = try? loop.registry?.champion()
            guard let champion = served ?? stored else {
                return JSONBody.error("this process serves no models and holds no registry (run it with --role inference or trainer)", status: .notFound)
            }
            return JSONBody.response(ChampionAnswer(champion: champion, frozen: loop.promoter?.isFrozen))
        }
        router.get("decisions") { _, _ in
            guard let registry = loop.registry else { return noRegistry }
            do {
                return JSONBody.response(try registry.auditLog().map(AuditRecord.init))
            } catch {
                return JSONBody.error("\(error)", status: .internalServerError)
            }
        }
        router.get("report") { request, _ in
            guard let registry = loop.registry else { return noRegistry }
            do {
                let report = try HistoryReport(registry: registry)
                let wantsJSON = request.uri.queryParameters["format"] == "json"
                    || (request.headers[.accept]?.contains("application/json") ?? false)
                if wantsJSON {
                    return JSONBody.text(String(decoding: try report.json, as: UTF8.self), contentType: "application/json; charset=utf-8")
                }
                return JSONBody.text(ReportPage.html(report, refreshSeconds: 30), contentType: "text/html; charset=utf-8")
            } catch {
                return JSONBody.error("the report cannot be built: \(error)", status: .internalServerError)
            }
        }
    }

    private static var noRegistry: Response {
        JSONBody.error("this process does not run the trainer role, which keeps the registry: ask the process started with --role trainer (or all)", status: .notFound)
    }

    // MARK: Acting

    private static func addAdminRoutes(to admin: RouterGroup<Context>, loop: FlywheelLoop, logger: Logger) {
        admin.post("champion") { request, context in
            let body: PromoteBody
            do {
                body = try await decode(PromoteBody.self, from: request, required: true)
            } catch {
                return JSONBody.error("the body must be JSON {\"model\": id, \"version\"?: n, \"reason\"?: text}: \(error)", status: .badRequest)
            }
            return await act(context, logger, "promotion") {
                ActionAnswer(event: try await loop.promote(body.model, version: body.version, actor: $0.actor, reason: body.reason))
            }
        }
        admin.post("rollback") { request, context in
            let body = (try? await decode(ReasonBody.self, from: request, required: false)) ?? ReasonBody()
            return await act(context, logger, "rollback") {
                ActionAnswer(event: try await loop.rollback(actor: $0.actor, reason: body.reason))
            }
        }
        admin.post("labels/trust") { _, context in
            await act(context, logger, "trust labels") { who in
                guard let joiner = loop.joiner else {
                    throw OperatorCommandError(.notHere, "this process runs no feedback role, which keeps the label guard: send it to a process started with --role feedback (or all)")
                }
                let suspect = joiner.labelsSuspect ?? false
                joiner.trustLabels(actor: who.actor)
                return ActionAnswer(changed: suspect, labelsSuspect: false)
            }
        }
        for (path, frozen) in [("freeze", true), ("unfreeze", false)] {
            admin.post(RouterPath(stringLiteral: path)) { request, context in
                let body = (try? await decode(ReasonBody.self, from: request, required: false)) ?? ReasonBody()
                return await act(context, logger, path) {
                    let changed = try loop.setDecisionsFrozen(frozen, actor: $0.actor, reason: body.reason)
                    return ActionAnswer(frozen: frozen, changed: changed)
                }
            }
        }
    }

    /// Runs an admin action for the authenticated operator; an ``OperatorCommandError`` becomes its HTTP answer.
    private static func act(
        _ context: Context, _ logger: Logger, _ action: String,
        _ body: (Operator) async throws -> ActionAnswer
    ) async -> Response {
        guard let who = context.identity else { return JSONBody.error("not authenticated", status: .unauthorized) }
        do {
            let answer = try await body(who)
            logger.notice("Operator action", metadata: ["flywheel.action": "\(action)", "flywheel.actor": "\(who.actor)"])
            return JSONBody.response(answer)
        } catch {
            guard let error = error as? OperatorCommandError else {
                return JSONBody.error("\(error)", status: .internalServerError)
            }
            let status: HTTPResponse.Status = switch error.kind {
            case .notHere: .misdirectedRequest
            case .unknown: .notFound
            case .conflict: .conflict
            case .failed: .internalServerError
            }
            return JSONBody.error(error.reason, status: status)
        }
    }

    /// The request's JSON body, or `Body()` for an empty one when it is not `required`.
    private static func decode<Body: Decodable & Sendable>(_ type: Body.Type, from request: Request, required: Bool) async throws -> Body {
        let buffer = try await request.body.collect(upTo: 64 * 1024)
        if buffer.readableBytes == 0, !required, let empty = try? JSONDecoder().decode(Body.self, from: Data("{}".utf8)) {
            return empty
        }
        return try JSONDecoder().decode(Body.self, from: Data(buffer.readableBytesView))
    }
}

// MARK: - Bodies and answers

/// `POST /champion`'s body.
struct PromoteBody: Codable, Sendable {
    var model: String
    var version: Int?
    var reason: String?
}

/// The body of `POST /rollback`, `/freeze` and `/unfreeze` (may be empty).
struct ReasonBody: Codable, Sendable {
    var reason: String?
}

/// What an admin action did.
struct ActionAnswer: Codable, Sendable {
    /// The promotion or rollback published on the models topic.
    var event: ModelEvent?
    /// Whether decisions are frozen now (freeze and unfreeze).
    var frozen: Bool?
    /// Whether the freeze, unfreeze or trust changed anything.
    var changed: Bool?
    /// Whether the labels are suspect now (trust).
    var labelsSuspect: Bool?

    init(event: ModelEvent? = nil, frozen: Bool? = nil, changed: Bool? = nil, labelsSuspect: Bool? = nil) {
        self.event = event
        self.frozen = frozen
        self.changed = changed
        self.labelsSuspect = labelsSuspect
    }
}

/// `GET /champion`'s answer.
struct ChampionAnswer: Codable, Sendable {
    var champion: ModelReference
    /// Whether automatic decisions are frozen (known where the promoter runs).
    var frozen: Bool?
}

/// A stored version in `GET /models/{id}`.
struct StoredVersionSummary: Codable, Sendable {
    var version: Int
    var ts: Double
}

/// `GET /models/{id}`'s answer.
struct ModelDetail: Codable, Sendable {
    var model: ModelSummary
    var versions: [StoredVersionSummary]?
    var decisions: [AuditRecord]?
}
