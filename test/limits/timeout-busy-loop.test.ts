import { describeTimeoutCase } from './timeout-case';

/**
 * A handler stuck in a synchronous `while (true) {}` never yields to the event loop, so only a
 * timeout enforced from outside the isolate can end it.
 */
describeTimeoutCase({
  title: 'a busy loop (while (true) {})',
  name: 'busy',
  evil: 'while (true) {}',
});
