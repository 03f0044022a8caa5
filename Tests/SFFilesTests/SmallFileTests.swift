import Foundation
import SFFiles
import Testing

struct SmallFileTests {
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("small-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("reads a whole file up to its limit, and refuses one byte more")
    func limit() throws {
        let path = try Self.file(Array(repeating: 0x61, count: 20_000))
        defer { unlink(path) }
        #expect(try SmallFile.read(path, limit: 20_000).count == 20_000)
        #expect(throws: SmallFileError.tooLarge(path: path, limit: 19_999)) { try SmallFile.read(path, limit: 19_999) }
    }

    @Test("a prefix read stops at its cap")
    func prefix() throws {
        let path = try Self.file(Array("0123456789".utf8))
        defer { unlink(path) }
        #expect(try SmallFile.readPrefix(path, maxBytes: 4) == Array("0123".utf8))
        #expect(try SmallFile.readPrefix(path, maxBytes: 100) == Array("0123456789".utf8))
    }

    @Test("a missing file keeps its errno")
    func missing() {
        #expect(throws: SmallFileError.unreadable(path: "/nonexistent/file", errno: ENOENT)) {
            try SmallFile.read("/nonexistent/file", limit: 10)
        }
        let error = SmallFileError.unreadable(path: "/nonexistent/file", errno: ENOENT)
        #expect(error.description == "cannot read /nonexistent/file: No such file or directory")
        #expect(error.errnoValue == ENOENT)
    }
}
