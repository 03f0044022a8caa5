import Foundation
import SFWebhook
import Testing

struct AdmissionReviewTests {
    static let handler = AdmissionHandler(
        mutator: PodMutator(
            agent: AgentContainerConfiguration(image: "ghcr.io/example/skyferry:0.1.0"),
            nativeSidecars: true
        )
    )

    static func review(
        _ object: String,
        uid: String = "705ab4f5-6393-11e8-b7cc-42010a800002",
        kind: String = "Pod",
        operation: String = "CREATE"
    ) -> [UInt8] {
        Array(
            (#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"\#(uid)","kind":{"group"#
                + #"":"","version":"v1","kind":"\#(kind)"},"operation":"\#(operation)","namespace":"shop","object""#
                + #":\#(object)}}"#)
                .utf8
        )
    }

    @Test("the Kubernetes round-trip fixture decodes (every field set)")
    func kubernetesFixture() throws {
        // shared/vectors/k8s/admission.k8s.io.v1.AdmissionReview.roundtrip.json, copied from kubernetes/api@10b39a3
        // (Apache-2.0).
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Fixtures/kubernetes-api/admission.k8s.io.v1.AdmissionReview.json"
        )
        let request = try AdmissionRequest(decoding: [UInt8](Data(contentsOf: url)))
        #expect(request.uid == "uidValue")
        #expect(request.kind == "kindValue")
        #expect(request.operation == "operationValue")
        #expect(request.namespace == "namespaceValue")
        #expect(request.dryRun)
        #expect(request.object?["kind"] == "CustomType")
        // Not a pod creation: admitted unchanged, uid echoed.
        let answer = Self.handler.handle(body: [UInt8](try Data(contentsOf: url)))
        #expect(answer.status == 200)
        #expect(
            answer.body
                == #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"uidValue","allo"#
                + #"wed":true}}"#
        )
    }

    @Test("a pod without the label is allowed without a patch, echoing the uid")
    func unlabelled() {
        let answer = Self.handler.handle(
            body: Self.review(
                #"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"i"}]}}"#,
                uid: "u-1"
            )
        )
        #expect(answer.status == 200)
        #expect(answer.result == .skipped)
        #expect(
            answer.body
                == #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u-1","allowed":"#
                + #"true}}"#
        )
    }

    @Test("a denial carries a 403 status and the message")
    func denial() {
        let pod =
            #"{"metadata":{"labels":{"skyferry.dev/inject":"true"},"annotations":{"skyferry.dev/mode":"daemon","skyf"#
            + #"erry.dev/aws-role-arn":"arn:aws:iam::123456789012:role/r"}},"spec":{"containers":[{"name":"a","image"#
            + #"":"i"}]}}"#
        let answer = Self.handler.handle(body: Self.review(pod, uid: "u-2"))
        #expect(answer.result == .denied)
        #expect(
            answer.body
                == #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"u-2","allowed":"#
                + #"false,"status":{"code":403,"message":"skyferry: skyferry.dev/mode: \"daemon\" is not valid "#
                + #"(expected sidecar or init-only)"}}}"#
        )
    }

    @Test("annotation values with control characters or a bad service account email are denied, naming the annotation")
    func controlCharacters() {
        let audience = "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/p/providers/k"
        func pod(_ annotations: String) -> String {
            #"{"metadata":{"labels":{"skyferry.dev/inject":"true"},"annotations":{\#(annotations)}},"#
                + #""spec":{"containers":[{"name":"a","image":"i"}]}}"#
        }
        let rule = "contains a control character (expected printable text: no C0 controls, DEL or U+0080-U+009F)"
        // The review's JSON carries the escape; the pod's annotation holds the raw U+0085 (NEL), DEL or TAB.
        for (escape, shown) in [(#"\u0085"#, #"\\u0085"#), (#"\u007f"#, #"\\u007f"#), (#"\t"#, #"\\t"#)] {
            let review = Self.review(pod(#""skyferry.dev/gcp-audience":"\#(audience)\#(escape)""#), uid: "u-c")
            let answer = Self.handler.handle(body: review)
            #expect(answer.result == .denied)
            #expect(
                answer.body == #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":"#
                    + #"{"uid":"u-c","allowed":false,"status":{"code":403,"message":"#
                    + #""skyferry: skyferry.dev/gcp-audience: \"\#(audience)\#(shown)\" \#(rule)"}}}"#
            )
        }
        let account = #""skyferry.dev/gcp-service-account":"sa?x@p.iam.gserviceaccount.com""#
        let answer = Self.handler.handle(
            body: Self.review(
                pod(
                    #""skyferry.dev/gcp-audience":"\#(audience)","#
                        + account
                ),
                uid: "u-s"
            )
        )
        #expect(answer.result == .denied)
        #expect(
            answer.body.contains(
                #"skyferry.dev/gcp-service-account: \"sa?x@p.iam.gserviceaccount.com\" is not valid"#
            )
        )
    }

    @Test("an injection returns a base64 JSON Patch")
    func injection() throws {
        let pod =
            #"{"metadata":{"labels":{"skyferry.dev/inject":"true"},"annotations":{"skyferry.dev/aws-role-arn":"arn:a"#
            + #"ws:iam::123456789012:role/r"}},"spec":{"containers":[{"name":"a","image":"i"}]}}"#
        let answer = Self.handler.handle(body: Self.review(pod, uid: "u-3"))
        #expect(answer.result == .injected)
        let body = try JSONValue(parsing: Array(answer.body.utf8))
        #expect(body["response"]?["uid"] == "u-3")
        #expect(body["response"]?["patchType"] == "JSONPatch")
        let patch = try #require(body["response"]?["patch"]?.stringValue.flatMap { Data(base64Encoded: $0) })
        let operations = try JSONValue(parsing: [UInt8](patch))
        #expect(operations.arrayValue?.first?["path"] == "/spec/volumes")
    }

    @Test(
        "malformed reviews are rejected with a message naming the field",
        arguments: [
            (
                "not json",
                "request body is not an AdmissionReview: invalid JSON at byte 0: unexpected character, expected a value"
            ),
            (
                "[]",
                "request body is not an AdmissionReview: document: expected an AdmissionReview object, found an array"
            ),
            (
                #"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#,
                #"request body is not an AdmissionReview: apiVersion: expected "admission.k8s.io/v1", found "#
                    + #""admission.k8s.io/v1beta1"; set admissionReviewVersions: [v1] on the webhook"#
            ),
            (
                #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}}"#,
                "request body is not an AdmissionReview: request.uid: expected a non-empty string, found nothing"
            ),
            (
                #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":""#
                    + #"Pod"},"operation":"CREATE","object":[]}}"#,
                "request body is not an AdmissionReview: request.object: expected an object, found an array"
            ),
            (
                #"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"kind":""#
                    + #"Pod"},"operation":"CREATE"}}"#,
                "request body is not an AdmissionReview: request.object: a pod CREATE must carry the pod"
            ),
        ]
    )
    func malformed(body: String, message: String) {
        let answer = Self.handler.handle(body: Array(body.utf8))
        #expect(answer.status == 400)
        #expect(answer.result == .invalid)
        #expect(answer.body == message + "\n")
    }

    @Test("the documented patch encoding: standard base64 with padding")
    func base64() {
        let response = AdmissionResponse(
            uid: "u",
            allowed: true,
            patch: [JSONPatchOperation(add: "/spec/replicas", .integer(3))]
        )
        #expect(
            response.reviewJSON["response"]?["patch"]
                == .string(Data(#"[{"op":"add","path":"/spec/replicas","value":3}]"#.utf8).base64EncodedString())
        )
    }

    @Test("a pod that already holds the agent is not injected twice")
    func reinvocation() throws {
        let pod = try JSONValue(
            parsing: Array(
                (#"{"metadata":{"labels":{"skyferry.dev/inject":"true"},"annotations":{"skyferry.dev/aws-role-arn":"a"#
                    + #"rn:aws:iam::123456789012:role/r"}},"spec":{"initContainers":[{"name":"skyferry-agent","image"#
                    + #"":"i","restartPolicy":"Always"}],"containers":[{"name":"a","image":"i"}]}}"#)
                    .utf8
            )
        )
        #expect(Self.handler.mutator.decide(pod: pod) == .skip(reason: "already injected"))
    }
}
