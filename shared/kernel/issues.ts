import type { z } from 'zod';
import { config as zodConfig } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// English messages for zod's built-in checks (zod/mini loads no locale by itself). Every module
// that validates with zod/mini formats its issues through this one, so the locale is always loaded.
zodConfig(en());

/** How validation problems read, in config errors and in the reasons of rejected events. */

/** Renders a zod path the way users write it: `uploads[0].task.subnets`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/** The first `max` issues of a failed parse as one line (`path: message; …`), for event errors. */
export function summarizeIssues(issues: readonly z.core.$ZodIssue[], max = 5): string {
  return issues
    .slice(0, max)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
}

const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Paths of keys that would reach an object's prototype rather than its data. zod silently drops
 * a `__proto__` key, so they are found on the raw input, before validation.
 */
export function unsafeKeys(value: unknown, path: PropertyKey[] = []): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => unsafeKeys(item, [...path, index]));
  if (!value || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) =>
    UNSAFE_KEYS.has(key)
      ? [`${formatPath([...path, key])}: key "${key}" is not allowed`]
      : unsafeKeys((value as Record<string, unknown>)[key], [...path, key]),
  );
}
