"""Python consumer of cdk-api-to-firehose.

The same stack as ../typescript/app.ts and ../java/.../ConsumerApp.java: keep the
stack and construct ids and the props in step, so that the three synthesized
templates are identical (checked by ../compare-templates.js).

Run: python app.py [outdir]   (default: ../out/python)
"""
import os
import sys

from aws_cdk import App, Duration, Size, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_kinesisfirehose as firehose
from aws_cdk import aws_s3 as s3
from cdk_api_to_firehose import (
    ApiToFirehose,
    BatchMode,
    BatchOptions,
    EnvelopeField,
    RecordEnvelope,
)

STACK_ID = "ConsumerStack"
DEFAULT_OUTDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "out", "python")


def build_stack(app: App) -> Stack:
    stack = Stack(app, STACK_ID)
    bucket = s3.Bucket(
        stack,
        "ClicksBucket",
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
    )
    ApiToFirehose(
        stack,
        "Clicks",
        bucket=bucket,
        delivery_stream_name="consumer-clicks",
        buffering_interval=Duration.seconds(120),
        buffering_size=Size.mebibytes(32),
        compression=firehose.Compression.SNAPPY,
        data_output_prefix="clicks/",
        envelope=RecordEnvelope.with_fields([
            EnvelopeField.api_key_id(),
            EnvelopeField.request_id(),
            EnvelopeField.received_at(),
            EnvelopeField.header("X-Tenant-Id", "tenant"),
            EnvelopeField.constant("source", "web"),
        ]),
        throttle=apigw.ThrottleSettings(rate_limit=50, burst_limit=100),
        quota=apigw.QuotaSettings(limit=10_000, period=apigw.Period.DAY),
        batch=BatchOptions(mode=BatchMode.RECORD_PER_EVENT, max_events=200),
    )
    return stack


def main(outdir: str = DEFAULT_OUTDIR) -> str:
    """Synthesizes the app into outdir and returns the template file's path."""
    app = App(outdir=outdir)
    build_stack(app)
    app.synth()
    return os.path.join(outdir, f"{STACK_ID}.template.json")


if __name__ == "__main__":
    print("python: wrote " + main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUTDIR))
