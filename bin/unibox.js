#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (`npm run build` writes dist/).
// A reader that goes away (`unibox --help | head`) is not an error of ours: stdout closing ends the output
// quietly; stderr closing (progress lines nobody reads) never stops a command halfway, which could leave a
// review box or a build half-made.
process.stdout.on("error", (err) => {
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});
process.stderr.on("error", (err) => {
  if (err.code !== "EPIPE") throw err;
});
const { main } = await import("../dist/cli/main.js");
process.exitCode = await main(process.argv.slice(2));
