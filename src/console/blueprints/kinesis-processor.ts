import type { Blueprint } from './types';

export const kinesisProcessor: Blueprint = {
  id: 'kinesis-processor',
  title: 'Kinesis stream processor',
  description: 'Handles batches of stream records from an event source mapping, reporting failed items.',
  handler: 'index.handler',
  sample: 'kinesis',
  files: {
    'index.js': `// Receives batches from a Kinesis event source mapping, in order per shard. With
// FunctionResponseTypes ReportBatchItemFailures, the records listed in batchItemFailures
// (and those after them) are delivered again; the rest are checkpointed.
exports.handler = async (event) => {
  const batchItemFailures = [];
  for (const record of event.Records) {
    const { partitionKey, sequenceNumber, data } = record.kinesis;
    try {
      const text = Buffer.from(data, 'base64').toString('utf8');
      console.log(\`\${partitionKey} #\${sequenceNumber}: \${text}\`);
    } catch (err) {
      console.error(\`record \${sequenceNumber} failed: \${err.message}\`);
      batchItemFailures.push({ itemIdentifier: sequenceNumber });
    }
  }
  return { batchItemFailures };
};
`,
  },
};
