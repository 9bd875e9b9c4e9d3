/**
 * AWS X-Ray through Powertools Tracer: each AWS SDK client passed to `traced` and every `fetch` (the PhonePe
 * and Cashfree calls) get their own subsegment in the function's trace. Where tracing is off
 * (POWERTOOLS_TRACE_ENABLED=false: the local stack and the tests, which have no X-Ray daemon), the X-Ray SDK is
 * not even loaded, so those cold starts do not pay for it.
 */
const enabled = process.env.POWERTOOLS_TRACE_ENABLED !== 'false';
const tracer = enabled ? new (await import('@aws-lambda-powertools/tracer')).Tracer() : null;

/** The client, instrumented for X-Ray when tracing is on. */
export function traced<T>(client: T): T {
  return tracer ? tracer.captureAWSv3Client(client) : client;
}
