import "aws-sdk-client-mock-jest";
import "cdktf/lib/testing/adapters/jest";
import { Testing } from "cdktf";

Testing.setupJest();

// The tests run on this machine's Node.js 20; the function runs on nodejs22.x. The SDK's reminder that it
// will soon need Node.js 22 is about the test runner, not the product.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
