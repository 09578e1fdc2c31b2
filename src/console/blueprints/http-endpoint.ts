import type { Blueprint } from './types';

export const httpEndpoint: Blueprint = {
  id: 'http-endpoint',
  title: 'HTTP endpoint (function URL)',
  description: 'Answers HTTP requests made to its function URL (/fn/NAME/...).',
  handler: 'index.handler',
  sample: 'http',
  files: {
    'index.js': `// Receives function URL requests (payload format 2.0). Returning
// { statusCode, headers, body } sets the HTTP response; anything else is sent as JSON.
exports.handler = async (event) => {
  const { method, path } = event.requestContext.http;
  const body = event.body && event.isBase64Encoded
    ? Buffer.from(event.body, 'base64').toString('utf8')
    : event.body ?? '';
  console.log(\`\${method} \${path}\`);
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method,
      path,
      query: event.queryStringParameters ?? {},
      received: body,
    }),
  };
};
`,
  },
};
