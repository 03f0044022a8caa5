import Logging
import SFConsole
import Testing

struct StderrLogHandlerTests {
    static let time = "2027-01-15T08:00:00.123Z"

    @Test("text: time, level, message, then metadata sorted by key, quoted when needed")
    func text() {
        let line = StderrLogHandler.line(
            time: Self.time,
            level: .warning,
            message: "refresh failed",
            label: "skyferry",
            metadata: ["target.name": "s3", "error": "HTTP 503: try \"later\"", "attempt": "2", "k": "a=b"],
            format: .text
        )
        #expect(
            line == #"2027-01-15T08:00:00.123Z warning refresh failed attempt=2 error="HTTP 503: try \"later\"" "#
                + #"k="a=b" target.name=s3"# + "\n"
        )
    }

    @Test("json: one object per line with time, level, logger, message, then metadata sorted")
    func json() {
        let line = StderrLogHandler.line(
            time: Self.time,
            level: .info,
            message: "skyferry agent \"starting\"",
            label: "skyferry",
            metadata: ["version": "0.1.0", "mode": "once"],
            format: .json
        )
        #expect(
            line == #"{"time":"2027-01-15T08:00:00.123Z","level":"info","logger":"skyferry","#
                + #""message":"skyferry agent \"starting\"","mode":"once","version":"0.1.0"}"# + "\n"
        )
    }

    @Test("a line break in a value stays on one line")
    func newline() {
        let line = StderrLogHandler.line(
            time: Self.time,
            level: .error,
            message: "m",
            label: "l",
            metadata: ["error": "a\nb"],
            format: .text
        )
        #expect(line == "2027-01-15T08:00:00.123Z error m error=\"a\\nb\"\n")
    }

    @Test("metadata set on the handler is kept per key")
    func metadata() {
        var handler = StderrLogHandler(label: "skyferry", level: .debug, format: .json)
        handler[metadataKey: "server"] = "health"
        #expect(handler[metadataKey: "server"] == "health")
        #expect(handler.logLevel == .debug && handler.format == .json)
    }
}
