/// How `StderrLogHandler` writes a line: `time level message key=value…`, or one JSON object.
public enum LogFormat: String, CaseIterable, Sendable {
    case text, json
}
