import { lambdaModel } from './models/lambda';
import { clientModule } from './v3';

/** `@aws-sdk/client-lambda` inside the sandbox. */
export default clientModule(lambdaModel);
