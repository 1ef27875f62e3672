/**
 * The AWS provider's classes the project uses, reached only through here (see ./cdktf.ts for why). Each comes from
 * its own module, never the package root: the root loads every resource of the provider, which costs a synth
 * seconds and hundreds of megabytes (README.md, Performance); these together cost a fraction of a second.
 */

export { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
export { Apigatewayv2Authorizer } from "@cdktf/provider-aws/lib/apigatewayv2-authorizer";
export { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
export { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
export { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
export { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
export { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
export { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
export { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
export { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
export { DataAwsCallerIdentity } from "@cdktf/provider-aws/lib/data-aws-caller-identity";
export { DataAwsPartition } from "@cdktf/provider-aws/lib/data-aws-partition";
export { DataAwsRegion } from "@cdktf/provider-aws/lib/data-aws-region";
export { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
export { IamRole } from "@cdktf/provider-aws/lib/iam-role";
export { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
export { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
export { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
export { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
export { LambdaFunctionEventInvokeConfig } from "@cdktf/provider-aws/lib/lambda-function-event-invoke-config";
export { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
export { AwsProvider } from "@cdktf/provider-aws/lib/provider";
export { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
export { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
export { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
export { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
export { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
export { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
export { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
export { SchedulerSchedule } from "@cdktf/provider-aws/lib/scheduler-schedule";
export { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
export { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
export { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
export { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
export { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
