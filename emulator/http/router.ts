/**
 * Route templates of HTTP-triggered functions, matched the way the Functions host does (it uses
 * ASP.NET Core routing: https://learn.microsoft.com/aspnet/core/fundamentals/routing#route-templates
 * and https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#customize-the-http-endpoint).
 *
 * Supported: literal segments (case-insensitive), `{name}`, optional `{name?}` (trailing segments
 * only), defaults `{name=value}`, catch-all `{*rest}` / `{**rest}`, several parameters and literals
 * in one segment (`{file}.{ext}`), and the inline constraints listed in {@link ROUTE_CONSTRAINTS}.
 */

/** A parsed `{...}` route parameter. */
interface ParamPart {
  kind: "param";
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue?: string;
  constraints: Array<{ name: string; arg?: string }>;
}

type Part = { kind: "literal"; text: string } | ParamPart;

/** One segment of a template (between slashes). */
interface Segment {
  parts: Part[];
  /** Matches the whole segment; capture groups in the order of the segment's parameters. */
  regex: RegExp;
  params: ParamPart[];
}

/** Thrown for a template the router cannot parse; `code` is `InvalidRouteTemplate`. */
export class RouteTemplateError extends Error {
  readonly code = "InvalidRouteTemplate";
  /** @param template - the offending template. @param reason - what is wrong with it. */
  constructor(
    readonly template: string,
    reason: string,
  ) {
    super(`Invalid route template "${template}": ${reason}`);
    this.name = "RouteTemplateError";
  }
}

const GUID = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;

/**
 * Inline route constraints, as ASP.NET Core defines them
 * (https://learn.microsoft.com/aspnet/core/fundamentals/routing#route-constraints).
 * Each receives the decoded value and the constraint argument (the text inside the parentheses).
 */
export const ROUTE_CONSTRAINTS: Readonly<Record<string, (value: string, arg?: string) => boolean>> = {
  int: (v) => /^-?\d+$/.test(v) && Number(v) >= -(2 ** 31) && Number(v) <= 2 ** 31 - 1,
  long: (v) => /^-?\d+$/.test(v) && BigInt(v) <= 2n ** 63n - 1n && BigInt(v) >= -(2n ** 63n),
  bool: (v) => /^(true|false)$/i.test(v),
  guid: (v) => GUID.test(v),
  alpha: (v) => /^[a-z]+$/i.test(v),
  decimal: (v) => /^-?(\d+\.?\d*|\.\d+)$/.test(v),
  double: (v) => /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v),
  float: (v) => /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(v),
  datetime: (v) => !Number.isNaN(Date.parse(v)),
  minlength: (v, a) => v.length >= Number(a),
  maxlength: (v, a) => v.length <= Number(a),
  length: (v, a = "") => {
    const [min, max] = a.split(",").map((s) => Number(s.trim()));
    return max === undefined ? v.length === min : v.length >= (min ?? 0) && v.length <= max;
  },
  min: (v, a) => /^-?\d+$/.test(v) && Number(v) >= Number(a),
  max: (v, a) => /^-?\d+$/.test(v) && Number(v) <= Number(a),
  range: (v, a = "") => {
    const [min, max] = a.split(",").map((s) => Number(s.trim()));
    return /^-?\d+$/.test(v) && Number(v) >= (min ?? -Infinity) && Number(v) <= (max ?? Infinity);
  },
  regex: (v, a = "") => new RegExp(a, "i").test(v),
  required: (v) => v.length > 0,
};

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function parseParam(template: string, body: string): ParamPart {
  let rest = body;
  let catchAll = false;
  if (rest.startsWith("**")) {
    catchAll = true;
    rest = rest.slice(2);
  } else if (rest.startsWith("*")) {
    catchAll = true;
    rest = rest.slice(1);
  }
  let defaultValue: string | undefined;
  const eq = rest.indexOf("=");
  if (eq >= 0) {
    defaultValue = rest.slice(eq + 1);
    rest = rest.slice(0, eq);
  }
  let optional = false;
  if (rest.endsWith("?")) {
    optional = true;
    rest = rest.slice(0, -1);
  }
  const [name = "", ...constraintTexts] = splitConstraints(rest);
  if (!/^[A-Za-z_][\w-]*$/.test(name)) throw new RouteTemplateError(template, `bad parameter name "${name}"`);
  const constraints = constraintTexts.map((c) => {
    const m = /^(\w+)(?:\((.*)\))?$/s.exec(c);
    if (!m || !m[1]) throw new RouteTemplateError(template, `bad constraint "${c}"`);
    const cname = m[1].toLowerCase();
    if (!(cname in ROUTE_CONSTRAINTS)) throw new RouteTemplateError(template, `unknown constraint "${cname}"`);
    // ASP.NET escapes braces inside constraints by doubling them.
    return { name: cname, arg: m[2]?.replace(/\{\{/g, "{").replace(/\}\}/g, "}") };
  });
  return { kind: "param", name, optional: optional || catchAll, catchAll, defaultValue, constraints };
}

/** Splits `id:int:min(1)` on colons that are not inside parentheses (regex constraints). */
function splitConstraints(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of s) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === ":" && depth === 0) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function parseSegment(template: string, text: string): Segment {
  const parts: Part[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === "{") {
      // Find the matching brace, allowing braces inside regex constraints.
      let depth = 0;
      let j = i;
      for (; j < text.length; j++) {
        if (text[j] === "{") depth++;
        else if (text[j] === "}" && --depth === 0) break;
      }
      if (j >= text.length) throw new RouteTemplateError(template, "unbalanced braces");
      parts.push(parseParam(template, text.slice(i + 1, j)));
      i = j + 1;
    } else {
      const next = text.indexOf("{", i);
      const end = next < 0 ? text.length : next;
      parts.push({ kind: "literal", text: text.slice(i, end) });
      i = end;
    }
  }
  const params = parts.filter((p): p is ParamPart => p.kind === "param");
  if (params.length > 1 && params.some((p) => p.catchAll)) {
    throw new RouteTemplateError(template, "a catch-all parameter must be alone in its segment");
  }
  const source = parts
    .map((p) => (p.kind === "literal" ? escapeRegex(p.text) : p.catchAll ? "(.*)" : parts.length > 1 ? "(.+?)" : "(.+)"))
    .join("");
  return { parts, regex: new RegExp(`^${source}$`, "is"), params };
}

/** Result of a successful match: decoded route parameter values by name. */
export type RouteParams = Record<string, string>;

/** A compiled route template. */
export interface CompiledRoute {
  /** The template as written (without the route prefix). */
  readonly template: string;
  /** Inbound precedence, compared element-wise: lower is more specific (ASP.NET `RoutePrecedence`). */
  readonly precedence: readonly number[];
  /**
   * Matches a request path (already without query, leading slash optional, still percent-encoded).
   * @returns the parameters, or undefined when the path does not match.
   */
  match(path: string): RouteParams | undefined;
}

/**
 * Compiles a route template such as `cases/{id:guid}/notes/{noteId:int?}`.
 * @param template - template without leading slash; the empty string matches only the root.
 * @throws RouteTemplateError for a malformed template or an unknown constraint.
 */
export function compileRoute(template: string): CompiledRoute {
  const trimmed = template.replace(/^\/+|\/+$/g, "");
  const segments = trimmed === "" ? [] : trimmed.split("/").map((s) => parseSegment(template, s));
  segments.forEach((seg, i) => {
    if (seg.params.some((p) => p.catchAll) && i !== segments.length - 1) {
      throw new RouteTemplateError(template, "a catch-all parameter must be the last segment");
    }
  });
  // ASP.NET inbound precedence digits: literal 1, complex 2, constrained parameter 3, parameter 4, catch-all 5.
  const precedence = segments.map((seg) => {
    const only = seg.parts.length === 1 ? seg.parts[0] : undefined;
    if (!only) return 2;
    if (only.kind === "literal") return 1;
    if (only.catchAll) return 5;
    return only.constraints.length > 0 ? 3 : 4;
  });

  return {
    template,
    precedence,
    match(path: string): RouteParams | undefined {
      const raw = path.replace(/^\/+/, "").replace(/\/+$/, "");
      const pathSegments = raw === "" ? [] : raw.split("/");
      const params: RouteParams = {};
      for (let i = 0; i < segments.length; i++) {
        const seg = segments[i] as Segment;
        const first = seg.params[0];
        if (first?.catchAll) {
          const rest = pathSegments.slice(i).map(safeDecode).join("/");
          if (rest === "" && first.defaultValue !== undefined) params[first.name] = first.defaultValue;
          else if (rest !== "") params[first.name] = rest;
          if (!checkConstraints(first, params[first.name])) return undefined;
          return params;
        }
        const text = pathSegments[i];
        if (text === undefined) {
          // Missing trailing segments are fine only when every parameter left is optional or defaulted.
          const soleParam = seg.parts.length === 1 ? first : undefined;
          if (!soleParam || (!soleParam.optional && soleParam.defaultValue === undefined)) return undefined;
          if (soleParam.defaultValue !== undefined) params[soleParam.name] = soleParam.defaultValue;
          continue;
        }
        const m = seg.regex.exec(text);
        if (!m) return undefined;
        for (let k = 0; k < seg.params.length; k++) {
          const p = seg.params[k] as ParamPart;
          const value = safeDecode(m[k + 1] ?? "");
          if (!checkConstraints(p, value)) return undefined;
          params[p.name] = value;
        }
      }
      if (pathSegments.length > segments.length) return undefined;
      return params;
    },
  };
}

function checkConstraints(p: ParamPart, value: string | undefined): boolean {
  if (value === undefined) return true;
  return p.constraints.every((c) => (ROUTE_CONSTRAINTS[c.name] as (v: string, a?: string) => boolean)(value, c.arg));
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Orders routes most specific first, as ASP.NET's inbound precedence does. */
export function compareRoutePrecedence(a: CompiledRoute, b: CompiledRoute): number {
  const n = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < n; i++) {
    const x = a.precedence[i];
    const y = b.precedence[i];
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    if (x !== y) return x - y;
  }
  return 0;
}
