// Long loops on the main thread await this now and then: worker threads that wait on this thread
// for their next job (the Prophet fits' queue, parallel.ts) are served between two steps instead of
// after the whole loop. A turn of the event loop costs microseconds.
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
