// One reason an AMI must stay, and the map the in-use checks fill.

/** Something that uses an AMI: `resource` (an id or ARN) tells two reports of the same user apart. */
export interface ImageUse {
  resource: string;
  text: string;
}

/** AMI id → what uses it. */
export type ImageUses = Map<string, ImageUse[]>;

/** Adds `use` to `image`'s list unless the same resource is already there. */
export function addUse(uses: ImageUses, image: string, use: ImageUse): void {
  const list = uses.get(image) ?? [];
  if (!list.some((u) => u.resource === use.resource)) list.push(use);
  uses.set(image, list);
}
