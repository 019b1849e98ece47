"""Checks the Python consumer's synthesized template (same facts as the Java consumer's test)."""
import importlib.metadata
import json
import os
import re

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk.assertions import Match, Template
from cdk_api_to_firehose import ApiToFirehose

import app as consumer


@pytest.fixture(scope="module")
def template() -> Template:
    return Template.from_stack(consumer.build_stack(App()))


def only_logical_id(template: Template, type_: str, props=None) -> str:
    found = template.find_resources(type_, {"Properties": props} if props else None)
    assert len(found) == 1, f"expected one {type_}, found {list(found)}"
    return next(iter(found))


def request_template_text(method: dict) -> str:
    t = method["Properties"]["Integration"]["RequestTemplates"]["application/json"]
    if isinstance(t, str):
        return t
    return "".join(p if isinstance(p, str) else "<REF>" for p in t["Fn::Join"][1])


def test_delivery_stream_uses_the_given_props_and_bucket(template: Template):
    bucket_id = only_logical_id(template, "AWS::S3::Bucket")  # the construct made no bucket of its own
    template.has_resource_properties("AWS::KinesisFirehose::DeliveryStream", {
        "DeliveryStreamName": "consumer-clicks",
        "DeliveryStreamType": "DirectPut",
        "ExtendedS3DestinationConfiguration": Match.object_like({
            "BucketARN": {"Fn::GetAtt": [bucket_id, "Arn"]},
            "BufferingHints": {"IntervalInSeconds": 120, "SizeInMBs": 32},
            "CompressionFormat": "Snappy",
            "Prefix": "clicks/",
            "ErrorOutputPrefix": "errors/!{firehose:error-output-type}/",
        }),
    })


def test_two_post_methods_with_api_key(template: Template):
    template.resource_count_is("AWS::ApiGateway::Method", 2)
    for m in template.find_resources("AWS::ApiGateway::Method").values():
        assert m["Properties"]["HttpMethod"] == "POST"
        assert m["Properties"]["ApiKeyRequired"] is True
    template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "batch"})


def test_usage_plan_throttle_and_quota(template: Template):
    template.has_resource_properties("AWS::ApiGateway::UsagePlan", {
        "Throttle": {"RateLimit": 50, "BurstLimit": 100},
        "Quota": {"Limit": 10000, "Period": "DAY"},
    })


def test_one_api_key_on_the_plan(template: Template):
    template.resource_count_is("AWS::ApiGateway::ApiKey", 1)
    template.resource_count_is("AWS::ApiGateway::UsagePlanKey", 1)


def test_gateway_role_may_only_put_records_into_the_stream(template: Template):
    stream_id = only_logical_id(template, "AWS::KinesisFirehose::DeliveryStream")
    role_id = only_logical_id(template, "AWS::IAM::Role", {
        "AssumeRolePolicyDocument": {"Statement": [Match.object_like({
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Condition": Match.any_value(),
        })]},
    })
    policies = template.find_resources("AWS::IAM::Policy", {"Properties": {"Roles": [{"Ref": role_id}]}})
    assert len(policies) == 1
    statements = next(iter(policies.values()))["Properties"]["PolicyDocument"]["Statement"]
    assert statements == [{
        "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
        "Effect": "Allow",
        "Resource": {"Fn::GetAtt": [stream_id, "Arn"]},
    }]
    # No other policy grants any Firehose action.
    for pid, p in template.find_resources("AWS::IAM::Policy").items():
        if pid not in policies:
            assert "firehose:" not in json.dumps(p), pid


def test_request_templates_write_the_key_id_never_the_secret_key(template: Template):
    methods = template.find_resources("AWS::ApiGateway::Method")
    assert len(methods) == 2
    for m in methods.values():
        text = request_template_text(m)
        assert "{context.identity.apiKeyId}" in text
        assert "$context.identity.apiKey}" not in text
        assert re.search(r"context\.identity\.apiKey(?!Id)", text) is None
        assert "{headers.get('X-Tenant-Id')}" in text
        assert ("{${q}apiKeyId${q}:${f0},${q}requestId${q}:${f1},${q}receivedAt${q}:${f2},"
                "${q}tenant${q}:${f3},${q}source${q}:${f4},${q}body${q}:${body}}${nl}") in text
        assert "#set($f4 = '\"web\"')" in text


def test_batch_is_record_per_event_with_at_most_200_events(template: Template):
    template.has_resource_properties("AWS::ApiGateway::Method", {
        "Integration": Match.object_like({
            "RequestParameters": Match.object_like({
                "integration.request.header.X-Amz-Target": "'Firehose_20150804.PutRecordBatch'",
            }),
        }),
    })
    template.has_resource_properties("AWS::ApiGateway::Model", {
        "Schema": Match.object_like({"properties": {"records": Match.object_like({"maxItems": 200})}}),
    })


def test_runs_on_the_library_cdk_version():
    assert importlib.metadata.version("aws-cdk-lib") == os.environ.get("CDK_VERSION", "2.257.0")


def test_bad_prop_raises_a_clear_error():
    with pytest.raises(RuntimeError, match="bufferingInterval must be between 0 and 900 seconds"):
        ApiToFirehose(Stack(App(), "Bad"), "Clicks", buffering_interval=Duration.seconds(1000))


def test_app_synthesizes_the_template_for_comparison():
    path = consumer.main()
    with open(path, encoding="utf-8") as f:
        assert "Resources" in json.load(f)
    assert os.path.basename(path) == "ConsumerStack.template.json"
