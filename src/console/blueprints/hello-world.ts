import type { Blueprint } from './types';

export const helloWorld: Blueprint = {
  id: 'hello-world',
  title: 'Hello world',
  description: 'Returns a greeting and the event it received.',
  handler: 'index.handler',
  sample: 'scheduled',
  files: {
    'index.js': `exports.handler = async (event, context) => {
  console.log('Received event:', JSON.stringify(event));
  return {
    message: \`Hello from \${context.functionName}\`,
    requestId: context.awsRequestId,
    input: event,
  };
};
`,
  },
};
