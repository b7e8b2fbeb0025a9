/**
 * The one query shape whose dependence on a write can be judged from the written rows alone:
 * `select … from <table> [[as] alias] [where <col> = <v> | <col> in (<v>, …) [and …]] [group by | order by | limit …]`,
 * where every <v> is a literal or a parameter. Such a query's result is a function of the rows of
 * <table> that satisfy the WHERE clause, so a write whose old and new rows all fail it cannot change
 * the result. Everything else (joins, OR, NOT, functions or casts in WHERE, subqueries, CTEs, set
 * operations, comments, schema-qualified names) is not analysed: null, and the query re-runs on any
 * write to a table it reads. One linear pass over the text, once per query at subscribe time.
 */
export interface Predicate {
  /** The table named in FROM, folded as the engines fold it (unquoted: lower case). */
  table: string;
  /** AND-ed conditions: the row's `column` must equal one of `values` (bound parameters included). */
  conjuncts: Conjunct[];
}

export interface Conjunct {
  column: string;
  /** Whether the name was quoted (then matched exactly; unquoted names match case-insensitively). */
  quoted: boolean;
  values: unknown[];
}

type Token =
  | { t: 'word'; v: string; lower: string }
  | { t: 'qident'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'param'; n: number | null }
  | { t: 'punct'; v: string };

const CLAUSE_AFTER_WHERE = new Set(['order', 'group', 'limit', 'offset']);
const CLAUSE_AFTER_FROM = new Set(['where', ...CLAUSE_AFTER_WHERE]);
/** Words that make the query more than one table filtered by WHERE (or that we do not model). */
const REFUSED_WORDS = new Set(['join', 'union', 'intersect', 'except', 'with', 'natural', 'lateral', 'window', 'recursive', 'values', 'returning', 'for']);

// Sticky: matched where the scan stands, never on a copy of the rest (that would be quadratic).
const NUMBER = /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const PARAM = /\$([0-9]+)/y;

/** Tokens of `sql`, or null on anything outside the small lexicon (comments, E'' strings, `::`…). */
export function tokenize(sql: string): Token[] | null {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') {
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      const v = sql.slice(i, j);
      // E'…', B'…', X'…', N'…', U&'…': prefixed literals with their own escapes.
      if (sql[j] === "'" || sql[j] === '&') return null;
      out.push({ t: 'word', v, lower: v.toLowerCase() });
      i = j;
    } else if (c === '"') {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= n) return null;
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') {
            v += '"';
            j += 2;
            continue;
          }
          break;
        }
        v += sql[j++];
      }
      out.push({ t: 'qident', v });
      i = j + 1;
    } else if (c === "'") {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= n) return null;
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") {
            v += "'";
            j += 2;
            continue;
          }
          break;
        }
        v += sql[j++];
      }
      // 'a' 'b' (adjacent literals concatenate in Postgres): not modelled.
      if (out[out.length - 1]?.t === 'str') return null;
      out.push({ t: 'str', v });
      i = j + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(sql)!;
      const after = sql[i + m[0].length];
      // 0x10, 1_000, 12abc: not plain decimal literals.
      if (after !== undefined && /[A-Za-z0-9_$.]/.test(after)) return null;
      out.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (c === '$') {
      PARAM.lastIndex = i;
      const m = PARAM.exec(sql);
      if (!m) return null; // $$ quoting, $name
      out.push({ t: 'param', n: Number(m[1]) });
      i += m[0].length;
    } else if (c === '?') {
      if (/[0-9]/.test(sql[i + 1] ?? '')) return null; // ?NNN
      out.push({ t: 'param', n: null });
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      return null;
    } else if (c === '/' && sql[i + 1] === '*') {
      return null;
    } else if (c === ':' || c === '[' || c === '`') {
      return null; // casts, arrays, MySQL-style quoting
    } else {
      // Multi-character operators (<=, <>, !=, ||) become several tokens: none of them is accepted in WHERE anyway.
      out.push({ t: 'punct', v: c });
      i++;
    }
  }
  return out;
}

/** The predicate of `sql` with its parameters bound, or null when the query is not of the shape above. */
export function analysePredicate(sql: string, params: readonly unknown[]): Predicate | null {
  const tokens = tokenize(sql);
  if (!tokens) return null;
  // Bind parameters: $n by number, ? in order; mixing the two is not modelled.
  const hasDollar = tokens.some((t) => t.t === 'param' && t.n !== null);
  const hasQuestion = tokens.some((t) => t.t === 'param' && t.n === null);
  if (hasDollar && hasQuestion) return null;
  let nextQuestion = 0;
  let selects = 0;
  let froms = 0;
  for (const t of tokens) {
    if (t.t === 'param' && t.n === null) t.n = ++nextQuestion;
    if (t.t === 'word') {
      if (REFUSED_WORDS.has(t.lower)) return null;
      if (t.lower === 'select') selects++;
      if (t.lower === 'from') froms++;
    }
  }
  // One select, one from: no subquery anywhere (select list, WHERE, HAVING), no extract(… from …).
  if (selects !== 1 || froms !== 1) return null;
  if (!isWord(tokens[0], 'select')) return null;
  let i = tokens.findIndex((t) => isWord(t, 'from')) + 1;
  const tableTok = tokens[i++];
  const table = identName(tableTok);
  if (table === null) return null;
  // Schema-qualified (a.b) and table functions (f(…)) are not modelled.
  if (isPunct(tokens[i], '.') || isPunct(tokens[i], '(')) return null;
  const names = new Set<string>([table.name]);
  // Optional alias.
  if (isWord(tokens[i], 'as')) i++;
  const aliasTok = tokens[i];
  if (aliasTok && (aliasTok.t === 'qident' || (aliasTok.t === 'word' && !CLAUSE_AFTER_FROM.has(aliasTok.lower) && aliasTok.lower !== 'as'))) {
    names.add(identName(aliasTok)!.name);
    i++;
  } else if (isWord(tokens[i - 1], 'as')) return null;
  const conjuncts: Conjunct[] = [];
  if (isWord(tokens[i], 'where')) {
    i++;
    for (;;) {
      const parsed = parseConjunct(tokens, i, names, params);
      if (!parsed) return null;
      conjuncts.push(parsed.conjunct);
      i = parsed.next;
      if (isWord(tokens[i], 'and')) {
        i++;
        continue;
      }
      break;
    }
  }
  const rest = tokens[i];
  // What may follow: end, `;` at the very end, or a clause that works on the filtered rows only.
  if (rest !== undefined) {
    if (isPunct(rest, ';')) {
      if (i !== tokens.length - 1) return null;
    } else if (!(rest.t === 'word' && CLAUSE_AFTER_WHERE.has(rest.lower))) return null;
  }
  for (let k = i; k < tokens.length; k++) if (isPunct(tokens[k], ';') && k !== tokens.length - 1) return null;
  // No WHERE: every row counts, which is what table level does already.
  if (conjuncts.length === 0) return null;
  return { table: table.name, conjuncts };
}

function parseConjunct(tokens: Token[], i: number, names: ReadonlySet<string>, params: readonly unknown[]): { conjunct: Conjunct; next: number } | null {
  const col = parseColumn(tokens, i, names);
  if (col) {
    i = col.next;
    if (isPunct(tokens[i], '=')) {
      // `==` is SQLite's spelling of `=`; `=` followed by anything else is the plain operator.
      if (isPunct(tokens[i + 1], '=')) i++;
      const v = parseValue(tokens[i + 1], params);
      if (!v) return null;
      return { conjunct: { column: col.name, quoted: col.quoted, values: [v.value] }, next: i + 2 };
    }
    if (isWord(tokens[i], 'in') && isPunct(tokens[i + 1], '(')) {
      i += 2;
      const values: unknown[] = [];
      for (;;) {
        const v = parseValue(tokens[i], params);
        if (!v) return null;
        values.push(v.value);
        i++;
        if (isPunct(tokens[i], ',')) {
          i++;
          continue;
        }
        if (isPunct(tokens[i], ')')) return { conjunct: { column: col.name, quoted: col.quoted, values }, next: i + 1 };
        return null;
      }
    }
    return null;
  }
  // <value> = <column>
  const v = parseValue(tokens[i], params);
  if (!v || !isPunct(tokens[i + 1], '=')) return null;
  let j = i + 2;
  if (isPunct(tokens[j], '=')) j++;
  const right = parseColumn(tokens, j, names);
  if (!right) return null;
  return { conjunct: { column: right.name, quoted: right.quoted, values: [v.value] }, next: right.next };
}

/** `col`, `alias.col` or `table.col`. */
function parseColumn(tokens: Token[], i: number, names: ReadonlySet<string>): { name: string; quoted: boolean; next: number } | null {
  const first = identName(tokens[i]);
  if (!first) return null;
  if (isPunct(tokens[i + 1], '.')) {
    const second = identName(tokens[i + 2]);
    if (!second || !names.has(first.name)) return null;
    return { ...second, next: i + 3 };
  }
  // A function call (lower(col) = …) is no column.
  if (isPunct(tokens[i + 1], '(')) return null;
  return { ...first, next: i + 1 };
}

/** A literal or a bound parameter; `-` before a number. Words (true, null, current_date…) are not values here. */
function parseValue(tok: Token | undefined, params: readonly unknown[]): { value: unknown } | null {
  if (!tok) return null;
  if (tok.t === 'str' || tok.t === 'num') return { value: tok.v };
  if (tok.t === 'param') {
    const n = tok.n!;
    if (n < 1 || n > params.length) return null;
    return { value: params[n - 1] };
  }
  return null;
}

/** Keywords that can never be a column or table name here, so `where and = 1` is not misread. */
const RESERVED = new Set(['select', 'from', 'where', 'and', 'or', 'not', 'in', 'is', 'null', 'true', 'false', 'as', 'on', 'using', 'group', 'order', 'by', 'limit', 'offset', 'having', 'case', 'when', 'then', 'else', 'end', 'between', 'like', 'exists', 'distinct', 'all', 'any', 'some', 'collate', 'escape', 'glob', 'match', 'regexp', 'current_date', 'current_time', 'current_timestamp']);

function identName(tok: Token | undefined): { name: string; quoted: boolean } | null {
  if (!tok) return null;
  if (tok.t === 'qident') return { name: tok.v, quoted: true };
  if (tok.t === 'word' && !RESERVED.has(tok.lower) && !REFUSED_WORDS.has(tok.lower)) return { name: tok.lower, quoted: false };
  return null;
}

function isWord(tok: Token | undefined, lower: string): boolean {
  return tok?.t === 'word' && tok.lower === lower;
}

function isPunct(tok: Token | undefined, v: string): boolean {
  return tok?.t === 'punct' && tok.v === v;
}
