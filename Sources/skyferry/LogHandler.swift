import ArgumentParser
import FoundationEssentials
import Logging
import SFCore
#if canImport(Glibc)
import Glibc
#endif

enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text, json
}

struct LogLevelArgument: ExpressibleByArgument, Sendable {
    var level: Logger.Level

    init(_ level: Logger.Level) { self.level = level }

    init?(argument: String) {
        guard let level = Logger.Level(rawValue: argument.lowercased()) else { return nil }
        self.level = level
    }

    static let info = LogLevelArgument(.info)
    static var allValueStrings: [String] { Logger.Level.allCases.map(\.rawValue) }
    var defaultValueDescription: String { level.rawValue }
}

/// Writes one line per event to stderr, as text (`time level message key=value…`) or JSON.
///
/// Messages and metadata never carry secrets: the agent's types redact themselves, and nothing logs
/// token or credential values. This handler only formats.
struct StderrLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let format: LogFormat
    let label: String

    init(label: String, level: Logger.Level, format: LogFormat) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let time = Timestamp.formatISO8601Milliseconds(Date())
        let line: String
        switch format {
        case .text:
            var text = "\(time) \(event.level.rawValue) \(event.message)"
            for key in merged.keys.sorted() {
                text += " \(key)=\(Self.quoteIfNeeded("\(merged[key]!)"))"
            }
            line = text + "\n"
        case .json:
            var fields = ["\"time\":\(Self.jsonString(time))", "\"level\":\(Self.jsonString(event.level.rawValue))",
                          "\"logger\":\(Self.jsonString(label))", "\"message\":\(Self.jsonString("\(event.message)"))"]
            for key in merged.keys.sorted() {
                fields.append("\(Self.jsonString(key)):\(Self.jsonString("\(merged[key]!)"))")
            }
            line = "{" + fields.joined(separator: ",") + "}\n"
        }
        Self.writeToStderr(line)
    }

    static func writeToStderr(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }

    static func quoteIfNeeded(_ value: String) -> String {
        value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) ? jsonString(value) : value
    }

    static func jsonString(_ value: String) -> String { JSONText.string(value) }
}
