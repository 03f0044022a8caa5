import SFCore
import SFOutputs
import Testing

struct ExternalAccountRendererTests {
    static let audience =
        "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s"

    @Test("golden: token-file source with impersonation")
    func tokenFileImpersonation() {
        let target = GCPTargetConfiguration(
            audience: Self.audience,
            serviceAccount: "sa@proj.iam.gserviceaccount.com",
            lifetimeSeconds: 1800
        )
        #expect(
            ExternalAccountRenderer.render(
                target: target,
                subjectTokenType: ExternalAccountRenderer.jwtTokenType,
                credentialSourceFile: "/var/run/secrets/skyferry/token"
            ) == """
                {
                  "type": "external_account",
                  "audience": \
                "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s",
                  "subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
                  "token_url": "https://sts.googleapis.com/v1/token",
                  "service_account_impersonation_url": \
                "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/\
                sa@proj.iam.gserviceaccount.com:generateAccessToken",
                  "service_account_impersonation": {"token_lifetime_seconds": 1800},
                  "credential_source": {"file": "/var/run/secrets/skyferry/token", "format": {"type": "text"}},
                  "universe_domain": "googleapis.com"
                }

                """
        )
    }

    @Test("golden: aws source, endpoint overrides, no impersonation")
    func awsSource() throws {
        let target = GCPTargetConfiguration(
            audience: Self.audience,
            stsEndpoint: try Endpoint(parsing: "http://127.0.0.1:5010/v1/token")
        )
        #expect(
            ExternalAccountRenderer.render(
                target: target,
                subjectTokenType: ExternalAccountRenderer.subjectTokenType(for: .aws(.init())),
                credentialSourceFile: "/out/gcp.json.subject-token"
            ) == """
                {
                  "type": "external_account",
                  "audience": \
                "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s",
                  "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
                  "token_url": "http://127.0.0.1:5010/v1/token",
                  "credential_source": {"file": "/out/gcp.json.subject-token", "format": {"type": "text"}},
                  "universe_domain": "googleapis.com"
                }

                """
        )
    }
}

struct ExternalAccountAWS1Tests {
    @Test("golden: aws source served on loopback IMDS (environment_id aws1)")
    func aws1() {
        let target = GCPTargetConfiguration(audience: ExternalAccountRendererTests.audience)
        #expect(
            ExternalAccountRenderer.render(
                target: target,
                subjectTokenType: ExternalAccountRenderer.awsTokenType,
                credentialSource: .aws1(baseURL: "http://127.0.0.1:9912")
            ) == """
                {
                  "type": "external_account",
                  "audience": \
                "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s",
                  "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
                  "token_url": "https://sts.googleapis.com/v1/token",
                  "credential_source": {"environment_id": "aws1", "region_url": \
                "http://127.0.0.1:9912/latest/meta-data/placement/availability-zone", "url": \
                "http://127.0.0.1:9912/latest/meta-data/iam/security-credentials", "regional_cred_verification_url": \
                "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15", \
                "imdsv2_session_token_url": "http://127.0.0.1:9912/latest/api/token"},
                  "universe_domain": "googleapis.com"
                }

                """
        )
    }
}
