import Foundation
import SFAgent
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

struct ContainerCredentialsEndpointTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func endpoint(_ store: CredentialStore) -> ContainerCredentialsEndpoint {
        ContainerCredentialsEndpoint(targets: ["s3", "logs"], store: store, margin: .seconds(60), tokenMatches: { $0 == "t0ken" })
    }

    static func request(_ path: String, authorization: String? = "t0ken", method: String = "GET") -> LocalRequest {
        LocalRequest(method: method, path: path, headers: authorization.map { ["Authorization": $0] } ?? [:])
    }

    @Test("serves the target's credentials in the SDKs' container-credentials shape")
    func serves() {
        let store = CredentialStore(targets: ["s3", "logs"])
        store.recordSuccess("s3", credentials: .aws(AWSCredentials(
            accessKeyID: "ASIAEXAMPLEKEY", secretAccessKey: "se\"cret", sessionToken: "session",
            expiration: Self.now.addingTimeInterval(3600), assumedRoleARN: "arn:aws:sts::111122223333:assumed-role/reader/s")), at: Self.now)
        let response = Self.endpoint(store).respond(to: Self.request("/v1/credentials/s3"), now: Self.now)
        #expect(response == .json(200, #"{"AccessKeyId":"ASIAEXAMPLEKEY","SecretAccessKey":"se\"cret","Token":"session","Expiration":"2027-01-15T09:00:00Z","AccountId":"111122223333"}"#))
    }

    @Test("401 without a token, 403 with a wrong one, 404 elsewhere, 503 with nothing valid — never empty credentials")
    func refusals() {
        let store = CredentialStore(targets: ["s3", "logs"])
        store.recordSuccess("logs", credentials: credentials(expiring: Self.now.addingTimeInterval(30)), at: Self.now.addingTimeInterval(-3570))
        let endpoint = Self.endpoint(store)
        #expect(endpoint.respond(to: Self.request("/v1/credentials/s3", authorization: nil), now: Self.now).status == 401)
        #expect(endpoint.respond(to: Self.request("/v1/credentials/s3", authorization: "guess"), now: Self.now).status == 403)
        #expect(endpoint.respond(to: Self.request("/v1/credentials/other"), now: Self.now) == .json(404,
            #"{"code":"NotFound","message":"no credentials are served at /v1/credentials/other; paths: /v1/credentials/logs, /v1/credentials/s3"}"#))
        #expect(endpoint.respond(to: Self.request("/v1/credentials/s3", method: "POST"), now: Self.now).status == 405)
        #expect(endpoint.respond(to: Self.request("/v1/credentials/s3"), now: Self.now) == .json(503,
            #"{"code":"CredentialsUnavailable","message":"target s3: no credentials yet; the agent keeps retrying (see its log and /readyz)"}"#))
        // 30 s left of a one-hour lifetime: inside the 60 s margin.
        #expect(endpoint.respond(to: Self.request("/v1/credentials/logs"), now: Self.now).status == 503)
    }
}

struct MetadataServerEmulatorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/p/providers/k"

    static func emulator(serviceAccount: String? = "reader@my-project.iam.gserviceaccount.com", store: CredentialStore = CredentialStore(targets: ["gcs"]),
                         idTokens: MetadataServerEmulator.IDTokenIssuer? = { audience, full in "jwt-for-\(audience)-\(full)" }) -> MetadataServerEmulator {
        MetadataServerEmulator(
            target: "gcs", server: GCPMetadataServerOutputConfiguration(listen: ListenAddress(host: "127.0.0.1", port: 8989), projectId: "my-project"),
            gcp: GCPTargetConfiguration(audience: audience, serviceAccount: serviceAccount), store: store, margin: .seconds(60),
            idTokens: serviceAccount == nil ? nil : idTokens)
    }

    static func get(_ emulator: MetadataServerEmulator, _ path: String, query: String = "", headers: [String: String] = ["Metadata-Flavor": "Google"]) async -> LocalResponse {
        await emulator.respond(to: LocalRequest(path: path, query: query, headers: headers), now: now)
    }

    static let v1 = "/computeMetadata/v1/"

    @Test("detection, flavor and X-Forwarded-For as the real server answers them")
    func guards() async {
        let emulator = Self.emulator()
        let root = await Self.get(emulator, "/", headers: [:])
        #expect(root.status == 200)
        #expect(root.headers.contains { $0.name == "Metadata-Flavor" && $0.value == "Google" })
        #expect(await Self.get(emulator, Self.v1 + "project/project-id", headers: [:]).status == 403)
        #expect(await Self.get(emulator, Self.v1 + "project/project-id", headers: ["Metadata-Flavor": "google-ish"]).status == 403)
        #expect(await Self.get(emulator, Self.v1 + "project/project-id", headers: ["Metadata-Flavor": "Google", "X-Forwarded-For": "10.0.0.1"]).status == 403)
        #expect(await Self.get(emulator, Self.v1 + "instance/zone").status == 404)
        #expect(await Self.get(emulator, Self.v1 + "instance/service-accounts/someone-else@x.iam.gserviceaccount.com/token").status == 404)
    }

    @Test("account and project keys")
    func keys() async {
        let emulator = Self.emulator()
        #expect(await Self.get(emulator, Self.v1 + "project/project-id").body == "my-project")
        #expect(await Self.get(emulator, Self.v1 + "project/numeric-project-id").body == "123456")
        #expect(await Self.get(emulator, Self.v1 + "instance/service-accounts/").body == "default/\nreader@my-project.iam.gserviceaccount.com/\n")
        #expect(await Self.get(emulator, Self.v1 + "instance/service-accounts/default/email").body == "reader@my-project.iam.gserviceaccount.com")
        #expect(await Self.get(emulator, Self.v1 + "instance/service-accounts/default/scopes").body == "https://www.googleapis.com/auth/cloud-platform\n")
        let info = await Self.get(emulator, Self.v1 + "instance/service-accounts/default/", query: "recursive=true")
        #expect(info == LocalResponse(status: 200, headers: [("Content-Type", "application/json"), ("Metadata-Flavor", "Google")],
            body: #"{"aliases":["default"],"email":"reader@my-project.iam.gserviceaccount.com","scopes":["https://www.googleapis.com/auth/cloud-platform"]}"#))
        let all = await Self.get(emulator, Self.v1 + "instance/service-accounts/", query: "recursive=true")
        #expect(all.body.hasPrefix(#"{"default":{"aliases":["default"],"#))
        // Without impersonation, GKE-style: the pool's identity, and no ID tokens.
        let federated = Self.emulator(serviceAccount: nil)
        #expect(await Self.get(federated, Self.v1 + "instance/service-accounts/default/email").body == "my-project.svc.id.goog")
        #expect(await Self.get(federated, Self.v1 + "instance/service-accounts/default/identity", query: "audience=x").status == 404)
    }

    @Test("access tokens with their remaining lifetime; 503 rather than an expired token")
    func token() async {
        let store = CredentialStore(targets: ["gcs"])
        let emulator = Self.emulator(store: store)
        let path = Self.v1 + "instance/service-accounts/default/token"
        #expect(await Self.get(emulator, path, query: "scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform").status == 503)
        store.recordSuccess("gcs", credentials: .gcp(GCPAccessToken(token: "ya29.token", expiration: Self.now.addingTimeInterval(1799.6))), at: Self.now)
        #expect(await Self.get(emulator, path).body == #"{"access_token":"ya29.token","expires_in":1799,"token_type":"Bearer"}"#)
        #expect(await Self.get(emulator, Self.v1 + "instance/service-accounts/reader@my-project.iam.gserviceaccount.com/token").status == 200)
        store.recordSuccess("gcs", credentials: .gcp(GCPAccessToken(token: "ya29.old", expiration: Self.now.addingTimeInterval(10))), at: Self.now.addingTimeInterval(-3590))
        #expect(await Self.get(emulator, path).status == 503)
    }

    @Test("ID tokens come from the issuer, with the audience and format asked for")
    func identity() async {
        let emulator = Self.emulator()
        let path = Self.v1 + "instance/service-accounts/default/identity"
        #expect(await Self.get(emulator, path, query: "audience=https%3A%2F%2Fsvc.example&format=full").body == "jwt-for-https://svc.example-true")
        #expect(await Self.get(emulator, path).status == 400)
    }
}

struct AWSMetadataEmulatorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func emulator(_ store: CredentialStore) -> AWSMetadataEmulator {
        let counter = Mutex(0)
        let sessions = IMDSSessionTokens(makeToken: { "session-\(counter.withLock { $0 += 1; return $0 })" },
                                         equals: { $0 == $1 })
        return AWSMetadataEmulator(target: "gcs", store: store, margin: .seconds(60), sessions: sessions)
    }

    static func get(_ emulator: AWSMetadataEmulator, _ path: String, token: String? = "session-1") -> LocalResponse {
        emulator.respond(to: LocalRequest(path: path, headers: token.map { ["X-aws-ec2-metadata-token": $0] } ?? [:]), now: now)
    }

    @Test("IMDSv2: session token, region as a zone, the role and its credentials")
    func serves() {
        let store = CredentialStore(targets: ["gcs"])
        let emulator = Self.emulator(store)
        #expect(emulator.respond(to: LocalRequest(method: "PUT", path: "/latest/api/token", headers: ["X-aws-ec2-metadata-token-ttl-seconds": "21600"]), now: Self.now)
            == .text(200, "session-1"))
        #expect(emulator.respond(to: LocalRequest(method: "PUT", path: "/latest/api/token"), now: Self.now).status == 400)
        #expect(Self.get(emulator, "/latest/meta-data/placement/availability-zone").status == 503)
        let source = AWSCredentials(accessKeyID: "ASIASOURCEKEY", secretAccessKey: "s", sessionToken: "t", expiration: Self.now.addingTimeInterval(3600),
                                    assumedRoleARN: "arn:aws:sts::111122223333:assumed-role/eks-reader/botocore-session-1")
        store.recordSuccess("gcs", credentials: .gcp(GCPAccessToken(token: "ya29", expiration: Self.now.addingTimeInterval(3600))),
                            identity: .aws(source, region: "eu-west-3"), at: Self.now)
        #expect(Self.get(emulator, "/latest/meta-data/placement/availability-zone") == .text(200, "eu-west-3a"))
        #expect(Self.get(emulator, "/latest/meta-data/iam/security-credentials") == .text(200, "eks-reader"))
        #expect(Self.get(emulator, "/latest/meta-data/iam/security-credentials/eks-reader") == .json(200,
            #"{"Code":"Success","LastUpdated":"2027-01-15T08:00:00Z","Type":"AWS-HMAC","AccessKeyId":"ASIASOURCEKEY","SecretAccessKey":"s","Token":"t","Expiration":"2027-01-15T09:00:00Z"}"#))
        #expect(Self.get(emulator, "/latest/meta-data/iam/security-credentials", token: nil).status == 401)
        #expect(Self.get(emulator, "/latest/meta-data/iam/security-credentials", token: "other").status == 401)
        #expect(emulator.respond(to: LocalRequest(path: "/latest/meta-data/iam/security-credentials",
                                                  headers: ["X-aws-ec2-metadata-token": "session-1", "X-Forwarded-For": "10.1.1.1"]), now: Self.now).status == 403)
        #expect(Self.get(emulator, "/latest/user-data").status == 404)
    }
}

struct ResidentMemoryTests {
    @Test("only clean, private, file-backed mappings are paged out")
    func mappings() {
        let maps = """
            55d0a0000000-55d0a0400000 r--p 00000000 fd:01 1234 /usr/local/bin/skyferry
            55d0a0400000-55d0a1000000 r-xp 00400000 fd:01 1234 /usr/local/bin/skyferry
            55d0a1000000-55d0a1010000 rw-p 01000000 fd:01 1234 /usr/local/bin/skyferry
            55d0a2000000-55d0a2100000 rw-p 00000000 00:00 0 [heap]
            7f0000000000-7f0000001000 r--s 00000000 00:05 77 /dev/shm/x
            7f0000100000-7f0000200000 r-xp 00000000 00:00 0
            7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0 [stack]
            """
        let ranges = ResidentMemory.cleanFileMappings(maps)
        #expect(ranges.map(\.start) == [0x55d0a0000000, 0x55d0a0400000])
        #expect(ranges.map(\.length) == [0x400000, 0xC00000])
        #expect(ranges.map(\.executable) == [false, true])
    }
}
