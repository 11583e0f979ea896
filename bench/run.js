// `npm run bench`: whole-process medians, printed as a table (not part of `npm test`).
const suites = process.argv.slice(2);
const all = { plan: "./plan.js", boot: "./boot.js", review: "./review.js", image: "./image.js", "review-up": "./review-up.js" };
for (const [name, path] of Object.entries(all)) {
  if (suites.length && !suites.includes(name)) continue;
  const { default: run } = await import(path);
  for (const r of await run()) console.log(`${r.ms.toFixed(0).padStart(7)} ms  ${r.name}${r.note ? `  (${r.note})` : ""}`);
}
