// Every user-facing message in one place, so wording stays consistent and tests can compare exactly.

export const messages = {
  configNotFound: (path: string) =>
    `config file not found: ${path} (set --config or SUNLINE_CONFIG to an existing sunline.config.ts)`,
  configNoDefault: (path: string) =>
    `config file ${path} has no default export (write \`export default defineConfig({...})\`)`,
  configInvalid: (path: string, issues: string[]) =>
    `invalid config ${path}:\n${issues.map((i) => `  - ${i}`).join("\n")}`,
  configIssue: (field: string, value: unknown, expected: string) =>
    `${field || "(root)"}: ${expected}; got ${formatValue(value)}`,
  unknownSite: (field: string, site: string, known: string[]) =>
    `${field}: unknown site "${site}" (known sites: ${known.join(", ") || "none"})`,
  duplicateSite: (site: string) => `sites: site id "${site}" is declared more than once`,
  noSourceForFile: (file: string, sources: string[]) =>
    `${file}: no production source in the config covers this file (sources: ${sources.join(", ") || "none"}); add one with its column mapping`,
  noInputFiles: (pattern: string) => `production source ${pattern} matched no files`,
  missingColumn: (file: string, column: string, available: string[]) =>
    `${file}: column "${column}" not found in the header (columns: ${available.map((c, i) => c || `#${i + 1} (unnamed)`).join(", ")}); fix the column mapping in the config`,
  emptyFile: (file: string) => `${file}: the file has no lines with content (empty, or only blank and comment lines)`,
  sourceNeedsSiteConfig: (field: string) => `${field}: set site_id (one site per file) or site_column (a column naming each row's site)`,
  headerlessNeedsPositions: (field: string, name: string) =>
    `${field}: the source has header: false, so columns are named by position (1, 2, …); got "${name}"`,
  counterNeedsEnergy: (field: string, unit: string) => `${field}.kind: "counter" needs an energy unit (Wh or kWh); got unit "${unit}"`,
  sourceNeedsSite: (file: string) =>
    `${file}: the source has no site_id and the file has no site column; set site_id on the source`,
  lockTimeout: (path: string, pid: number) =>
    `another Sunline run (pid ${pid}) holds ${path}; gave up waiting. Delete the file if that process is gone.`,
  snapshotMissing: (dir: string) => `no snapshot in ${dir}: run \`npx sunline run\` or \`npm run build\` first`,
  unknownCommand: (cmd: string) => `unknown command "${cmd}". Run \`npx sunline --help\` for the list.`,

  // Gradient-boosted trees (pipeline/models/gbdt)
  gbdtEmpty: (what: string, rows: number, features: number) =>
    `gbdt: ${what} has ${rows} rows and ${features} features; training needs at least one of each`,
  gbdtLengthMismatch: (what: string, feature: string, length: number, expected: number) =>
    `gbdt: ${what} feature ${feature} has ${length} values but the target has ${expected}; every feature needs one value per row`,
  gbdtBadTarget: (what: string, row: number, value: number) =>
    `gbdt: ${what} target at row ${row} is ${value}; targets must be finite numbers (drop or fill such rows before training)`,
  gbdtFeatureCount: (expected: number, got: number) =>
    `gbdt: the model was trained on ${expected} features but was given ${got}; pass the same features, in the same order`,
  gbdtBadParam: (name: string, value: unknown, expected: string) => `gbdt: parameter ${name} is ${formatValue(value)}; expected ${expected}`,
  gbdtBadModel: (detail: string) => `gbdt: not a Sunline GBDT model (${detail})`
} as const;

export function formatValue(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}

/** An error whose message is meant for the user as is (no stack needed in the CLI). */
export class SunlineError extends Error {
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options);
    this.name = "SunlineError";
  }
}
