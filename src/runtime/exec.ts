// Runs a program and waits for its exit code: the little the boot path needs, without loading execa (~60 ms).
import { spawn } from "node:child_process";

/** Exit code (1 when it could not start or was killed) and, if asked, stdout and stderr together. */
export function runProgram(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; capture?: boolean } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", options.capture ? "pipe" : "ignore", options.capture ? "pipe" : "ignore"],
      timeout: options.timeoutMs,
    });
    let output = "";
    child.stdout?.on("data", (d) => (output += d));
    child.stderr?.on("data", (d) => (output += d));
    child.once("error", (err) => resolve({ code: 1, output: err.message }));
    child.once("close", (code) => resolve({ code: code ?? 1, output }));
  });
}
