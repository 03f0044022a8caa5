import FoundationEssentials
import SFCore

/// The STS `AssumeRoleWithWebIdentity` call: request building and response parsing, both pure.
public enum AssumeRoleWithWebIdentity {
    public static let apiVersion = "2011-06-15"

    /// An unsigned query-API form POST (the operation is modelled `noAuth`), parameters in botocore's order.
    public static func request(
        endpoint: Endpoint,
        roleArn: String,
        sessionName: String,
        token: IdentityToken,
        durationSeconds: Int?
    ) -> HTTPRequest {
        var fields: [(String, String)] = [
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", apiVersion),
            ("RoleArn", roleArn),
            ("RoleSessionName", sessionName),
            ("WebIdentityToken", token.value),
        ]
        if let durationSeconds { fields.append(("DurationSeconds", String(durationSeconds))) }
        return HTTPRequest(
            method: "POST",
            endpoint: endpoint,
            headers: [
                ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"),
                ("Accept", "text/xml"),
            ],
            body: Array(PercentEncoding.formBody(fields).utf8)
        )
    }

    /// Parses an STS response: credentials on 200, a typed `STSError` otherwise.
    ///
    /// Only `Credentials` is required; `SubjectFromWebIdentityToken`, `Audience`, `Provider` and even
    /// `AssumedRoleUser` are optional (moto omits the first three).
    public static func parse(status: Int, body: [UInt8], context: STSError.Context) throws(STSError) -> AWSCredentials {
        let root: XMLElement
        do {
            root = try XMLDocument.parse(body)
        } catch {
            throw .malformedResponse(context, status: status, reason: "not XML", underlying: error)
        }
        guard (200..<300).contains(status) else {
            throw errorResponse(root, status: status, context: context)
        }
        guard root.localName == "AssumeRoleWithWebIdentityResponse" else {
            throw .malformedResponse(
                context,
                status: status,
                reason: "root element is <\(root.name)>, not <AssumeRoleWithWebIdentityResponse>"
            )
        }
        guard let result = root.child("AssumeRoleWithWebIdentityResult"), let credentials = result.child("Credentials")
        else {
            throw .malformedResponse(
                context,
                status: status,
                reason: "no AssumeRoleWithWebIdentityResult/Credentials element"
            )
        }
        func required(_ name: String) throws(STSError) -> String {
            guard let value = credentials.text(at: name), !value.isEmpty else {
                throw .malformedResponse(context, status: status, reason: "Credentials/\(name) is missing or empty")
            }
            return value
        }
        let keyID = try required("AccessKeyId")
        let secret = try required("SecretAccessKey")
        let session = try required("SessionToken")
        let expirationText = try required("Expiration")
        guard let expiration = Timestamp.parseISO8601(expirationText) else {
            throw .malformedResponse(
                context,
                status: status,
                reason: "Credentials/Expiration \"\(expirationText)\" is not an ISO 8601 time"
            )
        }
        return AWSCredentials(
            accessKeyID: keyID,
            secretAccessKey: secret,
            sessionToken: session,
            expiration: expiration,
            assumedRoleARN: result.text(at: "AssumedRoleUser", "Arn")
        )
    }

    /// `<ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>`, or a bare `<Error>` root.
    static func errorResponse(_ root: XMLElement, status: Int, context: STSError.Context) -> STSError {
        let error: XMLElement? = root.localName == "Error" ? root : root.child("Error")
        guard let error, let code = error.text(at: "Code"), !code.isEmpty else {
            return .malformedResponse(context, status: status, reason: "HTTP \(status) without an AWS ErrorResponse")
        }
        let requestID = root.text(at: "RequestId") ?? error.text(at: "RequestId")
        return .service(
            context,
            status: status,
            code: code,
            message: error.text(at: "Message") ?? "",
            requestID: requestID
        )
    }
}
