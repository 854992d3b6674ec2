import { arn, type Statement } from '../deploy/cfn.js';

/** Logical ids of the toolkit's topic and its key, created by the alerts automation's deploy part. */
export const ALERTS_TOPIC_ID = 'AlertsTopic';
export const ALERTS_KEY_ID = 'AlertsKey';

/**
 * What publishing to the alerts topic takes: sns:Publish on the topic, and on its customer managed
 * key the two actions SNS needs from a publisher (SNS developer guide, "Key management":
 * kms:GenerateDataKey* and kms:Decrypt). With config `encryption` the topic uses that key instead,
 * and the role's grant on it comes with the rest of its key grants (`keyStatement`).
 */
export function alertPublishStatements(encrypted = false): Statement[] {
  const publish: Statement = {
    Effect: 'Allow',
    Action: ['sns:Publish'],
    Resource: [{ Ref: ALERTS_TOPIC_ID }],
  };
  if (encrypted) return [publish];
  return [
    publish,
    {
      Effect: 'Allow',
      Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      Resource: [arn(ALERTS_KEY_ID)],
    },
  ];
}
