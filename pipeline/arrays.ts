// Array helpers the pipeline needs at fleet scale.

/**
 * Appends `items` to `target` in place and returns it. `target.push(...items)` passes every item as
 * a call argument and overflows the stack past about 120,000 of them: a 100-site backtest origin
 * issues 144,000 rows, and one weather provider returns millions.
 */
export function pushAll<T>(target: T[], items: readonly T[]): T[] {
  for (let i = 0; i < items.length; i++) target.push(items[i]);
  return target;
}
