import { LineCounter, type Document } from 'yaml';
import { ConfigError, type ConfigErrorCode, type ConfigIssue } from './config-error.js';
import { parseUserYaml, userYamlValue, type YamlProblem } from './safe-yaml.js';

export { MAX_ALIAS_COUNT } from './safe-yaml.js';

export interface ConfigYaml {
  doc: Document;
  lines: LineCounter;
  /** The document as plain data (null for an empty one). */
  value: unknown;
}

/**
 * Parses YAML text from a config source (`where`: the file, or `env NAME`) into plain data, turning every way
 * the text can be unusable into a ConfigError that names the place and the fix: syntax errors, nesting too deep
 * for the parser, an alias that refers to a node containing it (a circular structure, which no config value
 * can be), and alias expansions beyond MAX_ALIAS_COUNT (a "YAML bomb"). The checks are safe-yaml.ts's, shared
 * with every other reader of YAML a user gives (CR and values files).
 */
export function readConfigYaml(
  text: string,
  source: { file?: string; env?: string },
  code: ConfigErrorCode = 'LZ_CONFIG_YAML',
): ConfigYaml {
  const lines = new LineCounter();
  const issue = (p: YamlProblem): ConfigIssue => ({
    path: source.env === 'LOSTROMOS_RESOURCES' ? 'resources' : '',
    message: p.message,
    where: source.env
      ? `env ${source.env}`
      : source.file
        ? `${source.file}:${p.offset === undefined ? 1 : lines.linePos(p.offset).line}`
        : undefined,
  });
  const { docs, problems } = parseUserYaml(text, { lineCounter: lines });
  const doc = docs[0];
  if (problems.length > 0 || !doc) throw new ConfigError(code, problems.map(issue));
  const read = userYamlValue(doc);
  if ('problem' in read) throw new ConfigError(code, [issue(read.problem)]);
  return { doc, lines, value: read.value };
}
