// Go consumer of cdk-api-to-firehose: the same stack as ../typescript/app.ts, ../python/app.py and
// ../java/.../ConsumerApp.java. Keep the stack and construct ids and the props in step, so that the
// synthesized templates are identical (checked by ../compare-templates.js).
//
// Run: go run . [outdir]   (default: ../out/go); tested by `go test` (app_test.go).
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-api-to-firehose/cdk-api-to-firehose-go/cdkapitofirehose"
)

// StackID is the id of the consumer stack in every language.
const StackID = "ConsumerStack"

// BuildStack adds the consumer stack to app.
func BuildStack(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(StackID), nil)
	bucket := awss3.NewBucket(stack, jsii.String("ClicksBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
	})
	cdkapitofirehose.NewApiToFirehose(stack, jsii.String("Clicks"), &cdkapitofirehose.ApiToFirehoseProps{
		Bucket:             bucket,
		DeliveryStreamName: jsii.String("consumer-clicks"),
		BufferingInterval:  awscdk.Duration_Seconds(jsii.Number(120)),
		BufferingSize:      awscdk.Size_Mebibytes(jsii.Number(32)),
		Compression:        awskinesisfirehose.Compression_SNAPPY(),
		DataOutputPrefix:   jsii.String("clicks/"),
		Envelope: cdkapitofirehose.RecordEnvelope_WithFields(&[]cdkapitofirehose.EnvelopeField{
			cdkapitofirehose.EnvelopeField_ApiKeyId(nil),
			cdkapitofirehose.EnvelopeField_RequestId(nil),
			cdkapitofirehose.EnvelopeField_ReceivedAt(nil),
			cdkapitofirehose.EnvelopeField_Header(jsii.String("X-Tenant-Id"), jsii.String("tenant")),
			cdkapitofirehose.EnvelopeField_Constant(jsii.String("source"), jsii.String("web")),
		}, nil),
		Throttle: &awsapigateway.ThrottleSettings{RateLimit: jsii.Number(50), BurstLimit: jsii.Number(100)},
		Quota:    &awsapigateway.QuotaSettings{Limit: jsii.Number(10_000), Period: awsapigateway.Period_DAY},
		Batch:    &cdkapitofirehose.BatchOptions{Mode: cdkapitofirehose.BatchMode_RECORD_PER_EVENT(), MaxEvents: jsii.Number(200)},
	})
	return stack
}

// Synth synthesizes the app into outdir and returns the template file's path.
func Synth(outdir string) string {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	BuildStack(app)
	app.Synth(nil)
	return filepath.Join(outdir, StackID+".template.json")
}

// DefaultOutdir is ../out/go, next to the other languages' templates.
func DefaultOutdir() string {
	wd, err := os.Getwd()
	if err != nil {
		panic(err)
	}
	return filepath.Join(wd, "..", "out", "go")
}

func main() {
	outdir := DefaultOutdir()
	if len(os.Args) > 1 {
		outdir = os.Args[1]
	}
	fmt.Println("go: wrote " + Synth(outdir))
}
