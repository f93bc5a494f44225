import Foundation
import Logging
import ServiceLifecycle

// MARK: - ParentWatch

/// A service that returns once the process that started this one has exited, so that a `ServiceGroup` configured to
/// shut down when it returns (`successTerminationBehavior: .gracefullyShutdownGroup`) stops with its parent.
///
/// It watches `getppid()`: when the parent exits, the kernel gives this process a new parent (init or a
/// subreaper). Polling is used rather than `PR_SET_PDEATHSIG`, which fires when the parent's *thread* that started
/// the child exits — and the threads of Swift's and Dispatch's pools come and go.
struct ParentWatch<C: Clock>: Service where C.Duration == Duration {
    /// The parent's process id when the watch was made.
    let parent: pid_t
    /// How often to look.
    let interval: Duration
    /// The clock to wait on (tests drive their own).
    let clock: C
    /// Where to say why the process stops.
    let logger: Logger

    /// Watches the current parent, looking every `interval` on `clock`.
    init(interval: Duration = .milliseconds(500), clock: C, logger: Logger) {
        self.parent = getppid()
        self.interval = interval
        self.clock = clock
        self.logger = logger
    }

    /// Returns when the parent has exited, or on graceful shutdown or cancellation.
    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if getppid() != parent {
                    logger.notice("The parent process has exited; stopping", metadata: ["process.parent": "\(parent)"])
                    return
                }
                try await clock.sleep(for: interval)
            }
        }
    }
}
