import { vi } from 'vitest';

/** One JSON line a Powertools logger or EMF metrics wrote, with the stream it went to. */
export type OutputLine = Record<string, unknown> & { stream: 'stdout' | 'stderr' };

export interface CapturedOutput {
  lines: OutputLine[];
  /** Log lines with this message. */
  logs(message: string): OutputLine[];
  /** EMF documents (lines with `_aws`): what CloudWatch turns into metrics. */
  emf(): OutputLine[];
  /** Puts the process streams back. */
  restore(): void;
}

/**
 * Captures what Powertools writes from now on (its own console over the process streams), one JSON
 * object per line, instead of printing it; text that is not JSON (Powertools' warnings) is dropped.
 */
export function captureOutput(): CapturedOutput {
  const lines: OutputLine[] = [];
  const writer = (stream: OutputLine['stream']) => (chunk: unknown) => {
    for (const text of String(chunk).split('\n')) {
      if (text.startsWith('{')) lines.push({ ...(JSON.parse(text) as Record<string, unknown>), stream });
    }
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(writer('stdout'));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(writer('stderr'));
  return {
    lines,
    logs: (message) => lines.filter((line) => line.message === message),
    emf: () => lines.filter((line) => '_aws' in line),
    restore: () => {
      stdout.mockRestore();
      stderr.mockRestore();
    },
  };
}

/** The metrics an EMF document declares, by name, with their values. */
export function metricValues(document: OutputLine): Record<string, unknown> {
  const aws = document._aws as { CloudWatchMetrics: { Metrics: { Name: string }[] }[] };
  return Object.fromEntries(
    aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics.map((m) => [m.Name, document[m.Name]])),
  );
}

/** The namespace and dimension sets of an EMF document. */
export function emfDirective(document: OutputLine): { Namespace: string; Dimensions: string[][] } {
  return (document._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] })
    .CloudWatchMetrics[0]!;
}
