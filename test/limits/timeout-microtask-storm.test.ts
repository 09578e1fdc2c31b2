import { describeTimeoutCase } from './timeout-case';

/**
 * `while (true) await null`: every iteration is a microtask, so the isolate never returns to the
 * host's event loop and no timer (host or sandbox) ever gets a turn.
 */
describeTimeoutCase({
  title: 'a microtask storm (while (true) await null)',
  name: 'storm',
  evil: 'while (true) await null;',
});
