import Logging

/// How the services log: swift-log to standard error (journald under systemd), at one level.
public enum ServiceLogging {
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
