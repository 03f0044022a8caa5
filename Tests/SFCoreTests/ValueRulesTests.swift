import SFCore
import Testing

struct ValueRulesTests {
    @Test(
        "JSON strings escape C0, DEL and C1 controls, and nothing else",
        arguments: [
            ("plain", #""plain""#),
            ("a\u{7F}b", #""a\u007fb""#),
            ("\u{80}", #""\u0080""#),
            ("x\u{9F}y\u{85}", #""x\u009fy\u0085""#),
            ("\u{A0}é\u{C2}", "\"\u{A0}é\u{C2}\""),
            ("\u{0}\u{1F}\n\r\t\"\\", #""\u0000\u001f\n\r\t\"\\""#),
            ("ü\u{80}ü", #""ü\u0080ü""#),
        ]
    )
    func jsonEscapes(value: String, json: String) {
        #expect(JSONText.string(value) == json)
    }

    @Test("header values with control characters are refused with the byte and its name")
    func headerRules() {
        #expect(HTTPHeaderRules.problem(name: "Authorization", value: "abc def") == nil)
        #expect(HTTPHeaderRules.problem(name: "X-aws-ec2-metadata-token", value: "é") == nil)
        #expect(
            HTTPHeaderRules.problem(name: "Authorization", value: "abc\r\nX-Evil: 1")
                == "contains a control character (CR) at byte 3 of its value"
        )
        let cases = [
            ("\n", "(LF) at byte 0"), ("a\tb", "(TAB) at byte 1"), ("ab\u{7F}", "(0x7F) at byte 2"),
            ("\u{1B}", "(0x1B) at byte 0"),
        ]
        for (value, problem) in cases {
            #expect(
                HTTPHeaderRules.problem(name: "A", value: value)
                    == "contains a control character \(problem) of its value"
            )
        }
        for name in ["", "A B", "A:B", "A\r\nB", "Ä"] {
            #expect(
                HTTPHeaderRules.problem(name: name, value: "v") == "has a name that is not an HTTP token",
                "\(name)"
            )
        }
    }

    @Test(
        "service account emails: NAME@DOMAIN only, never URL or control characters",
        arguments: [
            ("reader@my-project.iam.gserviceaccount.com", true),
            ("123456-compute@developer.gserviceaccount.com", true),
            ("service-1@gcp-sa-x.iam.gserviceaccount.com", true),
            ("a.b_c+d@p.iam.gserviceaccount.com", true),
            ("reader@p", false),
            ("@p.iam.gserviceaccount.com", false),
            ("reader@", false),
            ("a@b@c.com", false),
            ("reader?x=1@p.iam.gserviceaccount.com", false),
            ("reader@p.iam.gserviceaccount.com#x", false),
            ("reader%2F@p.iam.gserviceaccount.com", false),
            ("reader@p.iam.gserviceaccount.com/x", false),
            ("../x@p.iam.gserviceaccount.com", false),
            ("reader @p.iam.gserviceaccount.com", false),
            ("reader@p.iam.gserviceaccount.com\n", false),
            ("reader\u{0}@p.iam.gserviceaccount.com", false),
            ("reader@p..com", false),
            ("reader@p.com:443", false),
            ("rëader@p.iam.gserviceaccount.com", false),
        ]
    )
    func serviceAccountEmail(email: String, valid: Bool) {
        #expect(ServiceAccountEmail.isValid(email) == valid)
    }

    @Test("service account email problems say what is expected")
    func serviceAccountEmailProblems() {
        #expect(
            ServiceAccountEmail.problem("a?b@p.com")
                == "the part before @ must be 1-64 letters, digits, '.', '_', '+' or '-'"
        )
        #expect(
            ServiceAccountEmail.problem("ab@p/x.com")
                == "the part after @ must be a domain name such as PROJECT.iam.gserviceaccount.com"
        )
        #expect(ServiceAccountEmail.problem("ab") == "expected exactly one @ (NAME@PROJECT.iam.gserviceaccount.com)")
    }

    @Test("Kubernetes names: namespaces are DNS-1123 labels, service accounts DNS-1123 subdomains")
    func kubernetesNames() {
        for good in ["a", "shop", "shop-prod", "0", String(repeating: "a", count: 63)] {
            #expect(KubernetesName.labelProblem(good) == nil, "\(good)")
        }
        for bad in [
            "", "-a", "a-", "Shop", "a.b", "a_b", "x;touch /tmp/pwned", "$(id)", "a'b",
            String(repeating: "a", count: 64),
        ] {
            #expect(KubernetesName.labelProblem(bad) != nil, "\(bad)")
        }
        for good in ["api", "api.v1", "a-b.c-d", String(repeating: "a.", count: 126) + "a"] {
            #expect(KubernetesName.subdomainProblem(good) == nil, "\(good)")
        }
        for bad in ["", "a..b", ".a", "a.", "API", "a b", "`id`", String(repeating: "a.", count: 127) + "a"] {
            #expect(KubernetesName.subdomainProblem(bad) != nil, "\(bad)")
        }
        #expect(
            KubernetesName.labelProblem("A")
                == "must be a DNS-1123 label: at most 63 characters of a-z, 0-9 and '-', "
                + "starting and ending with a letter or digit "
                + "(regex [a-z0-9]([-a-z0-9]*[a-z0-9])?)"
        )
    }
}
