import { blob, exception, exceptionBase, type ServiceModel } from '../v3';

const base = exceptionBase('Lambda');
const exceptionNames = [
  'ResourceNotFoundException',
  'InvalidParameterValueException',
  'InvalidRequestContentException',
  'RequestTooLargeException',
  'TooManyRequestsException',
  'ServiceException',
  'AccessDeniedException',
];

/** Lambda as functions call it: one function invoking another. */
export const lambdaModel: ServiceModel = {
  service: 'lambda',
  clientName: 'Lambda',
  operations: ['Invoke', 'InvokeAsync'],
  base,
  exceptions: Object.fromEntries(exceptionNames.map((n) => [n, exception(base, n)])),
  output: (op, output) => (op === 'Invoke' ? { ...output, Payload: blob(output.Payload) } : output),
  // v2 hands the Invoke payload back as a string.
  v2Output: (op, output) =>
    op === 'Invoke' && output.Payload instanceof Uint8Array
      ? { ...output, Payload: new TextDecoder().decode(output.Payload) }
      : output,
};
