import "aws-sdk-client-mock-jest";
import { Testing } from "../../lib/toolkit/cdktf";

Testing.setupJest();
