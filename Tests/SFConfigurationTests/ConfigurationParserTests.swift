import Foundation
import SFConfiguration
import SFCore
import Testing

struct ConfigurationParserTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The message for a file that must be rejected.
    static func rejection(_ yaml: String) -> String {
        do {
            let configuration = try ConfigurationParser().parse(yaml, origin: "c.yaml")
            return "accepted: \(configuration)"
        } catch {
            return error.description
        }
    }

    static let minimal = """
        source:
          tokenFile: /t
        targets:
          - name: s3
            aws:
              roleArn: arn:aws:iam::123456789012:role/reader
            outputs:
              awsCredentialsFile: {path: /out/credentials}
        """

    @Test("parses every key of the contract into typed values")
    func full() throws {
        let configuration = try ConfigurationParser().parse(try Self.fixture("full.yaml"), origin: "full.yaml")
        var refresh = RefreshConfiguration()
        refresh.lifetimeFraction = 0.6
        refresh.jitterFraction = 0.05
        refresh.requestTimeoutSeconds = 5
        refresh.retryDeadlineSeconds = 30
        refresh.backoffInitialSeconds = 0.5
        refresh.backoffMaxSeconds = 120
        let expected = AgentConfiguration(
            source: .tokenFile(path: "/var/run/secrets/skyferry/token"),
            targets: [
                TargetConfiguration(
                    name: "s3",
                    provider: .aws(
                        AWSTargetConfiguration(
                            roleArn: "arn:aws:iam::123456789012:role/reader",
                            region: "us-east-1",
                            sessionName: "skyferry-my-pod",
                            durationSeconds: 3600,
                            stsEndpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 5000)
                        )
                    ),
                    outputs: OutputsConfiguration(awsCredentialsFile: .init(path: "/var/run/skyferry/aws/credentials"))
                ),
                TargetConfiguration(
                    name: "logs-archive",
                    provider: .aws(
                        AWSTargetConfiguration(
                            roleArn: "arn:aws-us-gov:iam::210987654321:role/team/archiver",
                            region: "us-gov-west-1",
                            fips: true
                        )
                    ),
                    outputs: OutputsConfiguration(
                        awsCredentialsFile: .init(
                            path: "/var/run/skyferry/aws/archive",
                            profile: "archive",
                            mode: 0o640
                        )
                    )
                ),
            ],
            refresh: refresh
        )
        #expect(configuration == expected)
    }

    @Test("applies the documented defaults")
    func defaults() throws {
        let configuration = try ConfigurationParser().parse(Self.minimal, origin: "c.yaml")
        #expect(configuration.refresh == RefreshConfiguration())
        #expect(
            configuration.targets[0].outputs.awsCredentialsFile
                == .init(path: "/out/credentials", profile: "default", mode: 0o600)
        )
        guard case .aws(let aws) = configuration.targets[0].provider else {
            Issue.record("not aws")
            return
        }
        #expect(
            aws.region == nil && aws.sessionName == nil && aws.durationSeconds == nil && aws.stsEndpoint == nil
                && !aws.fips
        )
    }

    @Test("an unknown key names itself, its line, and the likely intended key")
    func unknownKey() {
        let yaml = Self.minimal.replacingOccurrences(of: "roleArn:", with: "roleARN:")
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[0].aws.roleARN (line 6): unknown key (did you mean "roleArn"?); expected one of: roleArn, \
                region, sessionName, durationSeconds, stsEndpoint, fips
                  - targets[0].aws.roleArn (line 6): required key is missing
                """
        )
    }

    @Test("a malformed role ARN says what is expected")
    func badARN() {
        let yaml = Self.minimal.replacingOccurrences(
            of: "arn:aws:iam::123456789012:role/reader",
            with: "arn:aws:iam::12:role/x"
        )
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid: targets[0].aws.roleArn (line 6): "arn:aws:iam::12:role/x" is not \
                an IAM role ARN (expected arn:PARTITION:iam::ACCOUNT:role/NAME, ACCOUNT being 12 digits)
                """
        )
    }

    @Test("plain http is accepted for loopback only")
    func plainHTTP() throws {
        let loopback = Self.minimal.replacingOccurrences(
            of: "role/reader",
            with: "role/reader\n      stsEndpoint: http://localhost:5000"
        )
        #expect(throws: Never.self) { try ConfigurationParser().parse(loopback, origin: "c.yaml") }
        let remote = Self.minimal.replacingOccurrences(
            of: "role/reader",
            with: "role/reader\n      stsEndpoint: http://sts.example.com"
        )
        #expect(
            Self.rejection(remote) == """
                configuration file c.yaml is invalid: targets[0].aws.stsEndpoint (line 7): "http://sts.example.com" is \
                plain http:// to a non-loopback host; use https:// (http:// is allowed only for localhost, 127.0.0.0/8 \
                and ::1)
                """
        )
    }

    @Test("wrong types name the key and the value found")
    func wrongTypes() {
        let yaml = Self.minimal.replacingOccurrences(
            of: "role/reader",
            with: "role/reader\n      durationSeconds: \"3600\"\n      fips: yes-please"
        )
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[0].aws.durationSeconds (line 7): expected a whole number in 900-43200, found the string \
                "3600"
                  - targets[0].aws.fips (line 8): expected true or false, found "yes-please"
                """
        )
    }

    @Test("out-of-range values give the range")
    func ranges() {
        let yaml = Self.minimal.replacingOccurrences(
            of: "role/reader",
            with: "role/reader\n      durationSeconds: 60\n      sessionName: x"
        )
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[0].aws.sessionName (line 8): "x" is not a valid role session name (expected 2-64 \
                characters of letters, digits and _+=,.@-)
                  - targets[0].aws.durationSeconds (line 7): 60 is out of range (expected 900-43200)
                """
        )
    }

    @Test("missing required keys and empty targets")
    func missing() {
        #expect(
            Self.rejection("targets: []\n") == """
                configuration file c.yaml is invalid (2 problems):
                  - source (line 1): required key is missing
                  - targets (line 1): at least one target is required
                """
        )
        #expect(
            Self.rejection(
                "source: {}\ntargets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r'}, outputs: {}}]\n"
            ) == """
                configuration file c.yaml is invalid (2 problems):
                  - source (line 1): exactly one identity source is required (one of: tokenFile, gcpMetadata, aws), \
                found 0
                  - targets[0].outputs (line 2): at least one output is required (one of: awsCredentialsFile, \
                awsWebIdentityTokenFile, awsContainerEndpoint, gcpAccessTokenFile, gcpExternalAccountFile, \
                gcpMetadataServer, azureManagedIdentityEndpoint, azureFederatedTokenFile, azureAccessTokenFile)
                """
        )
        // Without the key, a target has no outputs (fine for credential-process; `agent` refuses it).
        let parsed = try? ConfigurationParser().parse(
            "source: {tokenFile: /t}\ntargets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r'}}]\n",
            origin: "c"
        )
        #expect(parsed?.targets[0].outputs == OutputsConfiguration())
    }

    @Test("contradictions are rejected")
    func contradictions() {
        let fipsAndEndpoint = Self.minimal.replacingOccurrences(
            of: "role/reader",
            with: "role/reader\n      region: us-east-1\n      fips: true\n      stsEndpoint: https://sts.example.com"
        )
        #expect(
            Self.rejection(fipsAndEndpoint).contains("targets[0].aws.fips (line 8): fips: true contradicts stsEndpoint")
        )
        let fipsNoRegion = Self.minimal.replacingOccurrences(of: "role/reader", with: "role/reader\n      fips: true")
        #expect(
            Self.rejection(fipsNoRegion).contains("fips: true needs a region (there is no global FIPS STS endpoint)")
        )
        let chinaFIPS = Self.minimal.replacingOccurrences(of: "arn:aws:iam", with: "arn:aws-cn:iam")
            .replacingOccurrences(of: "role/reader", with: "role/reader\n      region: cn-north-1\n      fips: true")
        #expect(Self.rejection(chinaFIPS).contains("partition aws-cn has no FIPS STS endpoint"))
        let partition = Self.minimal.replacingOccurrences(
            of: "role/reader",
            with: "role/reader\n      region: cn-north-1"
        )
        #expect(
            Self.rejection(partition).contains(
                "targets[0].aws.region (line 7): region cn-north-1 is in partition aws-cn but roleArn is in aws"
            )
        )
    }

    @Test("target names are unique and output paths are not shared")
    func uniqueness() {
        let yaml = """
            source: {tokenFile: /t}
            targets:
              - {name: a, aws: {roleArn: "arn:aws:iam::123456789012:role/r"}, outputs: {awsCredentialsFile: {path: /x}}}
              - {name: a, aws: {roleArn: "arn:aws:iam::123456789012:role/r"}, outputs: {awsCredentialsFile: {path: /x}}}
            """
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid (2 problems):
                  - targets[1].name (line 4): duplicate target name "a" (also targets[0]); names must be unique
                  - targets[1].outputs.awsCredentialsFile.path (line 4): /x is also written by \
                targets[0].outputs.awsCredentialsFile.path; each output needs its own file
                """
        )
    }

    @Test("file modes: octal, owner-readable, never for other users")
    func modes() throws {
        func mode(_ text: String) -> String {
            Self.rejection(
                Self.minimal.replacingOccurrences(
                    of: "{path: /out/credentials}",
                    with: "{path: /out/credentials, mode: \(text)}"
                )
            )
        }
        #expect(mode("\"0644\"").contains("mode 0644 gives other users access to credentials"))
        #expect(mode("0660").contains("mode 0660 is not allowed (no group write"))
        #expect(mode("0200").contains("does not let the owner read the file"))
        #expect(
            mode("rw-------").contains("expected an octal file mode such as \"0600\" or \"0640\", found \"rw-------\"")
        )
        #expect(mode("0440").hasPrefix("accepted"))
    }

    @Test("YAML syntax errors carry the line")
    func syntax() {
        #expect(
            Self.rejection("source:\n  tokenFile: [\n").hasPrefix(
                "configuration file c.yaml is not valid YAML: YAML syntax error at line 3"
            )
        )
    }

    @Test("a bad target name is explained")
    func targetName() {
        let yaml = Self.minimal.replacingOccurrences(of: "name: s3", with: "name: S3_bucket")
        #expect(Self.rejection(yaml).contains("targets[0].name (line 4): \"S3_bucket\" is not a valid target name"))
    }

    @Test("refresh settings are range-checked")
    func refreshRanges() {
        let yaml =
            Self.minimal + "\nrefresh: {lifetimeFraction: 1.5, backoffInitialSeconds: 10, backoffMaxSeconds: 5}\n"
        #expect(
            Self.rejection(yaml) == """
                configuration file c.yaml is invalid: refresh.lifetimeFraction (line 9): 1.5 is out of range (expected \
                0.1-0.9)
                """
        )
        let inverted = Self.minimal + "\nrefresh: {backoffInitialSeconds: 10, backoffMaxSeconds: 5}\n"
        #expect(
            Self.rejection(inverted).contains(
                "refresh.backoffMaxSeconds (line 9): must be at least backoffInitialSeconds (10.0)"
            )
        )
    }
}

struct GCPMetadataConfigurationTests {
    @Test("parses the gcpMetadata source and the web-identity token output")
    func parses() throws {
        let yaml = """
            source:
              gcpMetadata:
                audience: sts.amazonaws.com
                endpoint: http://169.254.169.254
                serviceAccount: reader@proj.iam.gserviceaccount.com
                startupWaitSeconds: 10
            targets:
              - name: s3
                aws: {roleArn: "arn:aws:iam::123456789012:role/reader", region: us-east-1}
                outputs:
                  awsWebIdentityTokenFile: {path: /var/run/skyferry/aws/token}
                  awsCredentialsFile: {path: /var/run/skyferry/aws/credentials}
            """
        let configuration = try ConfigurationParser().parse(yaml, origin: "c.yaml")
        #expect(
            configuration.source
                == .gcpMetadata(
                    GCPMetadataSourceConfiguration(
                        audience: "sts.amazonaws.com",
                        endpoint: Endpoint(scheme: .http, host: "169.254.169.254"),
                        serviceAccount: "reader@proj.iam.gserviceaccount.com",
                        startupWaitSeconds: 10
                    )
                )
        )
        #expect(
            configuration.targets[0].outputs.awsWebIdentityTokenFile
                == TokenFileOutputConfiguration(path: "/var/run/skyferry/aws/token", mode: 0o600)
        )
        #expect(configuration.targets[0].outputs.includesIdentityToken)
    }

    @Test("plain http to a metadata host is allowed only for the metadata endpoint")
    func metadataHTTP() {
        let base =
            "targets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r'}, outputs: {awsCredentialsFile: "
            + "{path: /x}}}]\n"
        #expect(
            ConfigurationParserTests.rejection(
                "source: {gcpMetadata: {audience: a, endpoint: 'http://10.1.2.3'}}\n" + base
            )
            .contains(
                "source.gcpMetadata.endpoint (line 1): \"http://10.1.2.3\" is plain http:// to a non-loopback host"
            )
        )
        #expect(
            ConfigurationParserTests.rejection("source: {gcpMetadata: {}}\n" + base).contains(
                "source.gcpMetadata.audience (line 1): required key is missing"
            )
        )
        #expect(
            ConfigurationParserTests.rejection(
                "source: {gcpMetadata: {audience: a, serviceAccount: 'not an account'}}\n" + base
            )
            .contains("is not a service account (expected default or an email")
        )
        let stsOverMetadataHost =
            "source: {tokenFile: /t}\ntargets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r', "
            + "stsEndpoint: 'http://169.254.169.254'}, outputs: {awsCredentialsFile: {path: /x}}}]\n"
        #expect(
            ConfigurationParserTests.rejection(stsOverMetadataHost).contains("is plain http:// to a non-loopback host")
        )
    }

    @Test("service account emails with URL or control characters are refused in both places")
    func strictServiceAccounts() {
        let audience = "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/k"
        let base =
            "targets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r'}, "
            + "outputs: {awsCredentialsFile: {path: /x}}}]\n"
        let accounts = [
            "sa?x@p.iam.gserviceaccount.com", "sa#x@p.iam.gserviceaccount.com",
            "sa%2F@p.iam.gserviceaccount.com", "sa@p.iam.gserviceaccount.com/x", "s\\ta@p.iam.gserviceaccount.com",
        ]
        for account in accounts {
            let metadata = "source: {gcpMetadata: {audience: a, serviceAccount: \"\(account)\"}}\n" + base
            #expect(
                ConfigurationParserTests.rejection(metadata)
                    .contains("is not a service account (expected default or an email"),
                "\(account)"
            )
            let gcp =
                "source: {tokenFile: /t}\ntargets: [{name: g, gcp: {audience: '\(audience)', "
                + "serviceAccount: \"\(account)\"}, outputs: {gcpAccessTokenFile: {path: /x}}}]\n"
            #expect(
                ConfigurationParserTests.rejection(gcp)
                    .contains("targets[0].gcp.serviceAccount (line 2): expected a service account email"),
                "\(account)"
            )
        }
    }

    @Test("the token output shares the path-uniqueness rule")
    func uniquePaths() {
        let yaml =
            "source: {tokenFile: /t}\ntargets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r'}, "
            + "outputs: {awsCredentialsFile: {path: /x}, awsWebIdentityTokenFile: {path: /x}}}]\n"
        #expect(
            ConfigurationParserTests.rejection(yaml).contains(
                "targets[0].outputs.awsWebIdentityTokenFile.path (line 2): /x is also written by "
                    + "targets[0].outputs.awsCredentialsFile.path"
            )
        )
    }
}

struct GCPConfigurationTests {
    static let audience =
        "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/k8s"

    @Test("parses a GCP target with its outputs")
    func parses() throws {
        let yaml = """
            source:
              aws: {region: us-east-1}
            targets:
              - name: gcs
                gcp:
                  audience: \(Self.audience)
                  serviceAccount: sa@proj.iam.gserviceaccount.com
                  scopes: [https://www.googleapis.com/auth/devstorage.read_only]
                  lifetimeSeconds: 1800
                  stsEndpoint: http://127.0.0.1:5010/v1/token
                  iamEndpoint: http://127.0.0.1:5010
                outputs:
                  gcpAccessTokenFile: {path: /out/token}
                  gcpExternalAccountFile: {path: /out/gcp.json}
            """
        let configuration = try ConfigurationParser().parse(yaml, origin: "c.yaml")
        #expect(configuration.source == .aws(AWSSourceConfiguration(region: "us-east-1")))
        #expect(
            configuration.targets[0].provider
                == .gcp(
                    GCPTargetConfiguration(
                        audience: Self.audience,
                        serviceAccount: "sa@proj.iam.gserviceaccount.com",
                        scopes: ["https://www.googleapis.com/auth/devstorage.read_only"],
                        lifetimeSeconds: 1800,
                        stsEndpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 5010, path: "/v1/token"),
                        iamEndpoint: Endpoint(scheme: .http, host: "127.0.0.1", port: 5010)
                    )
                )
        )
        #expect(
            configuration.targets[0].outputs.gcpExternalAccountFile
                == ExternalAccountFileOutputConfiguration(
                    path: "/out/gcp.json",
                    subjectTokenPath: "/out/gcp.json.subject-token"
                )
        )
    }

    @Test("a project id instead of its number is explained")
    func projectNumber() {
        let yaml =
            "source: {tokenFile: /t}\ntargets: [{name: g, gcp: {audience: "
            + "'//iam.googleapis.com/projects/my-proj/locations/global/workloadIdentityPools/p/providers/k'}}]\n"
        #expect(
            ConfigurationParserTests.rejection(yaml).contains(
                "names the project \"my-proj\"; GCP STS needs the project number, not its id"
            )
        )
    }

    @Test(
        "contradictions: aws source to aws target, lifetime without impersonation, subjectTokenPath with a token file"
    )
    func contradictions() {
        #expect(
            ConfigurationParserTests.rejection(
                "source: {aws: {}}\ntargets: [{name: a, aws: {roleArn: 'arn:aws:iam::123456789012:role/r'}}]\n"
            )
            .contains("an aws source feeds GCP targets only")
        )
        #expect(
            ConfigurationParserTests.rejection(
                "source: {tokenFile: /t}\ntargets: [{name: g, gcp: {audience: '\(Self.audience)', lifetimeSeconds: "
                    + "900}}]\n"
            )
            .contains("lifetimeSeconds applies to impersonated tokens only")
        )
        #expect(
            ConfigurationParserTests.rejection(
                "source: {tokenFile: /t}\ntargets: [{name: g, gcp: {audience: '\(Self.audience)'}, outputs: "
                    + "{gcpExternalAccountFile: {path: /x, subjectTokenPath: /y}}}]\n"
            )
            .contains("with a tokenFile source the external_account file points at /t itself")
        )
        #expect(
            ConfigurationParserTests.rejection(
                "source: {tokenFile: /t}\ntargets: [{name: g, gcp: {audience: '\(Self.audience)'}, outputs: "
                    + "{awsCredentialsFile: {path: /x}}}]\n"
            )
            .contains("output awsCredentialsFile hands over aws credentials, but this target's provider is gcp")
        )
    }
}
