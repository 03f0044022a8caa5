import SFCore
import SFYAML

/// `targets[].aws`: the role to assume and how to reach STS.
extension ConfigurationParser {
    func readAWS(_ node: YAMLNode, at path: String, _ r: ConfigurationReader) -> AWSTargetConfiguration? {
        let keys = ["roleArn", "region", "sessionName", "durationSeconds", "stsEndpoint", "fips"]
        guard let entries = r.mapping(node, at: path, allowed: keys) else { return nil }
        var ok = true
        var arn: IAMRoleARN?
        if let arnNode = r.required(entries, "roleArn", at: path, parent: node),
            let text = r.string(arnNode, at: path + ".roleArn")
        {
            arn = IAMRoleARN(text)
            if arn == nil {
                r.fail(
                    path + ".roleArn",
                    arnNode,
                    "\"\(text)\" is not an IAM role ARN (expected "
                        + "arn:PARTITION:iam::ACCOUNT:role/NAME, ACCOUNT being 12 digits)"
                )
            }
        }
        if arn == nil { ok = false }

        var region: String?
        if let node = entries["region"] {
            region = r.string(node, at: path + ".region")
            if let value = region, !AWSPartition.isValidRegion(value) {
                r.fail(
                    path + ".region",
                    node,
                    "\"\(value)\" is not an AWS region name (expected e.g. us-east-1, "
                        + "eu-west-2, cn-north-1)"
                )
                ok = false
            } else if region == nil {
                ok = false
            }
        }
        if let arn, let region, AWSPartition.forRegion(region) != arn.partition {
            r.fail(
                path + ".region",
                entries["region"],
                "region \(region) is in partition "
                    + "\(AWSPartition.forRegion(region).name) but roleArn is in \(arn.partition.name); a role can "
                    + "only be "
                    + "assumed through its own partition's STS"
            )
            ok = false
        }

        var sessionName: String?
        if let node = entries["sessionName"] {
            sessionName = r.string(node, at: path + ".sessionName")
            if let value = sessionName, !AWSNames.isValidSessionName(value) {
                r.fail(
                    path + ".sessionName",
                    node,
                    "\"\(value)\" is not a valid role session name (expected 2-64 "
                        + "characters of letters, digits and _+=,.@-)"
                )
                ok = false
            } else if sessionName == nil {
                ok = false
            }
        }

        var duration: Int?
        if let node = entries["durationSeconds"] {
            duration = r.integer(node, at: path + ".durationSeconds", range: 900...43_200)
            if duration == nil { ok = false }
        }

        var endpoint: Endpoint?
        if let node = entries["stsEndpoint"] {
            endpoint = readEndpoint(node, at: path + ".stsEndpoint", r)
            if endpoint == nil { ok = false }
        }

        var fips = false
        if let node = entries["fips"] {
            if let value = r.boolean(node, at: path + ".fips") { fips = value } else { ok = false }
        }
        if fips {
            if endpoint != nil {
                r.fail(
                    path + ".fips",
                    entries["fips"],
                    "fips: true contradicts stsEndpoint, which overrides the "
                        + "endpoint; set one or the other"
                )
                ok = false
            } else if region == nil {
                r.fail(
                    path + ".fips",
                    entries["fips"],
                    "fips: true needs a region (there is no global FIPS STS "
                        + "endpoint)"
                )
                ok = false
            } else if let region, !AWSPartition.forRegion(region).hasFIPS {
                r.fail(
                    path + ".fips",
                    entries["fips"],
                    "partition \(AWSPartition.forRegion(region).name) has no FIPS "
                        + "STS endpoint"
                )
                ok = false
            }
        }
        guard ok, let arn else { return nil }
        return AWSTargetConfiguration(
            roleArn: arn.description,
            region: region,
            sessionName: sessionName,
            durationSeconds: duration,
            stsEndpoint: endpoint,
            fips: fips
        )
    }
}
