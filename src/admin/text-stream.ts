/**
 * A response body from text produced piece by piece: each chunk is encoded
 * and sent as it comes, so a large answer (a trace) is never one string held
 * and stringified at once on the event loop. Pull-based: the next chunk is
 * produced only when the client has taken the last one.
 */
const encoder = new TextEncoder();

export function textStream(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        const { value, done } = await it.next();
        if (done) return controller.close();
        if (value.length === 0) continue;
        return controller.enqueue(encoder.encode(value));
      }
    },
    async cancel() {
      await it.return?.(undefined);
    },
  });
}
