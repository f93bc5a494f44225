import Foundation
import Testing

/// `flywheel broker --exit-with-parent` stops when the process that started it exits (as `flywheel-bench kafka`
/// starts it), and stays up while that process lives; without the flag it outlives its parent.
@Suite("flywheel broker --exit-with-parent")
struct BrokerExitWithParentTests {
    /// The `flywheel` binary built next to the test bundle.
    static let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("flywheel").path

    /// A shell that starts the broker in the background, writes its pid to a file, and becomes `sleep` until killed.
    /// Spawned and reaped with `posix_spawn`/`waitpid`: no pipes (a blocking read would tie up a thread of the
    /// test's cooperative pool), and no `Foundation.Process`, whose `waitUntilExit` hung when two tests ran
    /// processes at once.
    final class ShellParent {
        let shellPID: pid_t
        private var isReaped = false
        let pidFile: URL
        let bootstrapFile: URL

        init(brokerArguments: [String]) throws {
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("parent-\(UUID().uuidString)")
            bootstrapFile = base.appendingPathExtension("bootstrap")
            pidFile = base.appendingPathExtension("pid")
            let command = "\"$0\" broker --no-default-topics --bootstrap-file \"$1\" --log-level error "
                + brokerArguments.joined(separator: " ")
                + " </dev/null >/dev/null 2>&1 & echo $! > \"$2\"; exec sleep 600"
            let arguments = ["/bin/sh", "-c", command, BrokerExitWithParentTests.binary, bootstrapFile.path, pidFile.path]
            var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
            defer { for argument in cArguments { free(argument) } }
            var pid: pid_t = 0
            let status = posix_spawn(&pid, "/bin/sh", nil, nil, &cArguments, environ)
            guard status == 0 else { throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EINVAL) }
            shellPID = pid
        }

        /// Waits up to `timeout` for the broker to write its bootstrap address; returns its pid.
        func waitUntilServing(timeout: Duration = .seconds(20)) async throws -> pid_t? {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while ContinuousClock.now < deadline {
                if let text = try? String(contentsOf: bootstrapFile, encoding: .utf8), text.contains(":"),
                    let pidText = try? String(contentsOf: pidFile, encoding: .utf8),
                    let pid = pid_t(pidText.trimmingCharacters(in: .whitespacesAndNewlines))
                {
                    return pid
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return nil
        }

        /// Leaves nothing behind, whatever the test got to: ends the shell, kills a broker still running (it would
        /// hold the test's inherited output open), and removes the files.
        func cleanUp() {
            exitParent()
            if let text = try? String(contentsOf: pidFile, encoding: .utf8),
                let broker = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), processIsAlive(broker)
            {
                kill(broker, SIGKILL)
            }
            try? FileManager.default.removeItem(at: bootstrapFile)
            try? FileManager.default.removeItem(at: pidFile)
        }

        /// Ends the shell (the broker's parent) and reaps it; once.
        func exitParent() {
            guard !isReaped else { return }
            kill(shellPID, SIGKILL)
            var status: Int32 = 0
            _ = waitpid(shellPID, &status, 0)
            isReaped = true
        }
    }

    /// Waits up to `timeout` for `pid` to be gone.
    static func waitForExit(_ pid: pid_t, timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if !processIsAlive(pid) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return !processIsAlive(pid)
    }

    @Test func theBrokerStopsWhenItsParentExits() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the flywheel product first: \(Self.binary)")
        let parent = try ShellParent(brokerArguments: ["--exit-with-parent"])
        defer { parent.cleanUp() }
        let broker = try #require(try await parent.waitUntilServing(), "the broker did not start within 20 s")
        // It stays up while the parent lives (longer than a few of its 500 ms looks).
        try await Task.sleep(for: .seconds(2))
        #expect(processIsAlive(broker))
        parent.exitParent()
        let stopped = try await Self.waitForExit(broker, timeout: .seconds(10))
        #expect(stopped, "the broker (pid \(broker)) outlived its parent by 10 s")
    }

    @Test func withoutTheFlagTheBrokerOutlivesItsParent() async throws {
        let parent = try ShellParent(brokerArguments: [])
        defer { parent.cleanUp() }
        let broker = try #require(try await parent.waitUntilServing(), "the broker did not start within 20 s")
        parent.exitParent()
        try await Task.sleep(for: .seconds(2))
        #expect(processIsAlive(broker))
        kill(broker, SIGTERM)
        #expect(try await Self.waitForExit(broker, timeout: .seconds(10)), "the broker ignored SIGTERM for 10 s")
    }
}

/// Whether `pid` is a live process (not gone, not a zombie waiting for a reaper): its state in `/proc/<pid>/stat`,
/// read with `open`/`read` because /proc files report a size of 0.
func processIsAlive(_ pid: pid_t) -> Bool {
    let descriptor = open("/proc/\(pid)/stat", O_RDONLY)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    var buffer = [UInt8](repeating: 0, count: 512)
    let count = read(descriptor, &buffer, buffer.count)
    guard count > 0 else { return false }
    let stat = String(decoding: buffer[0..<count], as: UTF8.self)
    guard let paren = stat.lastIndex(of: ")"), stat.distance(from: paren, to: stat.endIndex) > 2 else { return false }
    let state = stat[stat.index(paren, offsetBy: 2)]
    return state != "Z" && state != "X"
}
