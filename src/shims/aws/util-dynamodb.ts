import * as util from '@aws-sdk/util-dynamodb';

/**
 * `@aws-sdk/util-dynamodb` inside the sandbox: the real package, bundled as it is (it needs nothing
 * from Node). lib-dynamodb marshals with it too, so both behave exactly as the SDK does.
 */
export default { ...util };
