import Foundation
import SFCore
import Synchronization

/// A clock whose sleeps return at once and advance its time: retry loops run instantly and deterministically.
final class ImmediateClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private let current = Mutex(Instant(offset: .zero))
    let sleeps = Mutex<[Duration]>([])

    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        current.withLock { now in
            sleeps.withLock { $0.append(deadline.offset - now.offset) }
            if deadline > now { now = deadline }
        }
    }
}

struct StubSource: IdentityTokenSource {
    var origin: String { "stub" }
    func fetchToken() async throws -> IdentityToken {
        return IdentityToken(value: "h.p.s", claims: JWTClaims(subject: "system:serviceaccount:ns:sa"))
    }
}

struct ScriptedFailure: Error, ClassifiedFailure, CustomStringConvertible {
    var kind: FailureKind
    var mayPassWithFreshToken = false
    var description: String { "scripted \(kind)" }
}

/// Answers each exchange from a script; the last entry repeats.
final class ScriptedExchanger: CredentialExchanger, Sendable {
    let script: [Result<IssuedCredentials, ScriptedFailure>]
    let calls = Mutex(0)
    init(_ script: [Result<IssuedCredentials, ScriptedFailure>]) { self.script = script }
    var provider: String { "aws" }
    var endpointDescription: String { "https://sts.example/" }
    func exchange(_ identity: WorkloadIdentity) async throws -> IssuedCredentials {
        let index = calls.withLock { n in
            defer { n += 1 }
            return n
        }
        return try script[min(index, script.count - 1)].get()
    }
}

func credentials(expiring: Date) -> IssuedCredentials {
    .aws(
        AWSCredentials(
            accessKeyID: "ASIATEST",
            secretAccessKey: "secret",
            sessionToken: "session",
            expiration: expiring
        )
    )
}
