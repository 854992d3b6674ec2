import { describe, expect, it } from 'vitest';
import {
  ALERTS_KEY_ID,
  ALERTS_TOPIC_ID,
  alertPublishStatements,
} from '../../../../../shared/kernel/notify/deploy';

describe('Function: alertPublishStatements', () => {
  it('allows sns:Publish on the alerts topic only', () => {
    const [publish] = alertPublishStatements();

    expect(publish).toStrictEqual({
      Effect: 'Allow',
      Action: ['sns:Publish'],
      Resource: [{ Ref: 'AlertsTopic' }],
    });
  });

  it('allows the two KMS actions SNS needs from a publisher, on the topic key only', () => {
    const [, key] = alertPublishStatements();

    expect(key).toStrictEqual({
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: [{ 'Fn::GetAtt': ['AlertsKey', 'Arn'] }],
    });
  });

  it('grants nothing else and no wildcard resource', () => {
    const statements = alertPublishStatements();

    expect(statements).toHaveLength(2);
    expect(JSON.stringify(statements)).not.toContain('"*"');
  });

  it('keeps the logical ids the alerts stack creates (renaming them replaces the topic)', () => {
    expect([ALERTS_TOPIC_ID, ALERTS_KEY_ID]).toStrictEqual(['AlertsTopic', 'AlertsKey']);
  });
});
