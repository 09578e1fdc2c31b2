import { describeTimeoutCase } from './timeout-case';

/**
 * An async handler awaiting a promise that never settles: the isolate is idle, so isolated-vm's
 * own script timeout never fires; only islet's deadline can end the invocation.
 */
describeTimeoutCase({
  title: 'a promise that never resolves',
  name: 'never',
  evil: 'await new Promise(() => {});',
});
