import { limits } from '../../limits';

/** The log of one invocation, capped so a chatty function cannot exhaust the executor. */
export class LogBuffer {
  private parts: string[] = [];
  private bytes = 0;
  private truncated = false;

  constructor(private readonly maxBytes = limits.maxLogBytesPerInvocation) {}

  append(text: string): void {
    if (this.truncated) return;
    if (this.bytes + text.length > this.maxBytes) {
      this.truncated = true;
      this.parts.push(`[islet] log truncated: over ${this.maxBytes} bytes in one invocation\n`);
      return;
    }
    this.bytes += text.length;
    this.parts.push(text);
  }

  text(): string {
    return this.parts.join('');
  }
}
