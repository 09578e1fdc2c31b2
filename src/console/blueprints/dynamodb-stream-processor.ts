import type { Blueprint } from './types';

export const dynamodbStreamProcessor: Blueprint = {
  id: 'dynamodb-stream-processor',
  title: 'DynamoDB stream processor',
  description: 'Reacts to item inserts, updates and removals of a table.',
  handler: 'index.handler',
  sample: 'dynamodb-update',
  files: {
    'index.js': `const { unmarshall } = require('@aws-sdk/util-dynamodb');

// Receives a table's change records: INSERT (NewImage), MODIFY (NewImage and OldImage),
// REMOVE (OldImage), in the attribute-value form that unmarshall() turns into plain objects.
exports.handler = async (event) => {
  const counts = { INSERT: 0, MODIFY: 0, REMOVE: 0 };
  for (const record of event.Records) {
    const { Keys, NewImage, OldImage } = record.dynamodb;
    counts[record.eventName] = (counts[record.eventName] ?? 0) + 1;
    console.log(record.eventName, JSON.stringify({
      keys: unmarshall(Keys),
      before: OldImage ? unmarshall(OldImage) : undefined,
      after: NewImage ? unmarshall(NewImage) : undefined,
    }));
  }
  return counts;
};
`,
  },
};
