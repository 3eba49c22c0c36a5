/**
 * The README and docs/: every relative link reaches a file and, with #anchor, a heading
 * of it (GitHub's slugs); every page is reachable from the README; every repository path
 * written in backticks exists.
 */
import * as fs from "fs";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const docs = fs.readdirSync(path.join(root, "docs"), { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".md")).map((file) => path.join("docs", file));
const pages = ["README.md", ...docs];

/** The text outside fenced code blocks. */
const prose = (text: string) => text.replace(/^```[\s\S]*?^```/gm, "");

/** GitHub's anchors for a page's headings: lowercase, punctuation out, spaces to -, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of prose(fs.readFileSync(path.join(root, file), "utf8")).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = match[1].trim().toLowerCase().replace(/[^\p{L}\p{N}\- _]/gu, "").replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count ? `${base}-${count}` : base);
  }
  return anchors;
}

function linksOf(file: string): { target: string; anchor?: string }[] {
  return [...prose(fs.readFileSync(path.join(root, file), "utf8")).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1])
    .filter((link) => !/^[a-z]+:/.test(link))
    .map((link) => {
      const [target, anchor] = link.split("#");
      return { target: target ? path.normalize(path.join(path.dirname(file), target)) : file, anchor };
    });
}

describe("the README and docs/", () => {
  it.each(pages)("%s: every relative link reaches a file and heading", (file) => {
    const broken = linksOf(file).filter(({ target, anchor }) => !fs.existsSync(path.join(root, target)) || (anchor !== undefined && target.endsWith(".md") && !anchorsOf(target).has(anchor)));
    expect(broken).toEqual([]);
  });

  it("reaches every page of docs/ from the README", () => {
    const reached = new Set<string>(["README.md"]);
    const queue = ["README.md"];
    while (queue.length) {
      for (const { target } of linksOf(queue.shift()!)) {
        if (target.endsWith(".md") && !reached.has(target) && fs.existsSync(path.join(root, target))) {
          reached.add(target);
          queue.push(target);
        }
      }
    }
    expect(docs.filter((page) => !reached.has(page))).toEqual([]);
  });

  it.each(pages)("%s: every repository path in backticks exists", (file) => {
    const text = fs.readFileSync(path.join(root, file), "utf8");
    const paths = [...text.matchAll(/`((?:lib|tools|scripts|test|data|components|boot|schema|policy|docs|\.ci|\.github)\/[\w./-]+)`/g)].map((match) => match[1]);
    expect(paths.filter((p) => !p.includes("*") && !p.includes("<") && !fs.existsSync(path.join(root, p.replace(/[.:,]$/, ""))))).toEqual([]);
  });
});
