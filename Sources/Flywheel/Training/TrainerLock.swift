#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Logging

// MARK: - TrainerLock

/// Makes the trainer one of a kind: an exclusive `flock` on a file beside its state store, held for the life of the
/// process. A second trainer started on the same state waits here — it stands by — and takes over when the first one
/// ends, however it ends (the kernel drops the lock of a killed process), from the state the first one saved.
public final class TrainerLock: Sendable {
    /// The lock file.
    public let path: String
    private let descriptor: Int32

    /// Takes the lock on `path`, waiting (polling every `poll`) while another process holds it.
    /// - Throws: ``TrainerLockError`` when the file cannot be opened; `CancellationError` when the task is cancelled
    ///   while it waits.
    public init(path: String, poll: Duration = .milliseconds(500), logger: Logger) async throws {
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw TrainerLockError(reason: "cannot open the trainer lock file \(path): \(String(cString: strerror(errno)))")
        }
        var announced = false
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if !announced {
                logger.notice("Another trainer holds the lock; standing by until it stops", metadata: ["flywheel.lock": "\(path)"])
                announced = true
            }
            do {
                try await Task.sleep(for: poll)
            } catch {
                close(descriptor)
                throw error
            }
        }
        if announced { logger.notice("Trainer lock taken; this trainer is now the active one", metadata: ["flywheel.lock": "\(path)"]) }
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}

// MARK: - TrainerLockError

/// The trainer's lock file cannot be opened.
public struct TrainerLockError: Error, Sendable, CustomStringConvertible {
    /// Why, naming the file.
    public var reason: String

    /// `TrainerLockError: <reason>`.
    public var description: String { "TrainerLockError: \(reason)" }
}
