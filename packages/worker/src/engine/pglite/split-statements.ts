export interface ScriptStatement {
  text: string;
  /** Offsets of the statement's source in the script, `;` excluded: [start, end). */
  start: number;
  end: number;
}

/**
 * Splits a PostgreSQL script at the semicolons that end statements, skipping those inside quotes
 * ('…', E'…', "…", $tag$…$tag$) and comments. Used only to name a failing statement in an error,
 * so a statement it splits wrongly costs a less precise message, never a wrong result.
 */
export function splitStatements(script: string): ScriptStatement[] {
  const out: ScriptStatement[] = [];
  let start = 0;
  let i = 0;
  const push = (end: number) => {
    const text = script.slice(start, end).trim();
    if (text && !isOnlyComments(text)) out.push({ text, start, end });
  };
  while (i < script.length) {
    const c = script[i]!;
    const next = script[i + 1];
    if (c === '-' && next === '-') i = lineEnd(script, i);
    else if (c === '/' && next === '*') i = blockCommentEnd(script, i);
    else if (c === "'") i = quotedEnd(script, i, "'", /[eE]/.test(script[i - 1] ?? '') && !/\w/.test(script[i - 2] ?? ''));
    else if (c === '"') i = quotedEnd(script, i, '"', false);
    else if (c === '$' && !/[\w$]/.test(script[i - 1] ?? '')) i = dollarQuotedEnd(script, i);
    else if (c === ';') {
      push(i);
      start = ++i;
    } else i++;
  }
  push(script.length);
  return out;
}

export function lineEnd(s: string, i: number): number {
  const n = s.indexOf('\n', i);
  return n === -1 ? s.length : n + 1;
}

/** Postgres block comments nest. */
export function blockCommentEnd(s: string, i: number): number {
  let depth = 0;
  while (i < s.length) {
    if (s.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (s.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return i;
}

/** A doubled quote escapes it; in E'…' strings a backslash does too. */
function quotedEnd(s: string, i: number, quote: string, backslashes: boolean): number {
  i++;
  while (i < s.length) {
    const c = s[i]!;
    if (backslashes && c === '\\') i += 2;
    else if (c === quote && s[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return i;
}

function dollarQuotedEnd(s: string, i: number): number {
  const tag = /^\$([A-Za-z_][A-Za-z_0-9]*)?\$/.exec(s.slice(i))?.[0];
  if (!tag) return i + 1; // a parameter ($1) or a lone $
  const close = s.indexOf(tag, i + tag.length);
  return close === -1 ? s.length : close + tag.length;
}

function isOnlyComments(text: string): boolean {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('--', i)) i = lineEnd(text, i);
    else if (text.startsWith('/*', i)) i = blockCommentEnd(text, i);
    else out += text[i++];
  }
  return out.trim() === '';
}
