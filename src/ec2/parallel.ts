// A few at a time: asking hundreds of boxes' /health at once would exhaust sockets and time out in bulk.

/** How many boxes' /health are asked at once. */
export const HEALTH_CONCURRENCY = 16;

/** `fn` over `items`, at most `limit` running at once, results in the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
