// Every page of a paginated EC2 call. The SDK's paginators insist on an EC2Client instance (`instanceof`),
// which the narrow `send` seam does not promise, so the NextToken loop is written out once here.

/** Calls `page` with each NextToken until the response has none; returns every response. */
export async function allPages<T extends { NextToken?: string }>(page: (token: string | undefined) => Promise<T>): Promise<T[]> {
  const pages: T[] = [];
  let token: string | undefined;
  do {
    const response = await page(token);
    pages.push(response);
    token = response.NextToken || undefined;
  } while (token);
  return pages;
}
