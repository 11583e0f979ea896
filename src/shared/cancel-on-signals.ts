// Ctrl-C and SIGTERM turned into an AbortSignal: long commands (builds, waits on AWS, a review box coming up)
// unwind what they made before the process exits, instead of dying halfway.

export interface CancelMessages {
  /** Said at the first signal, e.g. "cancelling; removing what was created". */
  cancelling: string;
  /** Said at a second one, while the cleanup still runs. */
  again?: string;
}

export function cancelOnSignals(messages: CancelMessages = { cancelling: "cancelling; removing what was created" }): { signal: AbortSignal; release(): void } {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      if (messages.again) process.stderr.write(`${sig}: ${messages.again}\n`);
      return;
    }
    process.stderr.write(`${sig}: ${messages.cancelling}\n`);
    controller.abort(new Error(`cancelled by ${sig}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    release() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}
