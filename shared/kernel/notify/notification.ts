/** One message for the toolkit's SNS topic: an email subject and body, and attributes subscribers filter on. */
export interface Notification {
  /** At most 100 printable ASCII characters, one line (SNS refuses anything else). */
  subject: string;
  body: string;
  /** Attribute name → value; absent values are left out. */
  attributes: Record<string, string>;
}
