// What `docker build .` sends: the repository's files minus those .dockerignore excludes,
// matched as Docker's patternmatcher does (last matching pattern wins; a pattern also
// matches a file through any parent directory; `*` and `?` stay within one path segment,
// `**` crosses segments; `!` re-includes).
export interface IgnorePattern {
  readonly regex: RegExp;
  readonly exclusion: boolean;
}

export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclusion = line.startsWith('!');
      const pattern = (exclusion ? line.slice(1) : line).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { regex: patternRegex(pattern), exclusion };
    });
}

function patternRegex(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] ?? '';
    if (pattern.startsWith('**/', index)) {
      source += '(?:.*/)?';
      index += 2;
    } else if (pattern.startsWith('**', index)) {
      source += '.*';
      index += 1;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/** Whether `path` (relative, `/`-separated) is sent to the build. */
export function isInBuildContext(path: string, patterns: readonly IgnorePattern[]): boolean {
  const segments = path.split('/');
  const candidates = segments.map((_, index) => segments.slice(0, index + 1).join('/'));
  let excluded = false;
  for (const pattern of patterns) {
    if (candidates.some((candidate) => pattern.regex.test(candidate))) excluded = !pattern.exclusion;
  }
  return !excluded;
}
