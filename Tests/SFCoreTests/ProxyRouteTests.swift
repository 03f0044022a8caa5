import SFCore
import Testing

struct ProxyRouteTests {
    static let proxy = "http://user:pass@proxy.corp:3128"

    static func route(_ url: String, _ environment: [String: String]) throws -> ProxyRoute {
        let endpoint = try Endpoint(parsing: url, allowMetadataHosts: true)
        return ProxySettings.from(environment: environment).route(for: endpoint)
    }

    @Test(
        "loopback, link-local and metadata hosts are never proxied, whatever NO_PROXY says",
        arguments: [
            "http://127.0.0.1:8080/creds", "http://127.9.9.9/", "http://[::1]:9911/", "http://localhost:1/",
            "https://LOCALHOST./", "https://api.localhost/", "http://169.254.170.2/v2/credentials",
            "http://169.254.170.23/",
            "http://169.254.169.254/latest/api/token", "https://169.254.1.1/", "https://[fe80::1]/",
            "https://[febf::1]/",
            "http://[fd00:ec2::23]/", "https://[fd00:ec2:0:0:0:0:0:254]/", "http://metadata.google.internal/",
            "http://metadata/", "https://[::ffff:127.0.0.1]/",
        ]
    )
    func neverProxied(url: String) throws {
        for noProxy in ["", "example.com"] {
            let environment = [
                "HTTP_PROXY": Self.proxy, "HTTPS_PROXY": Self.proxy, "ALL_PROXY": Self.proxy,
                "NO_PROXY": noProxy,
            ]
            #expect(try Self.route(url, environment) == .direct(.neverProxied))
        }
    }

    @Test(
        "hosts next to the never-proxied ranges still use the proxy",
        arguments: [
            "https://128.0.0.1/", "https://169.253.255.255/", "https://[fec0::1]/", "https://[fd00:ec2::24]/",
            "https://localhost.example.com/", "https://metadata.google.internal.evil.com/",
            "https://sts.amazonaws.com/",
        ]
    )
    func proxiedNeighbours(url: String) throws {
        #expect(try Self.route(url, ["HTTPS_PROXY": Self.proxy]) == .proxy(Self.proxy))
    }

    @Test("the proxy is chosen by scheme: https_proxy, HTTPS_PROXY, then all_proxy, ALL_PROXY")
    func byScheme() {
        let https = Endpoint(scheme: .https, host: "sts.amazonaws.com")
        let http = Endpoint(scheme: .http, host: "example.test")
        func route(_ environment: [String: String], _ endpoint: Endpoint) -> ProxyRoute {
            ProxySettings.from(environment: environment).route(for: endpoint)
        }
        #expect(route(["HTTPS_PROXY": "http://a:1", "https_proxy": "http://b:2"], https) == .proxy("http://b:2"))
        #expect(route(["HTTPS_PROXY": "http://a:1", "ALL_PROXY": "http://c:3"], https) == .proxy("http://a:1"))
        #expect(route(["ALL_PROXY": "http://c:3", "all_proxy": "socks5://d:4"], https) == .proxy("socks5://d:4"))
        #expect(route(["HTTP_PROXY": "http://h:5"], https) == .direct(.noProxyConfigured))
        // Upper-case HTTP_PROXY is honoured (as the AWS and Google SDKs do; see ProxySettings).
        #expect(route(["HTTP_PROXY": "http://h:5"], http) == .proxy("http://h:5"))
        #expect(route(["HTTPS_PROXY": "http://a:1"], http) == .direct(.noProxyConfigured))
        #expect(route(["HTTPS_PROXY": ""], https) == .direct(.noProxyConfigured))
        #expect(route(["HTTPS_PROXY": "http://a:1", "NO_PROXY": "amazonaws.com"], https) == .direct(.noProxyEntry))
        #expect(
            route(["HTTPS_PROXY": "http://a:1", "NO_PROXY": "x", "no_proxy": "amazonaws.com"], https)
                == .direct(.noProxyEntry)
        )
    }

    @Test(
        "NO_PROXY matches as curl does",
        arguments: [
            // (NO_PROXY, host, bypassed)
            ("*", "sts.amazonaws.com", true),
            ("a.test,*", "sts.amazonaws.com", true),
            ("amazonaws.com", "sts.amazonaws.com", true),
            ("amazonaws.com", "amazonaws.com", true),
            (".amazonaws.com", "amazonaws.com", true),
            (".amazonaws.com", "sts.us-east-1.amazonaws.com", true),
            ("*.amazonaws.com", "sts.amazonaws.com", true),
            ("amazonaws.com", "evilamazonaws.com", false),
            ("sts.amazonaws.com", "amazonaws.com", false),
            ("AmazonAWS.COM.", "STS.amazonaws.com.", true),
            ("a.test sts.amazonaws.com", "sts.amazonaws.com", true),
            (" a.test ,\tb.test ", "b.test", true),
            ("sts.amazonaws.com:443", "sts.amazonaws.com", true),
            ("10.1.2.3", "10.1.2.3", true),
            ("10.1.2.3:8080", "10.1.2.3", true),
            ("10.1.2.3", "10.1.2.4", false),
            ("10.0.0.0/8", "10.200.1.1", true),
            ("10.0.0.0/8", "11.0.0.1", false),
            ("192.168.0.0/16", "192.168.255.1", true),
            ("0.0.0.0/0", "8.8.8.8", true),
            ("10.0.0.0/33", "10.0.0.1", false),
            ("10.0.0.0/x", "10.0.0.1", false),
            ("10.0.0.0/8", "10.example.com", false),
            ("2001:db8::1", "2001:db8:0::1", true),
            ("[2001:db8::1]", "2001:db8::1", true),
            ("[2001:db8::1]:443", "2001:db8::1", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("[2001:db8::]/32", "2001:db9::1", false),
            ("10.0.0.0/8", "::ffff:10.0.0.1", true),
            ("example.com", "10.0.0.1", false),
            ("", "sts.amazonaws.com", false),
            (",,", "sts.amazonaws.com", false),
        ]
    )
    func noProxy(list: String, host: String, bypassed: Bool) {
        #expect(NoProxyList(list).matches(host: host) == bypassed)
    }

    @Test("IP literals parse strictly")
    func addresses() {
        #expect(IPAddress("127.0.0.1")?.bytes == [127, 0, 0, 1])
        #expect(IPAddress("::1")?.bytes == [UInt8](repeating: 0, count: 15) + [1])
        #expect(IPAddress("[fe80::1%eth0]")?.description == "fe80:0:0:0:0:0:0:1")
        #expect(IPAddress("::ffff:169.254.169.254")?.unmapped == IPAddress("169.254.169.254"))
        #expect(IPAddress("1:2:3:4:5:6:7:8")?.description == "1:2:3:4:5:6:7:8")
        for bad in [
            "127.1", "256.0.0.1", "1.2.3", "1.2.3.4.5", "01234.0.0.1", "1::2::3", "1:2:3:4:5:6:7:8:9",
            "12345::", "g::1",
            "localhost", "", ":::",
        ] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        #expect(IPAddress("10.1.2.3")!.isIn(IPAddress("10.0.0.0")!, prefixLength: 8))
        #expect(!IPAddress("10.1.2.3")!.isIn(IPAddress("::")!, prefixLength: 0))
    }

    @Test(
        "proxy credentials are masked in every form",
        arguments: [
            ("http://user:pass@proxy:3128", "http://user:***@proxy:3128"),
            ("user:pass@proxy:3128", "user:***@proxy:3128"),
            ("http://user@proxy", "http://***@proxy"),
            ("user@proxy:3128", "***@proxy:3128"),
            ("http://us%65r:p%40ss%3Aword@proxy:3128", "http://us%65r:***@proxy:3128"),
            ("http://user:p@ss/w:rd@proxy:3128", "http://user:***@proxy:3128"),
            ("socks5h://u:@proxy:1080", "socks5h://u:***@proxy:1080"),
            ("http://proxy:3128", "http://proxy:3128"),
            ("proxy:3128", "proxy:3128"),
        ]
    )
    func redaction(url: String, shown: String) {
        #expect(ProxySettings.redact(url) == shown)
        #expect(!ProxySettings(httpsProxy: url, allProxy: url).description.contains("pass"))
    }

    @Test("a route's description never shows proxy credentials")
    func routeDescription() {
        #expect(ProxyRoute.proxy("http://u:secret@p:1").description == "via http://u:***@p:1")
        #expect(
            ProxyRoute.direct(.neverProxied).description
                == "direct (loopback, link-local and metadata hosts are never proxied)"
        )
    }
}
