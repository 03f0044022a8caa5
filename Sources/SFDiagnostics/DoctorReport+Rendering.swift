import SFCore

extension DoctorReport {
    /// The human-readable report: one line per step, the cause and fix indented under anything not passing.
    public var text: String {
        var lines: [String] = []
        for target in targets {
            lines.append("target \"\(target.target)\" (\(target.provider))")
            lines.append(contentsOf: target.steps.flatMap(Self.lines))
        }
        if !agent.isEmpty {
            lines.append("agent")
            lines.append(contentsOf: agent.flatMap(Self.lines))
        }
        let failed = (targets.flatMap(\.steps) + agent).filter { $0.status == .fail }.count
        let warned = (targets.flatMap(\.steps) + agent).filter { $0.status == .warn }.count
        lines.append(
            passed
                ? "all checks passed\(warned > 0 ? " (\(warned) warning\(warned == 1 ? "" : "s"))" : "")"
                : "\(failed) check\(failed == 1 ? "" : "s") failed"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    private static func lines(_ step: DiagnosticStep) -> [String] {
        var lines = ["  \(step.status.mark) \(step.check): \(step.detail)"]
        if let cause = step.cause { lines.append("      cause: \(cause)") }
        if let fix = step.fix {
            let fixLines = fix.split(separator: "\n", omittingEmptySubsequences: false)
            lines.append("      fix: \(fixLines[0])")
            lines.append(contentsOf: fixLines.dropFirst().map { "        \($0)" })
        }
        return lines
    }

    /// `--output json`: `{"passed":…,"targets":[{"name","provider","passed","steps":[…]}],"agent":[…]}`.
    public var json: String {
        func step(_ s: DiagnosticStep) -> String {
            var fields = [
                ("check", JSONText.string(s.check)), ("status", JSONText.string(s.status.rawValue)),
                ("detail", JSONText.string(s.detail)),
            ]
            if let cause = s.cause { fields.append(("cause", JSONText.string(cause))) }
            if let fix = s.fix { fields.append(("fix", JSONText.string(fix))) }
            return "{" + fields.map { JSONText.string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
        }
        let targetsJSON = targets.map { t in
            "{\"name\":\(JSONText.string(t.target)),\"provider\":\(JSONText.string(t.provider)),\"passed\":\(t.passed),"
                + "\"steps\":[\(t.steps.map(step).joined(separator: ","))]}"
        }
        return
            "{\"passed\":\(passed),\"targets\":[\(targetsJSON.joined(separator: ","))],\"agent\":"
            + "[\(agent.map(step).joined(separator: ","))]}\n"
    }
}
