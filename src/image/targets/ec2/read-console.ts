// The builder's serial console, as text. `Latest: true` asks for the most recent 64 KB (where the markers
// are); instance types outside the Nitro system refuse it, and then the plain buffered output is read.
import { GetConsoleOutputCommand } from "@aws-sdk/client-ec2";
import { errorName } from "./aws-error.js";
import { NOT_FOUND_AFTER_CREATE, withRetry, type RetryPolicy } from "./retry.js";
import type { Ec2Sender } from "./settings.js";

/** Reads consoles; remembers when `Latest` is unsupported so it is asked once, not every poll. */
export class ConsoleReader {
  private latest = true;
  constructor(
    private readonly ec2: Ec2Sender,
    private readonly policy: RetryPolicy,
  ) {}

  /** The console text of `instanceId` so far ("" when EC2 has none yet). */
  async read(instanceId: string, signal: AbortSignal): Promise<string> {
    try {
      return await this.fetch(instanceId, signal);
    } catch (error) {
      if (!this.latest || errorName(error) !== "UnsupportedOperation") throw error;
      this.latest = false;
      return await this.fetch(instanceId, signal);
    }
  }

  private async fetch(instanceId: string, signal: AbortSignal): Promise<string> {
    const input = this.latest ? { InstanceId: instanceId, Latest: true } : { InstanceId: instanceId };
    const out = await withRetry(() => this.ec2.send(new GetConsoleOutputCommand(input), { abortSignal: signal }), {
      policy: this.policy,
      signal,
      retryOn: [NOT_FOUND_AFTER_CREATE.instance],
    });
    return out.Output ? Buffer.from(out.Output, "base64").toString("utf8") : "";
  }
}
