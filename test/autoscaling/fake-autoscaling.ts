// The Auto Scaling side of the tests: a real-looking client whose `send` aws-sdk-client-mock answers, errors as
// the SDK throws them, and the names of the calls a mock received.
import { AutoScalingClient, AutoScalingServiceException } from "@aws-sdk/client-auto-scaling";

/** An Auto Scaling error as the SDK throws it: the exception class's name (e.g. InstanceRefreshInProgressFault). */
export function asgError(name: string, message: string): AutoScalingServiceException {
  return new AutoScalingServiceException({
    name,
    $fault: "client",
    $metadata: { httpStatusCode: 400, requestId: "5b8e2f14-9d3c-4c1a-8e7f-2a6b0c9d1e3f", attempts: 1, totalRetryDelay: 0 },
    message,
  });
}

export function autoScalingClient(): AutoScalingClient {
  return new AutoScalingClient({ region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" } });
}

/** The commands a mock received, in order, without the `Command` suffix. */
export function callNames(mock: { calls(): { args: unknown }[] }): string[] {
  return mock.calls().map((c) => ((c.args as unknown[])[0] as object).constructor.name.replace(/Command$/, ""));
}

/** Retries that do not wait. */
export const FAST_RETRY = { attempts: 3, baseMs: 1, maxMs: 2 };
