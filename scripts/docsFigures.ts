/** npm run docs:figures: writes the plans' figures into the README and docs/ (tools/docsFigures.ts). */
import * as fs from "fs";
import * as path from "path";
import { documentationFiles, figureBlocks, withFigures } from "../tools/docsFigures";
import { projectRoot } from "../tools/plan/run";

figureBlocks().then((blocks) => {
  for (const file of documentationFiles()) {
    const target = path.join(projectRoot, file);
    const text = fs.readFileSync(target, "utf8");
    const updated = withFigures(text, blocks);
    if (updated !== text) {
      fs.writeFileSync(target, updated);
      console.log(`updated ${file}`);
    }
  }
});
