import { ECSClient, RunTaskCommand, ECSServiceException } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { it, expect, vi } from 'vitest';

it('mock bypasses retry', async () => {
  const m = mockClient(ECSClient);
  const c = new ECSClient({ region: 'us-east-1', maxAttempts: 3, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  m.on(RunTaskCommand).rejectsOnce(new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: {}, message: 'Rate exceeded' })).resolves({ tasks: [{ taskArn: 'x' }] });
  await expect(c.send(new RunTaskCommand({ taskDefinition: 'td' }))).rejects.toThrow('Rate');
  m.restore();
});

it('handler retry', async () => {
  vi.spyOn(Math, 'random').mockReturnValue(0);
  const bodies = [
    { statusCode: 400, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': 'ThrottlingException' }, body: JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }) },
    { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ tasks: [{ taskArn: 'arn:x' }], failures: [] }) },
  ];
  const seen: unknown[] = [];
  const c = new ECSClient({ region: 'us-east-1', maxAttempts: 3, credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: { handle: async (req: any) => { seen.push(JSON.parse(req.body)); const r = bodies.shift()!; return { response: { statusCode: r.statusCode, headers: r.headers, body: new TextEncoder().encode(r.body) } }; } } as any });
  const t0 = Date.now();
  const out = await c.send(new RunTaskCommand({ taskDefinition: 'td', clientToken: 'tok' }));
  console.log(out.tasks, seen, Date.now() - t0);
});
