// Checks the Go consumer's synthesized template: the same facts as the Python and Java consumers' tests.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-api-to-firehose/cdk-api-to-firehose-go/cdkapitofirehose"
)

var template = assertions.Template_FromStack(BuildStack(awscdk.NewApp(nil)), nil)

// TestMain writes the template for ../compare-templates.js first, so that it is compared even when a test fails.
func TestMain(m *testing.M) {
	fmt.Println("go: wrote " + Synth(DefaultOutdir()))
	os.Exit(m.Run())
}

// failOnPanic turns a failed CDK assertion (a panic from the jsii runtime) into this test's failure, so the other
// tests still run.
func failOnPanic(t *testing.T) {
	if r := recover(); r != nil {
		t.Errorf("%v", r)
	}
}

func resources(t *testing.T, typ string, props map[string]interface{}) map[string]map[string]interface{} {
	t.Helper()
	var filter interface{}
	if props != nil {
		filter = map[string]interface{}{"Properties": props}
	}
	found := template.FindResources(jsii.String(typ), filter)
	out := map[string]map[string]interface{}{}
	for id, r := range *found {
		out[id] = *r
	}
	return out
}

func onlyLogicalID(t *testing.T, typ string, props map[string]interface{}) string {
	t.Helper()
	found := resources(t, typ, props)
	if len(found) != 1 {
		t.Fatalf("expected one %s, found %d", typ, len(found))
	}
	for id := range found {
		return id
	}
	return ""
}

func requestTemplateText(method map[string]interface{}) string {
	t := method["Properties"].(map[string]interface{})["Integration"].(map[string]interface{})["RequestTemplates"].(map[string]interface{})["application/json"]
	if s, ok := t.(string); ok {
		return s
	}
	var b strings.Builder
	for _, p := range t.(map[string]interface{})["Fn::Join"].([]interface{})[1].([]interface{}) {
		if s, ok := p.(string); ok {
			b.WriteString(s)
		} else {
			b.WriteString("<REF>")
		}
	}
	return b.String()
}

func TestDeliveryStreamUsesTheGivenPropsAndBucket(t *testing.T) {
	defer failOnPanic(t)
	bucketID := onlyLogicalID(t, "AWS::S3::Bucket", nil) // the construct made no bucket of its own
	template.HasResourceProperties(jsii.String("AWS::KinesisFirehose::DeliveryStream"), map[string]interface{}{
		"DeliveryStreamName": "consumer-clicks",
		"DeliveryStreamType": "DirectPut",
		"ExtendedS3DestinationConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{
			"BucketARN":         map[string]interface{}{"Fn::GetAtt": []interface{}{bucketID, "Arn"}},
			"BufferingHints":    map[string]interface{}{"IntervalInSeconds": 120, "SizeInMBs": 32},
			"CompressionFormat": "Snappy",
			"Prefix":            "clicks/",
			"ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
		}),
	})
}

func TestTwoPostMethodsWithApiKey(t *testing.T) {
	defer failOnPanic(t)
	template.ResourceCountIs(jsii.String("AWS::ApiGateway::Method"), jsii.Number(2))
	for id, m := range resources(t, "AWS::ApiGateway::Method", nil) {
		p := m["Properties"].(map[string]interface{})
		if p["HttpMethod"] != "POST" || p["ApiKeyRequired"] != true {
			t.Errorf("%s: HttpMethod %v, ApiKeyRequired %v", id, p["HttpMethod"], p["ApiKeyRequired"])
		}
	}
	template.HasResourceProperties(jsii.String("AWS::ApiGateway::Resource"), map[string]interface{}{"PathPart": "batch"})
}

func TestUsagePlanThrottleAndQuota(t *testing.T) {
	defer failOnPanic(t)
	template.HasResourceProperties(jsii.String("AWS::ApiGateway::UsagePlan"), map[string]interface{}{
		"Throttle": map[string]interface{}{"RateLimit": 50, "BurstLimit": 100},
		"Quota":    map[string]interface{}{"Limit": 10000, "Period": "DAY"},
	})
}

func TestOneApiKeyOnThePlan(t *testing.T) {
	defer failOnPanic(t)
	template.ResourceCountIs(jsii.String("AWS::ApiGateway::ApiKey"), jsii.Number(1))
	template.ResourceCountIs(jsii.String("AWS::ApiGateway::UsagePlanKey"), jsii.Number(1))
}

func TestGatewayRoleMayOnlyPutRecordsIntoTheStream(t *testing.T) {
	defer failOnPanic(t)
	streamID := onlyLogicalID(t, "AWS::KinesisFirehose::DeliveryStream", nil)
	roleID := onlyLogicalID(t, "AWS::IAM::Role", map[string]interface{}{
		"AssumeRolePolicyDocument": map[string]interface{}{"Statement": []interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
			"Principal": map[string]interface{}{"Service": "apigateway.amazonaws.com"},
			"Condition": assertions.Match_AnyValue(),
		})}},
	})
	policies := resources(t, "AWS::IAM::Policy", map[string]interface{}{"Roles": []interface{}{map[string]interface{}{"Ref": roleID}}})
	if len(policies) != 1 {
		t.Fatalf("expected one policy on the gateway role, found %d", len(policies))
	}
	want := `[{"Action":["firehose:PutRecord","firehose:PutRecordBatch"],"Effect":"Allow","Resource":{"Fn::GetAtt":["` + streamID + `","Arn"]}}]`
	for _, p := range policies {
		got, _ := json.Marshal(p["Properties"].(map[string]interface{})["PolicyDocument"].(map[string]interface{})["Statement"])
		if string(got) != want {
			t.Errorf("gateway role statements:\n got %s\nwant %s", got, want)
		}
	}
	// No other policy grants any Firehose action.
	for id, p := range resources(t, "AWS::IAM::Policy", nil) {
		if _, isGateway := policies[id]; isGateway {
			continue
		}
		if text, _ := json.Marshal(p); strings.Contains(string(text), "firehose:") {
			t.Errorf("%s grants a Firehose action", id)
		}
	}
}

func TestRequestTemplatesWriteTheKeyIdNeverTheSecretKey(t *testing.T) {
	defer failOnPanic(t)
	methods := resources(t, "AWS::ApiGateway::Method", nil)
	if len(methods) != 2 {
		t.Fatalf("expected 2 methods, found %d", len(methods))
	}
	secret := regexp.MustCompile(`context\.identity\.apiKey([^I]|$)`)
	for id, m := range methods {
		text := requestTemplateText(m)
		for _, want := range []string{
			"{context.identity.apiKeyId}",
			"{headers.get('X-Tenant-Id')}",
			"{${q}apiKeyId${q}:${f0},${q}requestId${q}:${f1},${q}receivedAt${q}:${f2},${q}tenant${q}:${f3},${q}source${q}:${f4},${q}body${q}:${body}}${nl}",
			`#set($f4 = '"web"')`,
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: request template lacks %q", id, want)
			}
		}
		if secret.MatchString(text) {
			t.Errorf("%s: request template reads the secret key value", id)
		}
	}
}

func TestBatchIsRecordPerEventWithAtMost200Events(t *testing.T) {
	defer failOnPanic(t)
	template.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]interface{}{
		"Integration": assertions.Match_ObjectLike(&map[string]interface{}{
			"RequestParameters": assertions.Match_ObjectLike(&map[string]interface{}{
				"integration.request.header.X-Amz-Target": "'Firehose_20150804.PutRecordBatch'",
			}),
		}),
	})
	template.HasResourceProperties(jsii.String("AWS::ApiGateway::Model"), map[string]interface{}{
		"Schema": assertions.Match_ObjectLike(&map[string]interface{}{
			"properties": map[string]interface{}{"records": assertions.Match_ObjectLike(&map[string]interface{}{"maxItems": 200})},
		}),
	})
}

func TestRunsOnTheLibraryCdkVersion(t *testing.T) {
	defer failOnPanic(t)
	want := os.Getenv("CDK_VERSION")
	if want == "" {
		want = "2.257.0"
	}
	// The jsii runtime loads aws-cdk-lib from the awscdk module's embedded tarball: its version is the module's.
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Fatal("no build info")
	}
	got := ""
	for _, m := range info.Deps {
		if m.Path == "github.com/aws/aws-cdk-go/awscdk/v2" {
			got = strings.TrimPrefix(m.Version, "v")
		}
	}
	if got != want {
		t.Errorf("aws-cdk-go/awscdk %q, want %s", got, want)
	}
}

func TestBadPropPanicsWithAClearMessage(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("expected a panic for bufferingInterval 1000 s")
		}
		msg := ""
		if e, ok := r.(error); ok {
			msg = e.Error()
		} else {
			msg, _ = r.(string)
		}
		if !strings.Contains(msg, "bufferingInterval must be between 0 and 900 seconds, got 1000 seconds.") {
			t.Errorf("panic message %q", msg)
		}
	}()
	cdkapitofirehose.NewApiToFirehose(awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Bad"), nil), jsii.String("Clicks"),
		&cdkapitofirehose.ApiToFirehoseProps{BufferingInterval: awscdk.Duration_Seconds(jsii.Number(1000))})
}

func TestAppSynthesizesTheTemplateForComparison(t *testing.T) {
	defer failOnPanic(t)
	path := Synth(DefaultOutdir())
	if filepath.Base(path) != "ConsumerStack.template.json" {
		t.Errorf("template file %s", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var parsed map[string]interface{}
	if err := json.Unmarshal(data, &parsed); err != nil || parsed["Resources"] == nil {
		t.Errorf("no Resources in %s (%v)", path, err)
	}
}
