import Foundation
import SFCore
import Testing

struct CommandExitStatusTests {
    /// The repository root, from this file's path (`Tests/SFCoreTests/…`).
    static let root: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The rows of the exit-code table in `docs/configuration.md`: `| \`N\` | meaning |`.
    static func documentedRows() throws -> [(code: Int32, meaning: String)] {
        let data = try #require(FileManager.default.contents(atPath: root + "/docs/configuration.md"))
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let heading = try #require(
            lines.firstIndex(of: "### Exit codes"),
            "docs/configuration.md has no ### Exit codes"
        )
        var rows: [(Int32, String)] = []
        for line in lines[heading...].drop(while: { !$0.hasPrefix("| code |") }).dropFirst(2) {
            guard line.hasPrefix("| `") else { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let code = try #require(Int32(cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))))
            rows.append((code, cells[1]))
        }
        return rows
    }

    @Test("the documentation's exit-code table is the enum, row for row")
    func documented() throws {
        let rows = try Self.documentedRows()
        #expect(rows.map(\.code) == CommandExitStatus.allCases.map(\.rawValue))
        #expect(rows.map(\.meaning) == CommandExitStatus.allCases.map(\.meaning))
    }

    @Test("the numbers are the command-line contract")
    func numbers() {
        #expect(CommandExitStatus.allCases.map(\.rawValue) == [0, 1, 2, 3, 4, 5, 6, 7, 64])
        #expect(Set(CommandExitStatus.allCases.map(\.meaning)).count == CommandExitStatus.allCases.count)
    }

    @Test(
        "a failed exchange's kind decides its status",
        arguments: [
            (FailureKind.source, CommandExitStatus.sourceFailed), (.rejected, .exchangeRejected),
            (.unavailable, .stsUnavailable), (.output, .outputFailed),
        ]
    )
    func kinds(kind: FailureKind, status: CommandExitStatus) {
        #expect(CommandExitStatus(kind) == status)
    }

    @Test("help text: each status with its meaning, in the order given")
    func help() {
        #expect(
            CommandExitStatus.helpText([.success, .failure, .configurationInvalid])
                == "Exit codes: 0 success; 1 a check failed (doctor), the URL did not answer HTTP 200 (probe), "
                + "or an unexpected error; 2 configuration or command-line value invalid (the message names the key)."
        )
    }
}
