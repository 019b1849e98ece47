package io.github.cdkapitofirehose.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.cdkapitofirehose.ApiToFirehose;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** Checks the Java consumer's synthesized template (same facts as the Python consumer's test_app.py). */
class ConsumerAppTest {
    private static Template template;

    @BeforeAll
    static void synth() {
        template = Template.fromStack(ConsumerApp.buildStack(new App()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(final Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(final Object o) {
        return (List<Object>) o;
    }

    private static String onlyLogicalId(final String type, final Map<String, Object> props) {
        Map<String, Map<String, Object>> found = props == null
                ? template.findResources(type)
                : template.findResources(type, Map.of("Properties", props));
        assertEquals(1, found.size(), "expected one " + type + ", found " + found.keySet());
        return found.keySet().iterator().next();
    }

    private static String requestTemplateText(final Map<String, Object> method) {
        Object t = map(map(map(method.get("Properties")).get("Integration")).get("RequestTemplates")).get("application/json");
        if (t instanceof String) {
            return (String) t;
        }
        List<Object> parts = list(list(map(t).get("Fn::Join")).get(1));
        return parts.stream().map(p -> p instanceof String ? (String) p : "<REF>").collect(Collectors.joining());
    }

    @Test
    void deliveryStreamUsesTheGivenPropsAndBucket() {
        String bucketId = onlyLogicalId("AWS::S3::Bucket", null); // the construct made no bucket of its own
        template.hasResourceProperties("AWS::KinesisFirehose::DeliveryStream", Map.of(
                "DeliveryStreamName", "consumer-clicks",
                "DeliveryStreamType", "DirectPut",
                "ExtendedS3DestinationConfiguration", Match.objectLike(Map.of(
                        "BucketARN", Map.of("Fn::GetAtt", List.of(bucketId, "Arn")),
                        "BufferingHints", Map.of("IntervalInSeconds", 120, "SizeInMBs", 32),
                        "CompressionFormat", "Snappy",
                        "Prefix", "clicks/",
                        "ErrorOutputPrefix", "errors/!{firehose:error-output-type}/"))));
    }

    @Test
    void twoPostMethodsWithApiKey() {
        template.resourceCountIs("AWS::ApiGateway::Method", 2);
        for (Map<String, Object> m : template.findResources("AWS::ApiGateway::Method").values()) {
            Map<String, Object> p = map(m.get("Properties"));
            assertEquals("POST", p.get("HttpMethod"));
            assertEquals(Boolean.TRUE, p.get("ApiKeyRequired"));
        }
        template.hasResourceProperties("AWS::ApiGateway::Resource", Map.of("PathPart", "batch"));
    }

    @Test
    void usagePlanThrottleAndQuota() {
        template.hasResourceProperties("AWS::ApiGateway::UsagePlan", Map.of(
                "Throttle", Map.of("RateLimit", 50, "BurstLimit", 100),
                "Quota", Map.of("Limit", 10000, "Period", "DAY")));
    }

    @Test
    void oneApiKeyOnThePlan() {
        template.resourceCountIs("AWS::ApiGateway::ApiKey", 1);
        template.resourceCountIs("AWS::ApiGateway::UsagePlanKey", 1);
    }

    @Test
    void gatewayRoleMayOnlyPutRecordsIntoTheStream() {
        String streamId = onlyLogicalId("AWS::KinesisFirehose::DeliveryStream", null);
        String roleId = onlyLogicalId("AWS::IAM::Role", Map.of(
                "AssumeRolePolicyDocument", Map.of("Statement", List.of(Match.objectLike(Map.of(
                        "Principal", Map.of("Service", "apigateway.amazonaws.com"),
                        "Condition", Match.anyValue()))))));
        Map<String, Map<String, Object>> policies = template.findResources("AWS::IAM::Policy",
                Map.of("Properties", Map.of("Roles", List.of(Map.of("Ref", roleId)))));
        assertEquals(1, policies.size());
        Object statements = map(map(policies.values().iterator().next().get("Properties")).get("PolicyDocument")).get("Statement");
        assertEquals(List.of(Map.of(
                "Action", List.of("firehose:PutRecord", "firehose:PutRecordBatch"),
                "Effect", "Allow",
                "Resource", Map.of("Fn::GetAtt", List.of(streamId, "Arn")))), statements);
        // No other policy grants any Firehose action.
        template.findResources("AWS::IAM::Policy").forEach((id, p) -> {
            if (!policies.containsKey(id)) {
                assertFalse(p.toString().contains("firehose:"), id);
            }
        });
    }

    @Test
    void requestTemplatesWriteTheKeyIdNeverTheSecretKey() {
        Map<String, Map<String, Object>> methods = template.findResources("AWS::ApiGateway::Method");
        assertEquals(2, methods.size());
        for (Map<String, Object> m : methods.values()) {
            String text = requestTemplateText(m);
            assertTrue(text.contains("{context.identity.apiKeyId}"));
            assertFalse(text.contains("$context.identity.apiKey}"));
            assertFalse(Pattern.compile("context\\.identity\\.apiKey(?!Id)").matcher(text).find());
            assertTrue(text.contains("{headers.get('X-Tenant-Id')}"));
            assertTrue(text.contains("{${q}apiKeyId${q}:${f0},${q}requestId${q}:${f1},${q}receivedAt${q}:${f2},"
                    + "${q}tenant${q}:${f3},${q}source${q}:${f4},${q}body${q}:${body}}${nl}"));
            assertTrue(text.contains("#set($f4 = '\"web\"')"));
        }
    }

    @Test
    void batchIsRecordPerEventWithAtMost200Events() {
        template.hasResourceProperties("AWS::ApiGateway::Method", Map.of(
                "Integration", Match.objectLike(Map.of(
                        "RequestParameters", Match.objectLike(Map.of(
                                "integration.request.header.X-Amz-Target", "'Firehose_20150804.PutRecordBatch'"))))));
        template.hasResourceProperties("AWS::ApiGateway::Model", Map.of(
                "Schema", Match.objectLike(Map.of(
                        "properties", Map.of("records", Match.objectLike(Map.of("maxItems", 200)))))));
    }

    @Test
    void runsOnTheLibraryCdkVersion() {
        // The library's pom pins the newest aws-cdk-lib jsii-pacmak saw; this project's direct dependency must win.
        String jar = App.class.getProtectionDomain().getCodeSource().getLocation().getPath();
        String expected = System.getProperty("cdk.version", "2.257.0");
        assertTrue(jar.endsWith("/aws-cdk-lib-" + expected + ".jar"), jar);
    }

    @Test
    void badPropRaisesAClearError() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> ApiToFirehose.Builder
                .create(new Stack(new App(), "Bad"), "Clicks")
                .bufferingInterval(Duration.seconds(1000))
                .build());
        assertTrue(e.getMessage().contains("bufferingInterval must be between 0 and 900 seconds"), e.getMessage());
    }

    @Test
    void appSynthesizesTheTemplateForComparison() throws Exception {
        Path path = ConsumerApp.synth(Paths.get("..", "out", "java"));
        assertTrue(Files.readString(path).contains("\"Resources\""));
        assertEquals("ConsumerStack.template.json", path.getFileName().toString());
    }
}
