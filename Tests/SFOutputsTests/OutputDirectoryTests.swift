import Foundation
import SFCore
import SFOutputs
import Testing

/// Output directories: created 0750 at most, existing ones left alone, crash leftovers removed at start.
struct OutputDirectoryTests {
    /// One test, not parameterized: the umask is process-wide, so the cases must not run side by side.
    @Test("directories the writer creates are 0750, narrowed by the umask, never wider")
    func createdDirectoryMode() throws {
        for (umaskValue, expected) in [(mode_t(0o022), 0o750), (mode_t(0o077), 0o700), (mode_t(0o000), 0o750)] {
            let dir = try AtomicFileWriterTests.temporaryDirectory()
            let previous = umask(umaskValue)
            defer { umask(previous) }
            try AtomicFileWriter().write(Array("x".utf8), to: dir + "/a/b/credentials", mode: 0o600)
            #expect(try AtomicFileWriterTests.mode(dir + "/a") == expected, "umask \(String(umaskValue, radix: 8))")
            #expect(try AtomicFileWriterTests.mode(dir + "/a/b") == expected, "umask \(String(umaskValue, radix: 8))")
        }
    }

    @Test("an existing directory keeps its mode")
    func existingDirectoryUntouched() throws {
        let dir = try AtomicFileWriterTests.temporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: dir + "/shared",
            withIntermediateDirectories: false,
            attributes: [.posixPermissions: 0o775]
        )
        try AtomicFileWriter().write(Array("x".utf8), to: dir + "/shared/credentials", mode: 0o600)
        #expect(try AtomicFileWriterTests.mode(dir + "/shared") == 0o775)
    }

    @Test(
        "only the writer's own temporary names for that file count as leftovers",
        arguments: [
            (".credentials.skyferry-a1B2c3", true),
            (".credentials.skyferry-XXXXXX", true),
            (".credentials.skyferry-a1B2c", false),
            (".credentials.skyferry-a1B2c3d", false),
            (".credentials.skyferry-a1B2c.", false),
            (".credentials.skyferry-a1/2c3", false),
            (".config.skyferry-a1B2c3", false),
            ("credentials.skyferry-a1B2c3", false),
            (".credentials.bak", false),
            ("credentials", false),
        ]
    )
    func temporaryNames(candidate: String, matches: Bool) {
        #expect(AtomicFileWriter.isTemporary(candidate, for: "credentials") == matches)
    }

    @Test("removes leftover temporary files of the output and nothing else")
    func removesLeftovers() throws {
        let dir = try AtomicFileWriterTests.temporaryDirectory()
        let names = [
            ".credentials.skyferry-Ab12Cd", ".credentials.skyferry-zz99ZZ", ".credentials.skyferry-short",
            ".other.skyferry-Ab12Cd", "credentials", "notes.txt",
        ]
        for name in names {
            #expect(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("x".utf8)))
        }
        let removed = AtomicFileWriter().removeLeftovers(for: dir + "/credentials")
        #expect(removed.sorted() == [dir + "/.credentials.skyferry-Ab12Cd", dir + "/.credentials.skyferry-zz99ZZ"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
                == [".credentials.skyferry-short", ".other.skyferry-Ab12Cd", "credentials", "notes.txt"]
        )
        #expect(AtomicFileWriter().removeLeftovers(for: dir + "/missing/credentials") == [])
    }

    @Test("the paths a target may write, whatever the outcome")
    func outputPaths() {
        let outputs = OutputsConfiguration(
            awsCredentialsFile: .init(path: "/o/c"),
            awsWebIdentityTokenFile: .init(path: "/o/t"),
            gcpAccessTokenFile: .init(path: "/o/a"),
            gcpExternalAccountFile: .init(path: "/o/e.json", subjectTokenPath: "/o/s"),
            awsContainerEndpoint: .init(listen: ListenAddress(host: "127.0.0.1", port: 9911), authTokenFile: "/o/k")
        )
        let target = TargetConfiguration(name: "x", provider: .aws(.init(roleArn: "r")), outputs: outputs)
        #expect(OutputPlan.paths(for: target) == ["/o/t", "/o/s", "/o/e.json", "/o/a", "/o/c", "/o/k"])
    }
}
