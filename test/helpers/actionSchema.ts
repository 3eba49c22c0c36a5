/**
 * Which expression contexts a composite action may use, per field, as the runner's action
 * schema declares them (actions/runner, src/Runner.Worker/action_yaml.json: composite
 * steps' `with`, `env`, `run`, `name`, `working-directory`; `if` with the status functions;
 * input defaults; output values). The runner rejects an action file that uses any other
 * (`vars`, `secrets`) when it loads it, so every job using the action fails.
 */
const stepContexts = ["github", "inputs", "strategy", "matrix", "steps", "job", "runner", "env", "hashFiles"];
export const compositeContexts: Record<string, string[]> = {
  with: stepContexts,
  env: stepContexts,
  run: stepContexts,
  name: stepContexts,
  "working-directory": stepContexts,
  if: [...stepContexts, "always", "failure", "cancelled", "success"],
  "input-default": ["github", "strategy", "matrix", "job", "runner", "hashFiles"],
  "output-value": ["github", "strategy", "matrix", "steps", "inputs", "job", "runner", "env"],
};

/** The named values an expression starts from: `vars.X || inputs.y` -> [vars, inputs]. */
function namedValues(expression: string): string[] {
  const withoutStrings = expression.replace(/'(?:[^']|'')*'/g, "''");
  return [...withoutStrings.matchAll(/(?<![.\w-])([A-Za-z_][A-Za-z0-9_-]*)(?=\s*[.(\[]|\s*$|\s*[=!<>&|)])/g)]
    .map((match) => match[1])
    .filter((name) => !["true", "false", "null"].includes(name));
}

function expressions(text: string): string[] {
  return [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((match) => match[1].trim());
}

/** Every use of a context the runner does not allow where it stands, as `field: context`. */
export function compositeContextProblems(action: any): string[] {
  const problems: string[] = [];
  const check = (field: string, text: unknown, bare = false) => {
    if (typeof text !== "string") return;
    const found = bare && !text.includes("${{") ? [text] : expressions(text);
    for (const expression of found) {
      for (const name of namedValues(expression)) {
        if (!compositeContexts[field].includes(name)) problems.push(`${field}: ${name}`);
      }
    }
  };
  for (const input of Object.values<any>(action.inputs ?? {})) check("input-default", input?.default);
  for (const output of Object.values<any>(action.outputs ?? {})) check("output-value", output?.value);
  for (const step of action.runs?.steps ?? []) {
    for (const field of ["run", "name", "working-directory"]) check(field, step[field]);
    check("if", step.if, true);
    for (const value of Object.values(step.with ?? {})) check("with", value);
    for (const value of Object.values(step.env ?? {})) check("env", value);
  }
  return problems;
}
