import ServiceLifecycle

// MARK: - SpecializedRoleService

/// A role's runner as a service, started from code that knows the runner's concrete type.
///
/// `ServiceGroup` runs its services through `any Service`, which reaches ``RoleRunner/run()`` through the generic
/// witness: the runner and everything it calls on its role — `decode`, `handle`, the feedback role's join state,
/// generic over its clock's instant — then run unspecialized (types passed as metadata, calls through witness tables,
/// generic metadata looked up for arrays of each batch's inputs). `perf` on the feedback process at max rate showed
/// only unspecialized symbols of the runner and the role, and ~5% of its samples in generic-metadata lookups. The
/// closure given here is written where the runner's type is concrete, so its direct call to `run()` lets the
/// optimizer specialize the whole chain for that type.
struct SpecializedRoleService: Service, CustomStringConvertible {
    /// The runner's own description (what `ServiceGroup` names in its logs).
    let description: String
    /// What the service does: `{ try await runner.run() }`, written where `runner`'s type is concrete.
    let body: @Sendable () async throws -> Void

    /// Runs `runner` through `body`, which must be `{ try await runner.run() }` written where its type is concrete.
    init<Role, C>(_ runner: RoleRunner<Role, C>, body: @escaping @Sendable () async throws -> Void) {
        description = String(describing: runner)
        self.body = body
    }

    /// Runs the role.
    func run() async throws { try await body() }
}
