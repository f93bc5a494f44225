import Logging

// MARK: - CommandLogging

/// Sets up swift-log once per process for a subcommand: lines to stderr, so stdout stays for results.
enum CommandLogging {
    /// Bootstraps swift-log with stderr output at `level` in `format` (plain lines, or one JSON object per line) and
    /// returns a logger.
    /// - Important: call once per process, from the subcommand's `run()` (swift-log allows one bootstrap).
    static func bootstrap(label: String, level: Logger.Level, format: LogFormat = .text) -> Logger {
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            case .json:
                return JSONLogHandler(label: label, level: level)
            }
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}
