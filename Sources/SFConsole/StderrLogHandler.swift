import FoundationEssentials
import Logging
import SFCore

/// Writes one line per event to stderr, as text (`time level message key=value…`) or JSON.
///
/// Messages and metadata never carry secrets: the agent's types redact themselves, and nothing logs
/// token or credential values. This handler only formats.
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public let format: LogFormat
    public let label: String

    public init(label: String, level: Logger.Level, format: LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let line = Self.line(
            time: Timestamp.formatISO8601Milliseconds(Date()),
            level: event.level,
            message: "\(event.message)",
            label: label,
            metadata: merged,
            format: format
        )
        StandardStream.write(line, to: .standardError)
    }

    /// One log line, newline included: metadata sorted by key; in text, values quoted when they hold a space,
    /// a quote, an `=` or a line break.
    public static func line(
        time: String,
        level: Logger.Level,
        message: String,
        label: String,
        metadata: Logger.Metadata,
        format: LogFormat
    ) -> String {
        switch format {
        case .text:
            var text = "\(time) \(level.rawValue) \(message)"
            for key in metadata.keys.sorted() {
                text += " \(key)=\(quoteIfNeeded("\(metadata[key]!)"))"
            }
            return text + "\n"
        case .json:
            var fields = [
                "\"time\":\(JSONText.string(time))", "\"level\":\(JSONText.string(level.rawValue))",
                "\"logger\":\(JSONText.string(label))", "\"message\":\(JSONText.string(message))",
            ]
            for key in metadata.keys.sorted() {
                fields.append("\(JSONText.string(key)):\(JSONText.string("\(metadata[key]!)"))")
            }
            return "{" + fields.joined(separator: ",") + "}\n"
        }
    }

    static func quoteIfNeeded(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) ? JSONText.string(value) : value
    }
}
