import Foundation
import SFAgent
import SFCore
import SFLocalEndpoints
import Synchronization
import Testing

struct GCPMetadataEmulatorTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let audience = "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/p/providers/k"

    static func emulator(
        serviceAccount: String? = "reader@my-project.iam.gserviceaccount.com",
        store: CredentialStore = CredentialStore(targets: ["gcs"]),
        idTokens: GCPMetadataEmulator.IDTokenIssuer? = { audience, full in "jwt-for-\(audience)-\(full)" }
    )
        -> GCPMetadataEmulator
    {
        GCPMetadataEmulator(
            target: "gcs",
            server: GCPMetadataServerOutputConfiguration(
                listen: ListenAddress(host: "127.0.0.1", port: 8989),
                projectId: "my-project"
            ),
            gcp: GCPTargetConfiguration(audience: audience, serviceAccount: serviceAccount),
            store: store,
            margin: .seconds(60),
            idTokens: serviceAccount == nil ? nil : idTokens
        )
    }

    static func get(
        _ emulator: GCPMetadataEmulator,
        _ path: String,
        query: String = "",
        headers: [String: String] = ["Metadata-Flavor": "Google"]
    ) async -> LocalResponse {
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
        #expect(
            await Self.get(emulator, Self.v1 + "project/project-id", headers: ["Metadata-Flavor": "google-ish"]).status
                == 403
        )
        #expect(
            await Self.get(
                emulator,
                Self.v1 + "project/project-id",
                headers: ["Metadata-Flavor": "Google", "X-Forwarded-For": "10.0.0.1"]
            ).status == 403
        )
        #expect(await Self.get(emulator, Self.v1 + "instance/zone").status == 404)
        #expect(
            await Self.get(emulator, Self.v1 + "instance/service-accounts/someone-else@x.iam.gserviceaccount.com/token")
                .status == 404
        )
    }

    @Test("account and project keys")
    func keys() async {
        let emulator = Self.emulator()
        #expect(await Self.get(emulator, Self.v1 + "project/project-id").body == "my-project")
        #expect(await Self.get(emulator, Self.v1 + "project/numeric-project-id").body == "123456")
        #expect(
            await Self.get(emulator, Self.v1 + "instance/service-accounts/").body
                == "default/\nreader@my-project.iam.gserviceaccount.com/\n"
        )
        #expect(
            await Self.get(emulator, Self.v1 + "instance/service-accounts/default/email").body
                == "reader@my-project.iam.gserviceaccount.com"
        )
        #expect(
            await Self.get(emulator, Self.v1 + "instance/service-accounts/default/scopes").body
                == "https://www.googleapis.com/auth/cloud-platform\n"
        )
        let info = await Self.get(emulator, Self.v1 + "instance/service-accounts/default/", query: "recursive=true")
        #expect(
            info
                == LocalResponse(
                    status: 200,
                    headers: [("Content-Type", "application/json"), ("Metadata-Flavor", "Google")],
                    body:
                        #"{"aliases":["default"],"email":"reader@my-project.iam.gserviceaccount.com","scopes":["http"#
                        + #"s://www.googleapis.com/auth/cloud-platform"]}"#
                )
        )
        let all = await Self.get(emulator, Self.v1 + "instance/service-accounts/", query: "recursive=true")
        #expect(all.body.hasPrefix(#"{"default":{"aliases":["default"],"#))
        // Without impersonation, GKE-style: the pool's identity, and no ID tokens.
        let federated = Self.emulator(serviceAccount: nil)
        #expect(
            await Self.get(federated, Self.v1 + "instance/service-accounts/default/email").body
                == "my-project.svc.id.goog"
        )
        #expect(
            await Self.get(federated, Self.v1 + "instance/service-accounts/default/identity", query: "audience=x")
                .status == 404
        )
    }

    @Test("access tokens with their remaining lifetime; 503 rather than an expired token")
    func token() async {
        let store = CredentialStore(targets: ["gcs"])
        let emulator = Self.emulator(store: store)
        let path = Self.v1 + "instance/service-accounts/default/token"
        #expect(
            await Self.get(emulator, path, query: "scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fcloud-platform")
                .status == 503
        )
        store.recordSuccess(
            "gcs",
            credentials: .gcp(GCPAccessToken(token: "ya29.token", expiration: Self.now.addingTimeInterval(1799.6))),
            at: Self.now
        )
        #expect(
            await Self.get(emulator, path).body
                == #"{"access_token":"ya29.token","expires_in":1799,"token_type":"Bearer"}"#
        )
        #expect(
            await Self.get(
                emulator,
                Self.v1 + "instance/service-accounts/reader@my-project.iam.gserviceaccount.com/token"
            ).status == 200
        )
        store.recordSuccess(
            "gcs",
            credentials: .gcp(GCPAccessToken(token: "ya29.old", expiration: Self.now.addingTimeInterval(10))),
            at: Self.now.addingTimeInterval(-3590)
        )
        #expect(await Self.get(emulator, path).status == 503)
    }

    @Test("ID tokens come from the issuer, with the audience and format asked for")
    func identity() async {
        let emulator = Self.emulator()
        let path = Self.v1 + "instance/service-accounts/default/identity"
        #expect(
            await Self.get(emulator, path, query: "audience=https%3A%2F%2Fsvc.example&format=full").body
                == "jwt-for-https://svc.example-true"
        )
        #expect(await Self.get(emulator, path).status == 400)
    }
}
