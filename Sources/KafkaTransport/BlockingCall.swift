import Foundation
import ServiceLifecycle

// MARK: - BlockingCall

/// Runs blocking librdkafka calls on a thread of their own, so they never hold one of Swift's cooperative threads.
enum BlockingCall {
    /// Runs `body` on a new dedicated thread and suspends until it returns.
    /// - Parameters:
    ///   - name: the thread's name, for debuggers and `top -H`.
    ///   - body: the blocking work.
    /// - Returns: what `body` returns.
    /// - Throws: what `body` throws.
    static func run<T: Sendable>(
        name: String,
        _ body: @escaping @Sendable () throws(KafkaError) -> T
    ) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = name
            thread.start()
        }
        return try result.get()
    }
}

extension BlockingCall {
    /// Runs a client's poll loop on its own thread until it returns, asking it to stop on graceful shutdown or task
    /// cancellation: the shared body of ``KafkaProducer/run()`` and ``KafkaConsumer/run()``.
    /// - Parameters:
    ///   - name: the thread's name.
    ///   - requestStop: tells the loop to finish (it must then return soon).
    ///   - loop: the blocking poll loop.
    static func runUntilShutdown(
        name: String,
        requestStop: @escaping @Sendable () -> Void,
        loop: @escaping @Sendable () throws(KafkaError) -> Void
    ) async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await run(name: name, loop)
            } onCancel: {
                requestStop()
            }
        } onGracefulShutdown: {
            requestStop()
        }
    }
}

extension RDKafkaClient {
    /// Fetches cluster metadata on a thread of its own (see ``metadata(timeout:)``).
    func metadataOffThread(timeout: Duration) async throws(KafkaError) -> KafkaClusterMetadata {
        try await BlockingCall.run(name: "flywheel.kafka.metadata") { () throws(KafkaError) in
            try self.metadata(timeout: timeout)
        }
    }
}
