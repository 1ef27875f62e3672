import { Testing } from "../../lib/toolkit/cdktf";

// cdktf's jest matchers (toHaveResource, toHaveResourceWithProperties…), installed by the test files that use them
// rather than in a setup file every test file runs: loading cdktf costs a test file about 2 s, and most never need it.
Testing.setupJest();
