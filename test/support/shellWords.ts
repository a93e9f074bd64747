// A rough reading of POSIX sh, enough to list the commands a script runs: comments, quoted text
// (but not the $( ) inside double quotes), arithmetic, heredoc bodies and case patterns are
// blanked, then the words in command position are collected. Built-ins, keywords and the
// script's own functions are left out.

const KEYWORDS = new Set("if then else elif fi for in do done while until case esac".split(" "));
const BUILTINS = new Set("echo printf read set shift export trap exit return kill wait eval cd test [ : true false unset break continue umask command exec . type".split(" "));

function skipArithmetic(s: string, i: number): number {
  let depth = 0;
  for (; i < s.length; i++) {
    if (s[i] === "(") depth++;
    if (s[i] === ")" && --depth === 0) return i + 1;
  }
  return i;
}

/** The script with everything that is not code blanked. */
export function codeOf(source: string): string {
  const lines: string[] = [];
  let heredocEnd: string | null = null;
  for (const line of source.split("\n")) {
    if (heredocEnd !== null) {
      if (line.trim() === heredocEnd) heredocEnd = null;
      lines.push("");
      continue;
    }
    const m = /<<-?\s*['"]?([A-Za-z_]+)['"]?/.exec(line);
    if (m) heredocEnd = m[1];
    lines.push(line);
  }
  const s = lines.join("\n");
  let out = "";
  // "code" at the top, "sub" inside $( ), "dq" inside double quotes.
  const stack: ("code" | "sub" | "dq")[] = ["code"];
  let i = 0;
  while (i < s.length) {
    const mode = stack[stack.length - 1];
    const c = s[i];
    if (mode === "dq") {
      if (c === "\\") i += 2;
      else if (c === '"') { stack.pop(); out += " "; i++; }
      else if (s.startsWith("$((", i)) i = skipArithmetic(s, i + 1);
      else if (s.startsWith("$(", i)) { stack.push("sub"); out += " $("; i += 2; }
      else i++;
      continue;
    }
    if (c === "#" && (i === 0 || /\s/.test(s[i - 1]))) { while (i < s.length && s[i] !== "\n") i++; continue; }
    if (c === "'") { i = s.indexOf("'", i + 1) + 1 || s.length; out += " "; continue; }
    if (c === "\\") { i += 2; out += " "; continue; }
    if (s.startsWith("$((", i)) { i = skipArithmetic(s, i + 1); out += " "; continue; }
    if (c === '"') { stack.push("dq"); out += " "; i++; continue; }
    if (s.startsWith("$(", i)) { stack.push("sub"); out += "$("; i += 2; continue; }
    if (mode === "sub" && c === "(") { stack.push("sub"); out += "("; i++; continue; }
    if (mode === "sub" && c === ")") { stack.pop(); out += ")"; i++; continue; }
    out += c;
    i++;
  }
  // case patterns: a line that starts with a pattern and `)`.
  return out.replace(/^[ \t]*[^\n()=]*[^\n()=$]\)(?=\s)/gm, " ");
}

/** Functions a script defines. */
export function functionsOf(code: string): Set<string> {
  return new Set([...code.matchAll(/^[ \t]*([A-Za-z_][A-Za-z0-9_]*)\(\)/gm)].map((m) => m[1]));
}

/** The external commands a script runs, as far as this reading can tell. */
export function commandsOf(source: string, alsoDefined: Set<string> = new Set()): Set<string> {
  // Words that put the next word in command position become separators.
  const code = codeOf(source).replace(/(^|[\s;&|(])(?:if|then|do|else|elif|while|until|exec|command -v)(?=\s)/gm, "$1;");
  const own = functionsOf(codeOf(source));
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:^|[;&|(`{!]|\$\()[ \t]*([A-Za-z_][A-Za-z0-9_.-]*)(?=[\s;)]|$)/gm)) {
    const w = m[1];
    if (!KEYWORDS.has(w) && !BUILTINS.has(w) && !own.has(w) && !alsoDefined.has(w)) found.add(w);
  }
  return found;
}
