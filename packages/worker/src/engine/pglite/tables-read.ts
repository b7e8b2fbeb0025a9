/**
 * Every "Relation Name" anywhere in an EXPLAIN (FORMAT JSON) plan. Walking the whole tree (not just
 * "Plans") also reaches CTEs, InitPlans and SubPlans, which all appear as nested plan nodes.
 * Sorted so callers can compare dependency sets cheaply.
 */
export function relationNames(plan: unknown): string[] {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'Relation Name' && typeof value === 'string') names.add(value);
        else visit(value);
      }
    }
  };
  visit(plan);
  return [...names].sort();
}
