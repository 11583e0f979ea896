// What the user typed, turned into typed values at the edge: commands below never parse a string option.
import { UsageError } from "../errors.js";
import { parseDuration } from "../stack/duration.js";

/** Commander's parsed options (every value a string, boolean or list) and the positional arguments. */
export class Input {
  constructor(
    private readonly opts: Record<string, unknown>,
    readonly args: string[],
  ) {}

  /** A string option that has a default or is required. */
  string(name: string): string {
    const v = this.opts[name];
    if (typeof v !== "string") throw new UsageError(`${flag(name)} expects a value`);
    return v;
  }

  optionalString(name: string): string | undefined {
    const v = this.opts[name];
    return v === undefined ? undefined : this.string(name);
  }

  flag(name: string): boolean {
    return this.opts[name] === true;
  }

  list(name: string): string[] {
    const v = this.opts[name];
    return Array.isArray(v) ? v.map(String) : [];
  }

  /** A whole number option within bounds, or undefined when absent. */
  optionalInt(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = this.optionalString(name);
    if (v === undefined) return undefined;
    const n = /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${flag(name)} expects a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? "" : ` to ${max}`}, found ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`);
    }
    return n;
  }

  int(name: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const n = this.optionalInt(name, min, max);
    if (n === undefined) throw new UsageError(`${flag(name)} expects a value`);
    return n;
  }

  /** A duration option (`90s`, `30m`, `3h`) in milliseconds. */
  duration(name: string): number {
    const v = this.string(name);
    const ms = parseDuration(v);
    if (ms === undefined || ms <= 0) throw new UsageError(`${flag(name)} expects a duration such as 90s, 30m or 3h, found ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`);
    return ms;
  }

  /** A duration option in milliseconds, or undefined when absent; `0` (no limit) only when `zero` says so. */
  optionalDuration(name: string, zero = false): number | undefined {
    const v = this.optionalString(name);
    if (v === undefined) return undefined;
    if (zero && /^0+[a-z]*$/.test(v.trim())) return 0;
    return this.duration(name);
  }

  /** `KEY=VALUE` options, in the order given. */
  pairs(name: string): [string, string][] {
    return this.list(name).map((v) => {
      const eq = v.indexOf("=");
      if (eq <= 0) throw new UsageError(`${flag(name)} expects KEY=VALUE, found ${JSON.stringify(v.length > 80 ? `${v.slice(0, 80)}…` : v)}`);
      return [v.slice(0, eq), v.slice(eq + 1)];
    });
  }

  /** The positional argument at `index`, if given. */
  arg(index: number): string | undefined {
    return this.args[index];
  }
}

/** `tagWait` -> `--tag-wait`, for messages. */
function flag(name: string): string {
  return `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
