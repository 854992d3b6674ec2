/** A decision line a handler logged (the fields the demo prints). */
export interface Decision {
  decision: string;
  trigger?: string;
  schedule?: string;
  slot?: string;
  key?: string;
  taskArn?: string;
  versionId?: string;
  reason?: string;
  stopped?: string[];
}

/**
 * Collects the handlers' structured JSON decision lines (stdout and stderr) while `fn` runs, and
 * echoes them only when verbose: the demo prints its own summary from them.
 */
export async function captureDecisions<T>(verbose: boolean, fn: () => Promise<T>): Promise<[T, Decision[]]> {
  const decisions: Decision[] = [];
  const restore = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const entry = JSON.parse(line) as Decision;
          if (entry.decision) decisions.push(entry);
        } catch {
          // not a log line
        }
      }
      return verbose ? write(chunk, ...(rest as [])) : true;
    }) as typeof stream.write;
    return () => (stream.write = write);
  });
  try {
    return [await fn(), decisions];
  } finally {
    restore.forEach((undo) => undo());
  }
}

/** The last two parts of an ARN (`cluster/task-id`), for readable lines. */
export const short = (arn = '') => arn.split('/').slice(-2).join('/');
