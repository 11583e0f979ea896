// A stack with every env layer kind, an empty file, trailing blanks, a multi-line file, a dotfile,
// a symlink and templates: the fixture of both the env resolution and the real-chpst env tests.
import type { StackFile } from "./stack-dir.js";

/** The files, with the commands given (`./web` for plan tests, `sleep 100000` for running ones). */
export function layeredStackFiles(options: { command: string; webPort: number; dbPort: number }): Record<string, StackFile> {
  const { command, webPort, dbPort } = options;
  return {
    "image/image.yaml": "base: host\nrepos: []\n",
    "roles/app.yaml": `components:\n  web: { command: ${command}, port: ${webPort}, replicas: 2 }\n  jobs: { command: ${command} }\n`,
    "roles/db.yaml": `modes: [review]\ncommand: ${command}\nport: ${dbPort}\n`,
    "envdirs/common/A": "common\n",
    "envdirs/common/B": "common-b\n",
    "envdirs/common/GONE": "set in common\n",
    "envdirs/common/.hidden": "ignored\n",
    "envdirs/review/A": "review\n",
    "envdirs/review/TRAILING": "value with blanks \t \n",
    "envdirs/app/A": "app\n",
    "envdirs/app/MULTI": "first line\nsecond line\n",
    "envdirs/app/EMPTYSTRING": "\n",
    "envdirs/app/LINKED": { symlink: "../common/B" },
    "envdirs/app.web/A": "app.web\n",
    "envdirs/app.web/GONE": "",
    "envdirs/review.app/A": "review.app\n",
    "envdirs/review.app/DB.hbs": "postgres://127.0.0.1:{{ports.db.main}}/x?box={{box.name}}&mode={{box.mode}}\n",
    "envdirs/review.app.web/A": "review.app.web\n",
    "envdirs/review.app.web/SELF.hbs": "{{ports.app.web}}\n",
  };
}
