// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 22 has and Node 20 (this
// project's tooling runtime) lacks. Lambda itself runs Node 22, so production code never needs this.
declare global {
  interface PromiseConstructor {
    withResolvers<T>(): {
      promise: Promise<T>;
      resolve: (value: T | PromiseLike<T>) => void;
      reject: (reason?: unknown) => void;
    };
  }
}

if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

// The tooling runs on Node 20 on purpose (see README); the SDK's reminder that it will want Node 22 from 2027
// on is known and would only clutter every local log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
