import Foundation
import SFAWS
import SFConfiguration
import SFCore
import SFDiagnostics
import SFGCP
import Testing

struct DoctorChecksTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let issuer = "https://oidc.example.com/clusters/prod"
    static let claims = JWTClaims(
        issuer: issuer,
        subject: "system:serviceaccount:shop:api",
        audiences: ["sts.amazonaws.com"],
        expiresAt: now.addingTimeInterval(3000),
        issuedAt: now.addingTimeInterval(-600)
    )
    static let aws = ProviderConfiguration.aws(
        AWSTargetConfiguration(roleArn: "arn:aws:iam::123456789012:role/shop-api", region: "eu-west-1")
    )
    static let gcpAudience =
        "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/skyferry/providers/eks-prod"
    static let gcp = ProviderConfiguration.gcp(
        GCPTargetConfiguration(audience: gcpAudience, serviceAccount: "sa@p.iam.gserviceaccount.com")
    )

    @Test("claims are shown, never the token")
    func claimsShown() {
        let step = DoctorChecks.claims(Self.claims)
        #expect(step.status == .pass)
        #expect(
            step.detail
                == "iss=https://oidc.example.com/clusters/prod sub=system:serviceaccount:shop:api "
                + "aud=sts.amazonaws.com iat=2027-01-15T07:50:00Z exp=2027-01-15T08:50:00Z"
        )
    }

    @Test("a token without aud fails with what to use instead")
    func claimsMissing() {
        var claims = Self.claims
        claims.audiences = []
        let step = DoctorChecks.claims(claims)
        #expect(step.status == .fail && step.cause?.contains("aud") == true && step.fix != nil)
    }

    @Test(
        "expired, about to expire, issued in the future, valid",
        arguments: [
            (-10.0, -600.0, DiagnosticStatus.fail), (200, -600, .warn), (3000, 600, .fail), (3000, -600, .pass),
        ]
    )
    func expiry(left: Double, issuedOffset: Double, status: DiagnosticStatus) {
        var claims = Self.claims
        claims.expiresAt = Self.now.addingTimeInterval(left)
        claims.issuedAt = Self.now.addingTimeInterval(issuedOffset)
        let step = DoctorChecks.expiry(claims, now: Self.now)
        #expect(step.status == status)
        if status != .pass { #expect(step.fix != nil) }
    }

    @Test("an AWS audience other than sts.amazonaws.com warns with the provider command")
    func awsAudience() {
        #expect(DoctorChecks.audience(Self.claims, provider: Self.aws).status == .pass)
        var claims = Self.claims
        claims.audiences = ["api"]
        let step = DoctorChecks.audience(claims, provider: Self.aws)
        #expect(step.status == .warn)
        #expect(
            step.fix?.contains(
                "add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "
                    + "arn:aws:iam::123456789012:oidc-provider/oidc.example.com/clusters/prod --client-id api"
            ) == true
        )
    }

    @Test("a GCP token must carry the provider's https: audience")
    func gcpAudience() {
        var claims = Self.claims
        claims.audiences = ["https:" + Self.gcpAudience]
        #expect(DoctorChecks.audience(claims, provider: Self.gcp).status == .pass)
        claims.audiences = ["sts.amazonaws.com"]
        let step = DoctorChecks.audience(claims, provider: Self.gcp)
        #expect(step.status == .warn && step.fix?.contains("https:" + Self.gcpAudience) == true)
    }

    static func record(skew: Double) -> HTTPExchangeRecord {
        let server = now.addingTimeInterval(skew)
        return HTTPExchangeRecord(
            url: "https://sts.eu-west-1.amazonaws.com/",
            status: 200,
            dateHeader: httpDate(server),
            start: now,
            end: now
        )
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    @Test(
        "clock skew passes, warns, then fails",
        arguments: [(0.0, DiagnosticStatus.pass), (120, .warn), (-900, .fail)]
    )
    func clock(skew: Double, status: DiagnosticStatus) {
        let step = DoctorChecks.clock([Self.record(skew: skew)], warningSeconds: 60)
        #expect(step.status == status)
    }

    @Test("NO_PROXY matches hosts and domain suffixes as curl does")
    func noProxy() {
        #expect(DoctorChecks.bypassesProxy(host: "sts.amazonaws.com", noProxy: "localhost,.amazonaws.com"))
        #expect(DoctorChecks.bypassesProxy(host: "127.0.0.1", noProxy: "127.0.0.1"))
        #expect(!DoctorChecks.bypassesProxy(host: "sts.googleapis.com", noProxy: "amazonaws.com"))
        #expect(DoctorChecks.bypassesProxy(host: "x", noProxy: "*"))
        let step = DoctorChecks.proxy(
            ProxySettings(httpsProxy: "http://u:secret@proxy:3128"),
            endpoint: Endpoint(scheme: .https, host: "sts.amazonaws.com")
        )
        #expect(step.detail.contains("u:***@proxy") && !step.detail.contains("secret"))
    }

    @Test("the proxy step shows the transport's route with proxy credentials masked in every form")
    func proxyRoute() {
        let sts = Endpoint(scheme: .https, host: "sts.amazonaws.com")
        #expect(
            DoctorChecks.proxy(ProxySettings(httpsProxy: "user:pass@proxy:3128"), endpoint: sts).detail
                == "via user:***@proxy:3128 to sts.amazonaws.com (NO_PROXY=-)"
        )
        #expect(
            DoctorChecks.proxy(ProxySettings(allProxy: "http://tok%40en@proxy"), endpoint: sts).detail
                == "via http://***@proxy to sts.amazonaws.com (NO_PROXY=-)"
        )
        #expect(
            DoctorChecks.proxy(
                ProxySettings(httpsProxy: "http://u:p@proxy", noProxy: ""),
                endpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 8080)
            ).detail
                == "direct connection to 127.0.0.1:8080 (loopback, link-local and metadata hosts are never proxied)"
        )
        #expect(
            DoctorChecks.proxy(
                ProxySettings(httpsProxy: "http://u:p@proxy", noProxy: "10.0.0.0/8"),
                endpoint: Endpoint(scheme: .https, host: "10.1.2.3")
            ).detail
                == "direct connection to 10.1.2.3 (NO_PROXY=10.0.0.0/8)"
        )
    }

    @Test("output directories must exist and be writable, and the path must not be a directory")
    func outputs() {
        #expect(
            DoctorChecks.outputPath(
                key: "awsCredentialsFile.path",
                path: "/out/credentials",
                state: .init(directoryExists: false, directoryWritable: false),
                mode: 0o600
            ).status == .fail
        )
        let readOnly = DoctorChecks.outputPath(
            key: "awsCredentialsFile.path",
            path: "/out/credentials",
            state: .init(directoryExists: true, directoryWritable: false),
            mode: 0o600
        )
        #expect(readOnly.status == .fail && readOnly.detail.contains("not writable"))
        #expect(
            DoctorChecks.outputPath(
                key: "k",
                path: "/out/c",
                state: .init(directoryExists: true, directoryWritable: true, existingMode: 0o644),
                mode: 0o600
            ).detail
                == "/out/c: directory writable, exists with mode 0644 (rewritten as 0600)"
        )
        #expect(
            DoctorChecks.outputPath(
                key: "k",
                path: "/out/c",
                state: .init(directoryExists: true, directoryWritable: true, isDirectory: true),
                mode: 0o600
            ).status == .fail
        )
    }

    @Test("AccessDenied names the trust policy and prints the whole policy this token needs")
    func accessDenied() throws {
        let context = STSError.Context(
            roleArn: "arn:aws:iam::123456789012:role/shop-api",
            endpoint: "https://sts.eu-west-1.amazonaws.com/",
            claims: Self.claims
        )
        let error = STSError.service(
            context,
            status: 403,
            code: "AccessDenied",
            message: "Not authorized to perform sts:AssumeRoleWithWebIdentity",
            requestID: nil
        )
        let step = DoctorChecks.exchangeFailed(error, provider: Self.aws)
        #expect(step.status == .fail)
        #expect(
            step.detail
                == "AWS STS answered AccessDenied (HTTP 403): Not authorized to perform sts:AssumeRoleWithWebIdentity"
        )
        #expect(step.cause == "the role's trust policy does not allow this token's issuer, sub or aud")
        let fix = try #require(step.fix)
        #expect(
            fix.contains(
                "oidc.example.com/clusters/prod:sub = system:serviceaccount:shop:api and "
                    + "oidc.example.com/clusters/prod:aud = sts.amazonaws.com"
            )
        )
        let document = try #require(fix.firstRange(of: "{").map { String(fix[$0.lowerBound...]) })
        let policy = try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
        let equals =
            ((policy["Statement"] as? [[String: Any]])?.first?["Condition"] as? [String: Any])?["StringEquals"]
            as? [String: String]
        #expect(
            equals == [
                "oidc.example.com/clusters/prod:sub": "system:serviceaccount:shop:api",
                "oidc.example.com/clusters/prod:aud": "sts.amazonaws.com",
            ]
        )
    }

    @Test(
        "AWS rejections map to their causes",
        arguments: [
            (
                "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider",
                "IAM could not fetch the issuer's OpenID configuration or JWKS"
            ),
            (
                "InvalidIdentityToken", "Incorrect token audience",
                "the token's aud is not a client ID (audience) of the account's IAM OIDC provider"
            ),
            ("ExpiredTokenException", "Token expired", "the identity token had expired when STS checked it"),
            ("IDPRejectedClaim", "Rejected claims", "the identity provider rejected a claim of the token"),
        ]
    )
    func awsCauses(code: String, message: String, cause: String) {
        let context = STSError.Context(
            roleArn: "arn:aws:iam::123456789012:role/shop-api",
            endpoint: "https://sts/",
            claims: Self.claims
        )
        let step = DoctorChecks.exchangeFailed(
            STSError.service(context, status: 400, code: code, message: message, requestID: nil),
            provider: Self.aws
        )
        #expect(step.cause == cause)
        #expect(step.fix != nil)
    }

    @Test(
        "GCP rejections map to their causes, with the principal to bind",
        arguments: [
            (
                "invalid_grant", "The audience in ID Token [x] does not match the expected audience.",
                "the token's aud is not among the provider's allowed audiences"
            ),
            (
                "unauthorized_client", "The given credential is rejected by the attribute condition.",
                "the provider's attribute condition rejects this identity"
            ),
            (
                "invalid_target", "The target service indicated by the \"audience\" parameters is invalid.",
                "the pool or provider does not exist or is disabled"
            ),
            (
                "invalid_grant", "Couldn't retrieve verification key",
                "the provider cannot verify the token's signature with the issuer's JWKS"
            ),
        ]
    )
    func gcpCauses(error: String, description: String, cause: String) {
        let context = GCPError.Context(
            audience: Self.gcpAudience,
            serviceAccount: nil,
            endpoint: "https://sts.googleapis.com/v1/token",
            subject: "system:serviceaccount:shop:api",
            issuer: Self.issuer,
            tokenAudiences: ["x"]
        )
        let step = DoctorChecks.exchangeFailed(
            GCPError.sts(context, status: 400, error: error, description: description),
            provider: Self.gcp
        )
        #expect(step.cause == cause)
        #expect(step.fix != nil)
    }

    @Test("IAM PERMISSION_DENIED names roles/iam.workloadIdentityUser and the principal")
    func iamDenied() {
        let context = GCPError.Context(
            audience: Self.gcpAudience,
            serviceAccount: "sa@p.iam.gserviceaccount.com",
            endpoint: "https://iamcredentials",
            subject: "system:serviceaccount:shop:api",
            issuer: Self.issuer,
            tokenAudiences: []
        )
        let step = DoctorChecks.exchangeFailed(
            GCPError.iam(context, status: 403, message: "Permission denied", reason: "PERMISSION_DENIED"),
            provider: Self.gcp
        )
        #expect(
            step.fix
                == "Grant the federated identity roles/iam.workloadIdentityUser on the service account: gcloud iam "
                + "service-accounts add-iam-policy-binding sa@p.iam.gserviceaccount.com "
                + "--role=roles/iam.workloadIdentityUser "
                + "--member=principal://iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools"
                + "/skyferry/subject/system:serviceaccount:shop:api"
        )
    }

    @Test("the report passes with warnings, fails on any failure, and renders both ways")
    func report() throws {
        let ok = DoctorReport(targets: [
            TargetDiagnosis(
                target: "s3",
                provider: "aws",
                steps: [
                    .pass("source", "read"), DiagnosticStep(check: "clock", status: .warn, detail: "skew", fix: "sync"),
                ]
            )
        ])
        #expect(ok.passed)
        #expect(
            ok.text
                == "target \"s3\" (aws)\n  ✓ source: read\n  ! clock: skew\n      fix: sync\nall checks passed (1 "
                + "warning)\n"
        )
        let bad = DoctorReport(
            targets: ok.targets,
            agent: [
                DoctorChecks.listen(
                    key: "health.listen",
                    address: ListenAddress(host: "127.0.0.1", port: 8686),
                    bindError: "Address already in use"
                )
            ]
        )
        #expect(!bad.passed)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bad.json.utf8)) as? [String: Any])
        #expect(json["passed"] as? Bool == false)
    }

    @Test("an address in use passes when the running agent answers at its health address, and fails otherwise")
    func listenNextToTheAgent() {
        let address = ListenAddress(host: "127.0.0.1", port: 9911)
        let health = ListenAddress(host: "127.0.0.1", port: 8686)
        let held = DoctorChecks.listen(
            key: "targets[0].outputs.awsContainerEndpoint.listen",
            address: address,
            bindError: "Address already in use",
            runningAgent: health
        )
        #expect(
            held
                == .pass(
                    "listen targets[0].outputs.awsContainerEndpoint.listen",
                    "127.0.0.1:9911 is in use by the running agent (its health endpoint answers at 127.0.0.1:8686)"
                )
        )
        let taken = DoctorChecks.listen(
            key: "targets[0].outputs.awsContainerEndpoint.listen",
            address: address,
            bindError: "Address already in use"
        )
        #expect(taken.status == .fail && taken.detail == "cannot bind 127.0.0.1:9911: Address already in use")
    }

    @Test("every listen address the agent binds is checked once, named by its key")
    func listenAddresses() throws {
        let configuration = try ConfigurationParser().parse(
            """
            source: {tokenFile: /t}
            health: {listen: "127.0.0.1:8686"}
            targets:
              - name: a
                aws: {roleArn: "arn:aws:iam::123456789012:role/a"}
                outputs:
                  awsContainerEndpoint: {listen: "127.0.0.1:9911", authTokenFile: /o/auth}
              - name: b
                aws: {roleArn: "arn:aws:iam::123456789012:role/b"}
                outputs:
                  awsContainerEndpoint: {listen: "127.0.0.1:9911", authTokenFile: /o/auth}
              - name: g
                gcp: {audience: "\(Self.gcpAudience)"}
                outputs:
                  gcpMetadataServer: {listen: "127.0.0.1:8989"}
            """,
            origin: "c.yaml"
        )
        let found = DoctorChecks.listenAddresses(configuration).map { "\($0.key)=\($0.address)" }
        #expect(
            found == [
                "health.listen=127.0.0.1:8686", "targets[0].outputs.awsContainerEndpoint.listen=127.0.0.1:9911",
                "targets[2].outputs.gcpMetadataServer.listen=127.0.0.1:8989",
            ]
        )
    }
}
