import Foundation
import SFAWS
import SFCore
import Testing

struct AWSSubjectTokenTests {
    static let audience =
        "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s"

    struct Token: Decodable, Equatable {
        struct Header: Decodable, Equatable {
            var key: String
            var value: String
        }
        var headers: [Header]
        var method: String
        var url: String
    }

    @Test("serializes a signed GetCallerIdentity with the target resource signed")
    func shape() throws {
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: "FAKESESSIONTOKEN",
            expiration: Date(timeIntervalSince1970: 2e9)
        )
        let date = Date(timeIntervalSince1970: 1_704_164_645)  // 2024-01-02T03:04:05Z
        let encoded = AWSSubjectToken.build(
            credentials: credentials,
            region: "us-east-1",
            targetResource: Self.audience,
            date: date
        )
        #expect(!encoded.contains("{") && encoded.hasPrefix("%7B%22headers%22%3A%20%5B"))
        let token = try JSONDecoder().decode(Token.self, from: Data(try #require(PercentEncoding.decode(encoded)).utf8))
        #expect(token.method == "POST")
        #expect(token.url == "https://sts.us-east-1.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15")
        #expect(
            token.headers.map(\.key) == [
                "Authorization", "host", "x-amz-date", "x-amz-security-token", "x-goog-cloud-target-resource",
            ]
        )
        #expect(token.headers[1].value == "sts.us-east-1.amazonaws.com" && token.headers[2].value == "20240102T030405Z")
        let authorization = token.headers[0].value
        #expect(
            authorization.hasPrefix(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/sts/aws4_request, "
                    + "SignedHeaders=host;x-amz-date;x-amz-security-token;x-goog-cloud-target-resource, Signature="
            )
        )
        // The signature is SigV4 of exactly this request: recompute it with the signer on the decoded parts.
        let request = HTTPRequest(
            method: "POST",
            endpoint: AWSSubjectToken.verificationEndpoint(region: "us-east-1"),
            query: "Action=GetCallerIdentity&Version=2011-06-15",
            headers: [("x-goog-cloud-target-resource", Self.audience)]
        )
        let expected = SigV4Signer(credentials: credentials, region: "us-east-1", service: "sts").signing(
            request,
            date: date
        ).authorization
        #expect(authorization == expected)
    }

    @Test("China regions verify against the .com.cn STS")
    func china() {
        #expect(AWSSubjectToken.verificationEndpoint(region: "cn-north-1").host == "sts.cn-north-1.amazonaws.com.cn")
    }

    @Test("as an AWSSubjectTokenSigner it signs the same token and is valid for 15 minutes")
    func signer() {
        let credentials = AWSCredentials(
            accessKeyID: "AKIDEXAMPLE",
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            sessionToken: "FAKESESSIONTOKEN",
            expiration: Date(timeIntervalSince1970: 2e9)
        )
        let date = Date(timeIntervalSince1970: 1_704_164_645)
        let signer: any AWSSubjectTokenSigner = AWSSubjectToken()
        #expect(
            signer.subjectToken(
                credentials: credentials,
                region: "us-east-1",
                targetResource: Self.audience,
                date: date
            )
                == AWSSubjectToken.build(
                    credentials: credentials,
                    region: "us-east-1",
                    targetResource: Self.audience,
                    date: date
                )
        )
        #expect(signer.validity == .seconds(900))
    }
}
