/** A CloudFormation value: a literal or an intrinsic function. */
export type Cfn = string | { 'Fn::Sub': string } | { Ref: string } | { 'Fn::GetAtt': [string, string] };

/** Fn::Sub, for ARNs built from the stack's partition, region and account. */
export const sub = (template: string): { 'Fn::Sub': string } => ({ 'Fn::Sub': template });

export interface Statement {
  Effect: 'Allow';
  Action: string[];
  Resource: unknown[];
  Condition?: Record<string, Record<string, unknown>>;
}

/** A function as serverless.yml declares it. */
export interface FunctionDefinition {
  handler: string;
  description: string;
  role: string;
  timeout: number;
  memorySize: number;
  package: { patterns: string[] };
  environment: Record<string, unknown>;
  events: Record<string, unknown>[];
}

/** What one automation adds to the service: its functions and CloudFormation resources and outputs. */
export interface AutomationStack {
  functions: Record<string, FunctionDefinition>;
  resources: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}
