import type { Blueprint } from './types';

export const s3ObjectProcessor: Blueprint = {
  id: 's3-object-processor',
  title: 'S3 object processor',
  description: 'Runs when objects are created or removed in a bucket whose notifications point at it.',
  handler: 'index.handler',
  sample: 's3-put',
  files: {
    'index.js': `// Runs for object events of buckets whose notification configuration names this function
// (aws s3api put-bucket-notification-configuration, or a MinIO/Ceph webhook to /hooks/storage).
exports.handler = async (event) => {
  const objects = event.Records.map((record) => ({
    event: record.eventName,
    bucket: record.s3.bucket.name,
    // Keys arrive URL-encoded, with '+' for spaces.
    key: decodeURIComponent(record.s3.object.key.replace(/\\+/g, ' ')),
    size: record.s3.object.size,
  }));
  for (const o of objects) {
    console.log(\`\${o.event} s3://\${o.bucket}/\${o.key} (\${o.size} bytes)\`);
  }
  // To read the object itself:
  //   const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
  //   const res = await new S3Client({}).send(new GetObjectCommand({ Bucket, Key }));
  //   const text = await res.Body.transformToString();
  return { processed: objects.length, objects };
};
`,
  },
};
