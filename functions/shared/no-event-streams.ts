/**
 * What the bundles get in place of `@smithy/core/event-streams`, the SDK's event-stream support (lib/nodejs-bundle.ts
 * aliases it here). The SDK's protocols load it with `import()` only for an operation whose input or output is an
 * event stream, and neither client the functions build has one: Step Functions' and DynamoDB's schemas have no
 * streaming member (__tests__/nodejs-bundle.test.ts reads them). Yet that one `import()` made esbuild wrap the
 * module and everything it shares with the protocols (about 150 modules of the SDK) in lazy initialisers, which
 * cost every cold start their second parse, and it brought about 20 KB of codecs along.
 *
 * Were an event-stream operation ever called from a bundle, it would fail here saying why.
 */
const NO_EVENT_STREAMS =
  "This bundle has no event-stream support (functions/shared/no-event-streams.ts): no operation the functions call streams events.";

export function eventStreamSerdeProvider(): never {
  throw new Error(NO_EVENT_STREAMS);
}

export class EventStreamSerde {
  constructor() {
    throw new Error(NO_EVENT_STREAMS);
  }
}
