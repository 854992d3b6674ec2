import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CHECKOV_CONFIG, judge, readSkips, reportLines, skipProblems } from '../../../local/checkov';

describe('Function: readSkips', () => {
  it('reads each skipped check with the comment on its line as its reason', () => {
    const skips = readSkips(
      [
        'skip-check:',
        '  - CKV_AWS_1 # not needed here',
        '  - CKV_AWS_2 # without encryption: set `encryption`',
        '  - CKV_AWS_3',
      ].join('\n'),
    );

    expect(skips).toEqual([
      { id: 'CKV_AWS_1', reason: 'not needed here', unlessEncrypted: false },
      { id: 'CKV_AWS_2', reason: 'without encryption: set `encryption`', unlessEncrypted: true },
      { id: 'CKV_AWS_3', reason: '', unlessEncrypted: false },
    ]);
  });

  it('refuses a skip list that is not a list of ids', () => {
    expect(() => readSkips('skip-check: CKV_AWS_1')).toThrow('skip-check must be a list');
    expect(() => readSkips('skip-check:\n  - { id: CKV_AWS_1 }')).toThrow('must be a check id');
  });
});

describe('Function: skipProblems', () => {
  it('names every skip without a reason, an empty conditional one, and a repeated id', () => {
    const problems = skipProblems(
      readSkips(
        [
          'skip-check:',
          '  - CKV_AWS_1',
          '  - CKV_AWS_2 # without encryption:',
          '  - CKV_AWS_3 # ok',
          '  - CKV_AWS_3 # again',
        ].join('\n'),
      ),
    );

    expect(problems).toEqual([
      'CKV_AWS_1 is skipped without a reason (write it after "#" on its line)',
      'CKV_AWS_2 is skipped without a reason (write it after "#" on its line)',
      'CKV_AWS_3 is listed twice',
    ]);
  });

  it('finds the README’s "Security review" listing exactly the skips of .checkov.yaml', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Security review'),
      readme.indexOf('## Configuration reference'),
    );
    const listed = [...section.matchAll(/^\| (CKV_[A-Z0-9_]+) /gm)].map((m) => m[1]);

    expect(listed.sort()).toEqual(
      readSkips(readFileSync(CHECKOV_CONFIG, 'utf8'))
        .map((s) => s.id)
        .sort(),
    );
  });

  it('finds every skip in the project’s .checkov.yaml justified', () => {
    const skips = readSkips(readFileSync(CHECKOV_CONFIG, 'utf8'));

    expect(skips.length).toBeGreaterThan(0);
    expect(skipProblems(skips)).toEqual([]);
  });
});

describe('Function: judge', () => {
  const result = (id: string, resource: string) => ({ check_id: id, check_name: `check ${id}`, resource });
  const output = {
    summary: { passed: 1, failed: 3, parsing_errors: 0, resource_count: 3, checkov_version: '3.3.30' },
    results: {
      passed_checks: [result('CKV_AWS_9', 'AWS::SQS::Queue.A')],
      failed_checks: [
        result('CKV_AWS_1', 'AWS::Lambda::Function.F'),
        result('CKV_AWS_27', 'AWS::SQS::Queue.A'),
        result('CKV_AWS_5', 'AWS::S3::Bucket.B'),
      ],
    },
  };
  const skips = readSkips(
    ['skip-check:', '  - CKV_AWS_1 # design', '  - CKV_AWS_27 # without encryption: SSE-SQS'].join('\n'),
  );

  it('counts a skipped failure as skipped, with its reason, and any other as failed', () => {
    const report = judge(output, skips, false);

    expect(report.passed).toHaveLength(1);
    expect(report.failed.map((f) => f.id)).toEqual(['CKV_AWS_5']);
    expect(report.skipped.map((s) => [s.id, s.reason])).toEqual([
      ['CKV_AWS_1', 'design'],
      ['CKV_AWS_27', 'without encryption: SSE-SQS'],
    ]);
    expect(reportLines(report)[0]).toBe('Checkov 3.3.30: 1 passed, 1 failed, 2 skipped over 3 resources');
  });

  it('fails a check skipped only without encryption when the template has encryption', () => {
    const report = judge(output, skips, true);

    expect(report.failed.map((f) => f.id)).toEqual(['CKV_AWS_27', 'CKV_AWS_5']);
    expect(report.skipped.map((s) => s.id)).toEqual(['CKV_AWS_1']);
  });
});
