/**
 * aws-local-stepfunctions 3 declares Node >= 22 and calls Promise.withResolvers (Node 22+). On Node 20
 * this one function is all it lacks; the polyfill follows the specification and is installed only when
 * the runtime does not have it.
 */
if (typeof (Promise as { withResolvers?: unknown }).withResolvers !== "function") {
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>(this: PromiseConstructor) {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
