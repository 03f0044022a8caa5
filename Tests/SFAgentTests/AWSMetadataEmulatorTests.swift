import Foundation
import SFAgent
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

struct AWSMetadataEmulatorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func emulator(_ store: CredentialStore) -> AWSMetadataEmulator {
        let counter = Mutex(0)
        let sessions = IMDSSessionTokens(
            makeToken: {
                let issued = counter.withLock { count in
                    count += 1
                    return count
                }
                return "session-\(issued)"
            },
            equals: { $0 == $1 }
        )
        return AWSMetadataEmulator(target: "gcs", store: store, margin: .seconds(60), sessions: sessions)
    }

    static func get(_ emulator: AWSMetadataEmulator, _ path: String, token: String? = "session-1") -> LocalResponse {
        emulator.respond(
            to: LocalRequest(path: path, headers: token.map { ["X-aws-ec2-metadata-token": $0] } ?? [:]),
            now: now
        )
    }

    @Test("IMDSv2: session token, region as a zone, the role and its credentials")
    func serves() {
        let store = CredentialStore(targets: ["gcs"])
        let emulator = Self.emulator(store)
        #expect(
            emulator.respond(
                to: LocalRequest(
                    method: "PUT",
                    path: "/latest/api/token",
                    headers: ["X-aws-ec2-metadata-token-ttl-seconds": "21600"]
                ),
                now: Self.now
            )
                == .text(200, "session-1")
        )
        #expect(
            emulator.respond(to: LocalRequest(method: "PUT", path: "/latest/api/token"), now: Self.now).status == 400
        )
        #expect(Self.get(emulator, "/latest/meta-data/placement/availability-zone").status == 503)
        let source = AWSCredentials(
            accessKeyID: "ASIASOURCEKEY",
            secretAccessKey: "s",
            sessionToken: "t",
            expiration: Self.now.addingTimeInterval(3600),
            assumedRoleARN: "arn:aws:sts::111122223333:assumed-role/eks-reader/botocore-session-1"
        )
        store.recordSuccess(
            "gcs",
            credentials: .gcp(GCPAccessToken(token: "ya29", expiration: Self.now.addingTimeInterval(3600))),
            identity: .aws(source, region: "eu-west-3"),
            at: Self.now
        )
        #expect(Self.get(emulator, "/latest/meta-data/placement/availability-zone") == .text(200, "eu-west-3a"))
        #expect(Self.get(emulator, "/latest/meta-data/iam/security-credentials") == .text(200, "eks-reader"))
        #expect(
            Self.get(emulator, "/latest/meta-data/iam/security-credentials/eks-reader")
                == .json(
                    200,
                    #"{"Code":"Success","LastUpdated":"2027-01-15T08:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIASO"#
                        + #"URCEKEY","SecretAccessKey":"s","Token":"t","Expiration":"2027-01-15T09:00:00Z"}"#
                )
        )
        #expect(Self.get(emulator, "/latest/meta-data/iam/security-credentials", token: nil).status == 401)
        #expect(Self.get(emulator, "/latest/meta-data/iam/security-credentials", token: "other").status == 401)
        #expect(
            emulator.respond(
                to: LocalRequest(
                    path: "/latest/meta-data/iam/security-credentials",
                    headers: ["X-aws-ec2-metadata-token": "session-1", "X-Forwarded-For": "10.1.1.1"]
                ),
                now: Self.now
            ).status == 403
        )
        #expect(Self.get(emulator, "/latest/user-data").status == 404)
    }
}
