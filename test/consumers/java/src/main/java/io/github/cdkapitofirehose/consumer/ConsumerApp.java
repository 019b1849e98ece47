package io.github.cdkapitofirehose.consumer;

import io.github.cdkapitofirehose.ApiToFirehose;
import io.github.cdkapitofirehose.BatchMode;
import io.github.cdkapitofirehose.BatchOptions;
import io.github.cdkapitofirehose.EnvelopeField;
import io.github.cdkapitofirehose.RecordEnvelope;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Size;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.apigateway.Period;
import software.amazon.awscdk.services.apigateway.QuotaSettings;
import software.amazon.awscdk.services.apigateway.ThrottleSettings;
import software.amazon.awscdk.services.kinesisfirehose.Compression;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;

/**
 * Java consumer of cdk-api-to-firehose: the same stack as ../../python/app.py and
 * ../../typescript/app.ts. Keep the stack and construct ids and the props in step, so that the
 * three synthesized templates are identical (checked by ../../compare-templates.js).
 */
public final class ConsumerApp {
    public static final String STACK_ID = "ConsumerStack";

    private ConsumerApp() {
    }

    public static Stack buildStack(final App app) {
        Stack stack = new Stack(app, STACK_ID);
        Bucket bucket = Bucket.Builder.create(stack, "ClicksBucket")
                .encryption(BucketEncryption.S3_MANAGED)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .enforceSsl(true)
                .build();
        ApiToFirehose.Builder.create(stack, "Clicks")
                .bucket(bucket)
                .deliveryStreamName("consumer-clicks")
                .bufferingInterval(Duration.seconds(120))
                .bufferingSize(Size.mebibytes(32))
                .compression(Compression.SNAPPY)
                .dataOutputPrefix("clicks/")
                .envelope(RecordEnvelope.withFields(List.of(
                        EnvelopeField.apiKeyId(),
                        EnvelopeField.requestId(),
                        EnvelopeField.receivedAt(),
                        EnvelopeField.header("X-Tenant-Id", "tenant"),
                        EnvelopeField.constant("source", "web"))))
                .throttle(ThrottleSettings.builder().rateLimit(50).burstLimit(100).build())
                .quota(QuotaSettings.builder().limit(10_000).period(Period.DAY).build())
                .batch(BatchOptions.builder().mode(BatchMode.RECORD_PER_EVENT).maxEvents(200).build())
                .build();
        return stack;
    }

    /** Synthesizes the app into {@code outdir}; returns the template file's path. */
    public static Path synth(final Path outdir) {
        App app = new App(AppProps.builder().outdir(outdir.toString()).build());
        buildStack(app);
        app.synth();
        return outdir.resolve(STACK_ID + ".template.json");
    }

    public static void main(final String[] args) {
        Path outdir = Paths.get(args.length > 0 ? args[0] : "../out/java");
        System.out.println("java: wrote " + synth(outdir));
    }
}
