import Foundation
import Hummingbird
import HummingbirdAuth

// MARK: - AdminTokens

/// The bearer tokens the admin API accepts, each with the operator name the audit log shows for it. They come from
/// the environment (`FLYWHEEL_ADMIN_TOKEN`, one token, operator `admin`) or a file (`--admin-token-file`, one token
/// per line, `name:token` or a bare token for `admin`; `#` starts a comment) — never from the command line, where
/// `ps` would show them.
public struct AdminTokens: Sendable {
    /// Token → operator name.
    private let names: [String: String]
    /// The first token, as the source listed it (what a client such as `flywheel models` sends).
    public let firstToken: String?

    /// The environment variable holding one token.
    public static let environmentVariable = "FLYWHEEL_ADMIN_TOKEN"

    /// Tokens and their operators; `first` is the one a client sends (default: any).
    public init(_ names: [String: String], first: String? = nil) {
        self.names = names
        firstToken = first ?? names.keys.first
    }

    /// Whether any token is set (without one, every admin request is refused).
    public var isEmpty: Bool { names.isEmpty }

    /// How many tokens are accepted.
    public var count: Int { names.count }

    /// The operator a presented token belongs to, or nil. Compares in time independent of where they differ.
    public func name(for presented: String) -> String? {
        var found: String?
        for (token, name) in names where Self.equalInConstantTime(token, presented) { found = name }
        return found
    }

    /// Reads a token file's text: one token per line, `name:token` or a bare token (operator `admin`).
    /// - Throws: ``AdminTokenError`` naming the line that is not a token.
    public static func parse(_ text: String, source: String) throws(AdminTokenError) -> AdminTokens {
        var names: [String: String] = [:]
        var first: String?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let parts = line.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            let (name, token) = parts.count == 2 ? (parts[0], parts[1]) : ("admin", parts[0])
            guard token.count >= 16, !token.contains(where: \.isWhitespace), !name.isEmpty else {
                throw AdminTokenError("\(source) line \(number + 1) is not `name:token` with a token of at least 16 characters and no spaces")
            }
            names[token] = name
            first = first ?? token
        }
        return AdminTokens(names, first: first)
    }

    /// Tokens from `file` if given, else from ``environmentVariable`` if set, else none.
    /// - Throws: ``AdminTokenError`` for an unreadable file or a bad token.
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws(AdminTokenError) -> AdminTokens {
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw AdminTokenError("the admin token file \(file) cannot be read")
            }
            return try parse(String(decoding: data, as: UTF8.self), source: file)
        }
        if let token = environment[environmentVariable], !token.isEmpty {
            return try parse(token, source: environmentVariable)
        }
        return AdminTokens([:])
    }

    private static func equalInConstantTime(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<max(x.count, y.count) {
            difference |= (index < x.count ? x[index] : 0) ^ (index < y.count ? y[index] : 0)
        }
        return difference == 0
    }
}

// MARK: - AdminTokenError

/// A token source that cannot be used; start-up stops with it.
public struct AdminTokenError: Error, Sendable, CustomStringConvertible {
    /// Why, naming the file or variable.
    public let reason: String

    /// Makes an error.
    public init(_ reason: String) { self.reason = reason }

    /// The reason.
    public var description: String { reason }
}

// MARK: - Operator

/// Who an admin request comes from: the name its bearer token is registered under.
public struct Operator: Sendable, Hashable {
    /// The operator's name; the audit log shows `operator:<name>`.
    public var name: String

    /// The actor the audit log records.
    public var actor: String { "operator:\(name)" }
}

// MARK: - AdminAuthenticator

/// hummingbird-auth's bearer authentication for the admin routes: a request whose `Authorization: Bearer <token>`
/// is one of ``AdminTokens`` is authenticated as its ``Operator``; any other goes on unauthenticated, and
/// ``RequireOperator`` answers it with 401.
struct AdminAuthenticator<Context: AuthRequestContext<Operator>>: AuthenticatorMiddleware {
    typealias Identity = Operator
    let tokens: AdminTokens

    func authenticate(request: Request, context: Context) async throws -> Operator? {
        guard let bearer = request.headers.bearer, let name = tokens.name(for: bearer.token) else { return nil }
        return Operator(name: name)
    }
}

/// Refuses a request no ``AdminAuthenticator`` authenticated: 401 with a `WWW-Authenticate: Bearer` header and a
/// JSON reason naming the fix; the route behind it never runs, so nothing changes.
struct RequireOperator<Context: AuthRequestContext<Operator>>: RouterMiddleware {
    let tokensConfigured: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.identity != nil else {
            let reason = tokensConfigured
                ? "a valid admin token is required: send Authorization: Bearer <token>"
                : "the admin API has no token: start serve with \(AdminTokens.environmentVariable) set or --admin-token-file"
            var response = JSONBody.response(["error": reason], status: .unauthorized)
            response.headers[.wwwAuthenticate] = "Bearer realm=\"flywheel\""
            return response
        }
        return try await next(request, context)
    }
}
