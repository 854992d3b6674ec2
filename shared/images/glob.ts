/**
 * Repository globs from the config: `*` matches any run of characters (`/` included) and `?` exactly
 * one, everything else itself. These are IAM's wildcard rules for resource ARNs, so a glob matches the
 * same repository names here as in the function's role (`arn:…:repository/<glob>`).
 */
export function globMatches(glob: string, name: string): boolean {
  // Iterative wildcard matching with one backtrack point: linear in practice, no regex, no blow-up.
  let g = 0;
  let n = 0;
  let star = -1;
  let resume = 0;
  while (n < name.length) {
    const c = glob[g];
    if (c === '?' || (c !== undefined && c !== '*' && c === name[n])) {
      g++;
      n++;
    } else if (c === '*') {
      star = g++;
      resume = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++resume;
    } else return false;
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** Whether any glob of the list matches the name. */
export const anyGlobMatches = (globs: readonly string[], name: string): boolean =>
  globs.some((glob) => globMatches(glob, name));
