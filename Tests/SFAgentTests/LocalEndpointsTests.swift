import Foundation
import SFAgent
import SFConfiguration
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

/// Each server's whole request handling (`LocalEndpoints.Server.respond`), policy included, without a server stack.
struct LocalEndpointsTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/p/providers/k"

    /// Counts ID-token issuer calls (the IAM generateIdToken requests a real issuer would make).
    final class Calls: Sendable {
        let count = Mutex(0)
        func next() -> Int {
            count.withLock {
                $0 += 1
                return $0
            }
        }
        var value: Int { count.withLock { $0 } }
    }

    static func servers(idTokenCalls calls: Calls = Calls()) throws -> [String: LocalEndpoints.Server] {
        let configuration = try ConfigurationParser().parse(
            """
            source: {tokenFile: /t}
            health: {listen: "127.0.0.1:8686"}
            targets:
              - name: s3
                aws: {roleArn: "arn:aws:iam::111122223333:role/reader"}
                outputs: {awsContainerEndpoint: {listen: "127.0.0.1:9911", authTokenFile: /o/token}}
              - name: gcs
                gcp: {audience: "\(Self.audience)", serviceAccount: reader@p.iam.gserviceaccount.com}
                outputs: {gcpMetadataServer: {listen: "localhost:8989"}}
            """,
            origin: "c.yaml"
        )
        let imds = try ConfigurationParser().parse(
            """
            source: {aws: {region: us-east-1}}
            targets:
              - name: gcs
                gcp: {audience: "\(Self.audience)"}
                outputs: {gcpExternalAccountFile: {path: /o/gcp.json, imdsListen: "127.0.0.1:9912"}}
            """,
            origin: "c.yaml"
        )
        let store = CredentialStore(targets: ["s3", "gcs"])
        let counter = Mutex(0)
        let servers =
            LocalEndpoints.servers(
                configuration,
                store: store,
                authTokens: ["/o/token": "t0ken"],
                imdsSessionToken: { "unused" },
                equals: { $0 == $1 },
                idTokens: { _ in
                    { audience, _ in
                        let n = calls.next()
                        let claims = "{\"aud\":\"\(audience)\",\"iat\":1800000000,\"exp\":1800003600,\"n\":\(n)}"
                        return Data(#"{"alg":"RS256"}"#.utf8).base64EncodedString() + "."
                            + Data(claims.utf8).base64EncodedString()
                            + ".c2ln"
                    }
                }
            )
            + LocalEndpoints.servers(
                imds,
                store: store,
                authTokens: [:],
                imdsSessionToken: {
                    let issued = counter.withLock { count in
                        count += 1
                        return count
                    }
                    return "session-\(issued)"
                },
                equals: { $0 == $1 },
                idTokens: { _ in nil }
            )
            + [LocalEndpoints.health(configuration, store: store, metrics: AgentMetrics(targets: ["s3", "gcs"]))!]
        return Dictionary(uniqueKeysWithValues: servers.map { ($0.kind, $0) })
    }

    static func send(
        _ server: LocalEndpoints.Server,
        _ path: String,
        method: String = "GET",
        authority: String?,
        headers: [String: String] = [:],
        at now: Date = now
    ) async -> LocalResponse {
        await server.respond(LocalRequest(method: method, path: path, authority: authority, headers: headers), now)
    }

    static let paths = [
        "awsContainerEndpoint": "/v1/credentials/s3", "gcpMetadataServer": "/computeMetadata/v1/",
        "imds": "/latest/meta-data/iam/security-credentials", "health": "/healthz",
    ]

    @Test("every server refuses a foreign Host, browser requests and forwarded ones, each in its own error shape")
    func refusals() async throws {
        let servers = try Self.servers()
        #expect(Set(servers.keys) == Set(Self.paths.keys))
        for (kind, path) in Self.paths {
            let server = try #require(servers[kind])
            let port = server.address.port
            let good = ["Authorization": "t0ken", "Metadata-Flavor": "Google"]
            for (authority, method, extra) in [
                ("rebind.attacker.example", "GET", [:]), ("rebind.attacker.example:\(port)", "GET", [:]),
                ("127.0.0.1:\(port)", "OPTIONS", [:]), ("127.0.0.1:\(port)", "GET", ["Origin": "http://a.example"]),
                ("127.0.0.1:\(port)", "GET", ["Sec-Fetch-Site": "cross-site"]),
                ("127.0.0.1:\(port)", "GET", ["Forwarded": "for=1.2.3.4"]),
                ("127.0.0.1:\(port)", "GET", ["Via": "1.1 p"]),
                ("127.0.0.1:\(port)", "GET", ["X-Real-IP": "1.2.3.4"]),
            ] as [(String, String, [String: String])] {
                let response = await Self.send(
                    server,
                    path,
                    method: method,
                    authority: authority,
                    headers: good.merging(extra) { $1 }
                )
                #expect(response.status == 403, "\(kind) \(method) \(authority) \(extra)")
            }
            let missing = await Self.send(server, path, authority: nil, headers: good)
            #expect(missing.status == 400, "\(kind)")
            for authority in ["127.0.0.1", "127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"] {
                let response = await Self.send(server, path, authority: authority, headers: good)
                #expect(response.status != 403 && response.status != 400, "\(kind) \(authority)")
            }
        }
        let container = await Self.send(
            try #require(servers["awsContainerEndpoint"]),
            "/v1/credentials/s3",
            authority: "evil.example",
            headers: ["Authorization": "t0ken"]
        )
        #expect(
            container
                == .json(
                    403,
                    JSONText.object([
                        ("code", "Forbidden"),
                        (
                            "message",
                            "the Host header names another server (DNS rebinding?); accepted: 127.0.0.1, localhost, "
                                + "[::1], "
                                + "optionally with :9911"
                        ),
                    ])
                )
        )
        let metadata = await Self.send(try #require(servers["gcpMetadataServer"]), "/", authority: "evil.example:8989")
        #expect(metadata.status == 403)
        #expect(metadata.headers.contains { $0.name == "Metadata-Flavor" && $0.value == "Google" })
        let health = try #require(servers["health"])
        #expect(await Self.send(health, "/healthz", authority: "127.0.0.1:8686") == .text(200, "ok\n"))
    }

    @Test("IMDSv2: a fresh token per PUT, valid for its TTL; expired and unknown tokens get 401")
    func imdsSessions() async throws {
        let imds = try #require(try Self.servers()["imds"])
        func put(ttl: String, at now: Date = Self.now) async -> LocalResponse {
            await Self.send(
                imds,
                "/latest/api/token",
                method: "PUT",
                authority: "127.0.0.1:9912",
                headers: ["X-aws-ec2-metadata-token-ttl-seconds": ttl],
                at: now
            )
        }
        func get(_ token: String, at now: Date) async -> Int {
            await Self.send(
                imds,
                "/latest/meta-data/iam/security-credentials",
                authority: "127.0.0.1:9912",
                headers: ["X-aws-ec2-metadata-token": token],
                at: now
            ).status
        }
        #expect(await put(ttl: "60").body == "session-1")
        #expect(await put(ttl: "21600").body == "session-2")
        #expect(await put(ttl: "0").status == 400)
        #expect(await put(ttl: "21601").status == 400)
        // No source credentials in the store: a valid token gets past the session check to a 503.
        #expect(await get("session-1", at: Self.now.addingTimeInterval(59)) == 503)
        #expect(await get("session-1", at: Self.now.addingTimeInterval(60)) == 401)
        #expect(await get("session-2", at: Self.now.addingTimeInterval(60)) == 503)
        #expect(await get("session-3", at: Self.now) == 401)
    }

    @Test("ID tokens: twenty requests for one audience make one IAM call; another audience or format makes its own")
    func idTokenCache() async throws {
        let calls = Calls()
        let metadata = try #require(try Self.servers(idTokenCalls: calls)["gcpMetadataServer"])
        let path = "/computeMetadata/v1/instance/service-accounts/default/identity"
        var bodies = Set<String>()
        for second in 0..<20 {
            let response = await metadata.respond(
                LocalRequest(
                    path: path,
                    query: "audience=https%3A%2F%2Fsvc.example",
                    authority: "localhost:8989",
                    headers: ["Metadata-Flavor": "Google"]
                ),
                Self.now.addingTimeInterval(Double(second))
            )
            #expect(response.status == 200)
            bodies.insert(response.body)
        }
        #expect(bodies.count == 1)
        #expect(calls.value == 1)
        for query in ["audience=https%3A%2F%2Fsvc.example&format=full", "audience=https%3A%2F%2Fother.example"] {
            _ = await metadata.respond(
                LocalRequest(
                    path: path,
                    query: query,
                    authority: "localhost:8989",
                    headers: ["Metadata-Flavor": "Google"]
                ),
                Self.now
            )
        }
        #expect(calls.value == 3)
        // Within the expiry margin (60 s by default) of exp: minted again.
        _ = await metadata.respond(
            LocalRequest(
                path: path,
                query: "audience=https%3A%2F%2Fsvc.example",
                authority: "localhost:8989",
                headers: ["Metadata-Flavor": "Google"]
            ),
            Self.now.addingTimeInterval(3600 - 30)
        )
        #expect(calls.value == 4)
    }

    @Test("health: 404 elsewhere, 405 for other methods")
    func health() async throws {
        let health = try #require(try Self.servers()["health"])
        #expect(
            await Self.send(health, "/other", authority: "127.0.0.1:8686")
                == .text(404, "/other is not served here; paths: /healthz, /readyz, /metrics\n")
        )
        #expect(
            await Self.send(health, "/healthz", method: "POST", authority: "127.0.0.1:8686")
                == .text(405, "use GET\n")
        )
        #expect(await Self.send(health, "/readyz", authority: "127.0.0.1:8686").status == 503)
    }

    @Test("non-loopback container endpoints are listed for the start-up warning, with their Host names")
    func warnings() throws {
        let configuration = try ConfigurationParser().parse(
            """
            source: {tokenFile: /t}
            targets:
              - name: s3
                aws: {roleArn: "arn:aws:iam::111122223333:role/reader"}
                outputs:
                  awsContainerEndpoint:
                    {listen: "0.0.0.0:9911", authTokenFile: /o/token, allowNonLoopback: true, allowedHosts: [10.0.0.12]}
              - name: logs
                aws: {roleArn: "arn:aws:iam::111122223333:role/logs"}
                outputs:
                  awsContainerEndpoint:
                    listen: "0.0.0.0:9911"
                    authTokenFile: /o/token
                    allowNonLoopback: true
                    allowedHosts: [Pod.Example]
            """,
            origin: "c.yaml"
        )
        let warned = LocalEndpoints.nonLoopbackEndpoints(configuration)
        #expect(warned.map(\.listen) == [ListenAddress(host: "0.0.0.0", port: 9911)])
        #expect(warned.map(\.hosts) == [["127.0.0.1", "localhost", "::1", "0.0.0.0", "10.0.0.12", "pod.example"]])
    }
}
