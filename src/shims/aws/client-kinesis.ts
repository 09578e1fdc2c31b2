import { kinesisModel } from './models/kinesis';
import { type Command, clientModule, paginator } from './v3';

/** `@aws-sdk/client-kinesis` inside the sandbox: PutRecord(s) with Data as bytes. */
const mod = clientModule(kinesisModel);

mod.paginateListStreams = paginator(
  mod.ListStreamsCommand as new (
    input: Record<string, unknown>,
  ) => Command,
  'NextToken',
  'NextToken',
  'Limit',
);

export default mod;
