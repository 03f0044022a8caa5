import Foundation
import SFCore
import SFOutputs
import Synchronization
import Testing

struct AtomicFileWriterTests {
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sf-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
    }

    static func leftovers(_ directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".skyferry-") }
    }

    @Test("writes the file with the requested mode, creating parent directories")
    func writes() throws {
        let dir = try Self.temporaryDirectory()
        let path = dir + "/a/b/credentials"
        try AtomicFileWriter().write(Array("hello".utf8), to: path, mode: 0o640)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "hello")
        #expect(try Self.mode(path) == 0o640)
        #expect(try Self.leftovers(dir + "/a/b").isEmpty)
    }

    @Test("re-applies the mode on every write, even if someone changed it")
    func reappliesMode() throws {
        let dir = try Self.temporaryDirectory()
        let path = dir + "/credentials"
        try AtomicFileWriter().write(Array("one".utf8), to: path, mode: 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path)
        try AtomicFileWriter().write(Array("two".utf8), to: path, mode: 0o600)
        #expect(try Self.mode(path) == 0o600)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
    }

    @Test("replaces by rename: a reader holding the old file keeps reading the old contents")
    func renameSemantics() throws {
        let dir = try Self.temporaryDirectory()
        let path = dir + "/credentials"
        try AtomicFileWriter().write(Array("old".utf8), to: path, mode: 0o600)
        let handle = try #require(FileHandle(forReadingAtPath: path))
        let inodeBefore = try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int
        try AtomicFileWriter().write(Array("new".utf8), to: path, mode: 0o600)
        #expect(String(decoding: handle.readDataToEndOfFile(), as: UTF8.self) == "old")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.systemFileNumber] as? Int != inodeBefore)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
    }

    @Test(
        "a failing write leaves the old file intact and no temporary file",
        arguments: ["write", "fsync", "fchmod", "rename"]
    )
    func failureKeepsOldFile(failing step: String) throws {
        let dir = try Self.temporaryDirectory()
        let path = dir + "/credentials"
        try AtomicFileWriter().write(Array("good".utf8), to: path, mode: 0o600)

        var calls = FileSystemCalls.live
        let writes = Mutex(0)
        switch step {
        case "write":
            // The first write succeeds partially, the second fails: a half-written temp file exists at that point.
            calls.write = { fd, buffer in
                let n = writes.withLock { count in
                    count += 1
                    return count
                }
                if n == 1 { return FileSystemCalls.live.write(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<2])) }
                return -1
            }
        case "fsync": calls.fsync = { _ in -1 }
        case "fchmod": calls.fchmod = { _, _ in -1 }
        default: calls.rename = { _, _ in -1 }
        }
        calls.errno = { 28 }  // ENOSPC
        #expect(throws: FileWriteError.self) {
            try AtomicFileWriter(system: calls).write(Array("bad-and-long".utf8), to: path, mode: 0o600)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "good")
        #expect(try Self.leftovers(dir).isEmpty)
    }

    @Test("the error names the path, the step and the errno")
    func errorMessage() {
        let error = FileWriteError(path: "/x/credentials", step: "write", errno: 28)
        #expect(
            error.description
                == "cannot write /x/credentials (write): No space left on device. Check that the directory exists or"
                + " can be created, is writable by this user, and is not full."
        )
    }

    @Test("an unwritable directory fails without creating anything")
    func unwritableDirectory() throws {
        #expect(throws: FileWriteError.self) {
            try AtomicFileWriter().write([1], to: "/proc/skyferry-test/credentials", mode: 0o600)
        }
    }
}

struct AWSCredentialsFileRendererTests {
    @Test("renders the INI profile every AWS SDK reads")
    func golden() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: "secret/key+x",
            sessionToken: "token==",
            expiration: Date(timeIntervalSince1970: 1_414_191_623)
        )
        #expect(
            String(decoding: AWSCredentialsFileRenderer.render(credentials, profile: "archive"), as: UTF8.self) == """
                # Written by skyferry. Temporary credentials; they expire at 2014-10-24T23:00:23Z.
                [archive]
                aws_access_key_id = ASIAEXAMPLE
                aws_secret_access_key = secret/key+x
                aws_session_token = token==

                """
        )
    }

    @Test("the output plan carries path and mode, and never prints contents")
    func plan() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: "s",
            sessionToken: "t",
            expiration: Date(timeIntervalSince1970: 0)
        )
        let token = IdentityToken(value: "h.p.s", claims: JWTClaims())
        let outputs = OutputsConfiguration(
            awsCredentialsFile: .init(path: "/o/c", mode: 0o640),
            awsWebIdentityTokenFile: .init(path: "/o/t")
        )
        let target = TargetConfiguration(
            name: "s3",
            provider: .aws(AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/r")),
            outputs: outputs
        )
        let files = OutputPlan.files(
            for: target,
            source: .tokenFile(path: "/t"),
            outcome: ExchangeOutcome(credentials: .aws(credentials), identity: .token(token))
        )
        #expect(files.map(\.path) == ["/o/t", "/o/c"])
        #expect(files[1].mode == 0o640 && files[0].mode == 0o600)
        #expect(files[0].contents == Array("h.p.s".utf8))  // the raw JWT, no trailing newline
        #expect("\(files[1])" == "FileWrite(awsCredentialsFile → /o/c, 173 bytes, mode 640)")
    }
}

struct CredentialProcessRendererTests {
    @Test("renders credential_process JSON version 1 with a Z expiration")
    func golden() {
        let credentials = AWSCredentials(
            accessKeyID: "ASIAEXAMPLE",
            secretAccessKey: "se\"cret/+",
            sessionToken: "tok==",
            expiration: Date(timeIntervalSince1970: 1_414_191_623.9)
        )
        #expect(
            CredentialProcessRenderer.render(credentials)
                == #"{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"se\"cret/+","SessionToken":"tok==","#
                + #""Expiration":"2014-10-24T23:00:23Z"}"#
        )
    }
}
