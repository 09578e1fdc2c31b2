/** A pattern islet cannot read or does not support; the message says which and why. */
export class FilterPatternError extends Error {}

/** One term of a filter pattern and how it must occur. */
interface Term {
  text: string;
  kind: 'all' | 'none' | 'any';
}

const invalid = (why: string) => new FilterPatternError(`Invalid filter pattern: ${why}`);

/** Splits a pattern into terms: words, "quoted phrases" (with \" inside), each maybe after - or ?. */
function terms(pattern: string): Term[] {
  const out: Term[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    let kind: Term['kind'] = 'all';
    if (ch === '-' || ch === '?') {
      kind = ch === '-' ? 'none' : 'any';
      i++;
    }
    let text = '';
    if (pattern[i] === '"') {
      i++;
      let closed = false;
      while (i < pattern.length) {
        const c = pattern[i]!;
        if (c === '\\' && i + 1 < pattern.length) {
          text += pattern[i + 1];
          i += 2;
          continue;
        }
        i++;
        if (c === '"') {
          closed = true;
          break;
        }
        text += c;
      }
      if (!closed) throw invalid('a quoted phrase has no closing quote');
      if (i < pattern.length && !/\s/.test(pattern[i]!)) throw invalid('put a space after a quoted phrase');
    } else {
      while (i < pattern.length && !/\s/.test(pattern[i]!)) {
        if (pattern[i] === '"') throw invalid('a quote may only start a term');
        text += pattern[i++];
      }
    }
    if (text === '') throw invalid(`'${kind === 'none' ? '-' : kind === 'any' ? '?' : '""'}' needs a term`);
    out.push({ text, kind });
  }
  return out;
}

/**
 * Compiles a CloudWatch Logs filter pattern for unstructured events: every plain term and
 * "quoted phrase" must occur, no `-term`, and at least one `?term` if there are any; matching is
 * case-sensitive, and the empty pattern matches everything. JSON (`{ $.x = 1 }`), space-delimited
 * (`[a, b]`) and regular-expression (`%...%`) patterns are refused.
 */
export function compileFilterPattern(pattern: string): (message: string) => boolean {
  const p = pattern.trim();
  if (p.startsWith('{')) {
    throw new FilterPatternError(
      'islet does not support JSON filter patterns ({ $.field = value }); use terms, "quoted phrases", -exclusions and ?alternatives',
    );
  }
  if (p.startsWith('[')) {
    throw new FilterPatternError(
      'islet does not support space-delimited filter patterns ([a, b, ...]); use terms, "quoted phrases", -exclusions and ?alternatives',
    );
  }
  if (p.startsWith('%')) {
    throw new FilterPatternError(
      'islet does not support regular-expression filter patterns (%...%); use terms, "quoted phrases", -exclusions and ?alternatives',
    );
  }
  const list = terms(p);
  const all = list.filter((t) => t.kind === 'all').map((t) => t.text);
  const none = list.filter((t) => t.kind === 'none').map((t) => t.text);
  const any = list.filter((t) => t.kind === 'any').map((t) => t.text);
  return (message) =>
    all.every((t) => message.includes(t)) &&
    !none.some((t) => message.includes(t)) &&
    (any.length === 0 || any.some((t) => message.includes(t)));
}
