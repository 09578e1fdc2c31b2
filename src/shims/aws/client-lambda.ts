import { blob, clientModule, exception, exceptionBase, type ServiceModel } from './v3';

/** `@aws-sdk/client-lambda` inside the sandbox: one function invoking another. */
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

const model: ServiceModel = {
  service: 'lambda',
  clientName: 'Lambda',
  operations: ['Invoke', 'InvokeAsync'],
  base,
  exceptions: Object.fromEntries(exceptionNames.map((n) => [n, exception(base, n)])),
  output: (op, output) => (op === 'Invoke' ? { ...output, Payload: blob(output.Payload) } : output),
};

export default clientModule(model);
