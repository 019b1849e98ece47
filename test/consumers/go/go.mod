module github.com/cdk-api-to-firehose/cdk-api-to-firehose/test/consumers/go

go 1.25.0

require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.257.0
	github.com/aws/constructs-go/constructs/v10 v10.5.1
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/cdk-api-to-firehose/cdk-api-to-firehose-go/cdkapitofirehose v0.0.0
)

require (
	github.com/Masterminds/semver/v3 v3.5.0 // indirect
	github.com/cdklabs/awscdk-asset-awscli-go/awscliv1/v2 v2.2.273 // indirect
	github.com/cdklabs/awscdk-asset-node-proxy-agent-go/nodeproxyagentv6/v2 v2.1.3 // indirect
	github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 v53.28.0 // indirect
)

// The module built by scripts/consumers.sh (jsii-pacmak --target go).
replace github.com/cdk-api-to-firehose/cdk-api-to-firehose-go/cdkapitofirehose => ../../../dist/go/cdkapitofirehose

// jsii-pacmak pins the cloud assembly schema version it finds in node_modules (53.28.0); awscdk v2.257.0 itself
// requires v53.25.0, the only version the Go proxy our build machines use serves. Users whose proxy serves every
// version need no such line.
replace github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 => github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v53 v53.25.0
