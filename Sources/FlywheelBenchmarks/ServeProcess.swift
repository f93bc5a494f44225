import Foundation

// MARK: - ServeProcess

/// One `flywheel serve --role R` process of a `flywheel-bench loop` measurement, with what the kernel says it used:
/// CPU seconds (`/proc/<pid>/stat`, user + system, all threads) and resident memory (`/proc/<pid>/status`).
final class ServeProcess {
    /// The role it runs (inference, feedback, trainer).
    let role: String
    private let process = Process()

    /// Starts `flywheel serve` for `role` against `bootstrap` with `shadows` shadows (under `nice -n nice` when
    /// positive), its files under `directory`,
    /// its errors in `directory/<role>.log`. It stops when this benchmark exits (`--exit-with-parent`).
    init(
        executable: String, role: String, bootstrap: String, shadows: Int, schema: String, fetchWait: Int, nice: Int,
        directory: URL
    ) throws {
        self.role = role
        // With a niceness, through nice(1), which execs flywheel in the same process: the serving path first, learning
        // with the CPU left over.
        process.executableURL = URL(fileURLWithPath: nice > 0 ? "/usr/bin/nice" : executable)
        process.arguments = (nice > 0 ? ["-n", "\(nice)", executable] : []) + [
            "serve", "--bootstrap-servers", bootstrap, "--role", role, "--shadows", "\(shadows)", "--schema", schema,
            "--status-every", "0", "--exit-with-parent", "--log-level", "error", "--group-prefix", "bench", "--http", "127.0.0.1:0",
            "--registry", directory.appendingPathComponent("registry.sqlite").path,
            "--feedback-state", directory.appendingPathComponent("feedback.sqlite").path,
            "--trainer-state", directory.appendingPathComponent("trainer.sqlite").path,
            // The embedded broker answers a fetch only when fetch.wait.max.ms is over (LoopSettings.fetchWait).
            "--fetch-wait", "\(fetchWait)",
        ]
        process.standardOutput = FileHandle.nullDevice
        let log = directory.appendingPathComponent("\(role).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
    }

    /// Whether it is still running.
    var isRunning: Bool { process.isRunning }

    /// CPU seconds it has used so far.
    var cpuSeconds: Double { ProcessUsage.cpuSeconds(of: process.processIdentifier) }

    /// Resident memory in MiB.
    var residentMiB: Double { ProcessUsage.residentMiB(of: process.processIdentifier) }

    /// Stops it (SIGTERM: a graceful drain) and waits.
    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

// MARK: - ProcessUsage

/// What the kernel says a process has used (`/proc`, Linux).
enum ProcessUsage {
    /// User + system CPU seconds of `pid`, all threads (`/proc/<pid>/stat` fields 14 and 15).
    static func cpuSeconds(of pid: Int32) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // Fields after the command name start with the state (field 3): utime is the 12th of them, stime the 13th.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory of `pid` in MiB (`VmRSS` of `/proc/<pid>/status`).
    static func residentMiB(of pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes / 1024
    }
}
