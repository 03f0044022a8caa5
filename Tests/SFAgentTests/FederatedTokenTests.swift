import Foundation
import SFCore
import SFLocalEndpoints
import Testing

/// `CredentialStore.federatedToken`: what the metadata emulation's ID-token issuer is authorized with.
struct FederatedTokenTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func store(_ credentials: IssuedCredentials?) -> CredentialStore {
        let store = CredentialStore(targets: ["gcs"])
        if let credentials { store.recordSuccess("gcs", credentials: credentials, at: now.addingTimeInterval(-60)) }
        return store
    }

    static func token(expiresIn seconds: Double, federated: String?, federatedExpiresIn: Double?) -> IssuedCredentials {
        .gcp(
            GCPAccessToken(
                token: "ya29.sa",
                expiration: now.addingTimeInterval(seconds),
                serviceAccount: "reader@p.iam.gserviceaccount.com",
                federatedToken: federated,
                federatedTokenExpiration: federatedExpiresIn.map { now.addingTimeInterval($0) }
            )
        )
    }

    @Test("the federated token while both it and the credentials are valid")
    func valid() throws {
        let store = Self.store(Self.token(expiresIn: 3000, federated: "federated", federatedExpiresIn: 600))
        #expect(try store.federatedToken("gcs", now: Self.now) == "federated")
    }

    @Test("a federated token without an expiry counts as valid with its credentials")
    func noExpiry() throws {
        let store = Self.store(Self.token(expiresIn: 3000, federated: "federated", federatedExpiresIn: nil))
        #expect(try store.federatedToken("gcs", now: Self.now) == "federated")
    }

    @Test(
        "none before the first exchange, without impersonation, past its expiry or the credentials'",
        arguments: [
            nil,
            FederatedTokenTests.token(expiresIn: 3000, federated: nil, federatedExpiresIn: nil),
            FederatedTokenTests.token(expiresIn: 3000, federated: "federated", federatedExpiresIn: 0),
            FederatedTokenTests.token(expiresIn: -1, federated: "federated", federatedExpiresIn: 600),
            .aws(
                AWSCredentials(
                    accessKeyID: "ASIA",
                    secretAccessKey: "s",
                    sessionToken: "t",
                    expiration: FederatedTokenTests.now.addingTimeInterval(3000)
                )
            ),
        ] as [IssuedCredentials?]
    )
    func unavailable(credentials: IssuedCredentials?) {
        #expect(throws: FederatedTokenError.unavailable(target: "gcs")) {
            try Self.store(credentials).federatedToken("gcs", now: Self.now)
        }
    }

    @Test("the message says why and for which target")
    func message() {
        #expect(
            FederatedTokenError.unavailable(target: "gcs").description
                == "target gcs holds no valid federated token yet (the first exchange has not succeeded, "
                + "or the last one expired)"
        )
    }
}
