/**
 * HTML to plain text for HTML-only emails ("HTML-only messages turned into text").
 * postal-mime returns no `text` when a message has only an HTML part. Character references are
 * decoded by the `entities` library; the structure by a single left-to-right scan (no
 * backtracking regular expressions over the whole input, so its time is linear in the input, unlike
 * the regex converters behind the postal-mime ReDoS fixes), no DOM and no network.
 *
 * What it keeps: text, line structure (block elements, `<br>`, list items as `* `/`1. `), link
 * targets (`text <https://…>` when they differ from the text), image `alt` text, and
 * `<blockquote>` as `> ` prefixed lines, so quoted replies in HTML (Gmail `gmail_quote`, Apple Mail
 * `type="cite"`, Thunderbird `moz-cite-prefix`) are recognised by `stripQuotedReply` like plain-text
 * ones. What it drops: `<head>`, `<style>`, `<script>`, `<title>`, comments, every attribute except
 * `href` and `alt`. The output is text, never markup; callers still escape it before putting it in HTML.
 */

import { decodeHTML } from "entities";

const SKIP_CONTENT = new Set(["script", "style", "head", "title", "template", "noscript", "xml"]);
const PARAGRAPH = new Set(["p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "pre", "dl"]);
const LINE = new Set(["div", "tr", "li", "dt", "dd", "section", "article", "header", "footer", "address", "center", "form", "fieldset", "main", "nav", "aside", "figure", "figcaption", "caption", "tbody", "thead", "tfoot"]);
const CELL = new Set(["td", "th"]);

/**
 * Decodes HTML character references with the `entities` library (the full HTML 5 named reference
 * table, including the legacy forms without `;` such as `&amp`, and numeric references; invalid
 * code points become U+FFFD, as HTML 5 does). Unknown names are left as written.
 * @param text - text that may contain character references.
 * @returns the decoded text.
 */
export function decodeHtmlEntities(text: string): string {
  return text.includes("&") ? decodeHTML(text) : text;
}

interface Attributes {
  href?: string;
  alt?: string;
}

function readAttributes(source: string): Attributes {
  const attrs: Attributes = {};
  const re = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  for (const m of source.matchAll(re)) {
    const name = m[1]?.toLowerCase();
    const value = m[2] ?? m[3] ?? m[4];
    if (value === undefined) continue;
    if (name === "href") attrs.href = decodeHtmlEntities(value).trim();
    else if (name === "alt") attrs.alt = decodeHtmlEntities(value).trim();
  }
  return attrs;
}

/**
 * Converts an HTML document or fragment to plain text.
 * @param html - the HTML (already decoded from its charset). Malformed markup is tolerated: an
 *   unclosed tag ends the input, an unclosed `<script>`/`<style>` drops the rest, an unclosed
 *   `<head>` drops only the tag.
 * @returns text with `\n` line breaks, at most one blank line in a row, `> ` before each line that
 *   was inside a `<blockquote>` (one per level), trimmed; "" for empty input.
 */
export function htmlToText(html: string): string {
  const lines: string[] = [];
  let cur = "";
  let depth = 0;
  let lineDepth = 0;
  let pre = 0;
  const lists: { ordered: boolean; n: number }[] = [];
  let link: { href: string; text: string } | undefined;
  const unclosed = new Set<string>();

  const flush = (): void => {
    lines.push(("> ".repeat(lineDepth) + cur).trimEnd());
    cur = "";
    lineDepth = depth;
  };
  const lineBreak = (): void => {
    if (cur.trim() !== "") flush();
    else {
      cur = "";
      lineDepth = depth;
    }
  };
  const isBlank = (line: string | undefined): boolean => line !== undefined && /^[>\s]*$/.test(line);
  const paragraphBreak = (): void => {
    lineBreak();
    if (lines.length > 0 && !isBlank(lines[lines.length - 1])) lines.push("> ".repeat(depth).trimEnd());
  };
  const emit = (raw: string): void => {
    if (raw === "") return;
    if (pre > 0) {
      const parts = decodeHtmlEntities(raw).split(/\r\n|\r|\n/);
      parts.forEach((part, index) => {
        if (index > 0) flush();
        cur += part;
        if (link) link.text += part;
      });
      return;
    }
    let text = raw.replace(/[ \t\n\r\f]+/g, " ");
    if (cur === "" || cur.endsWith(" ")) text = text.replace(/^ /, "");
    text = decodeHtmlEntities(text);
    cur += text;
    if (link) link.text += text;
  };

  let i = 0;
  const n = html.length;
  while (i < n) {
    const lt = html.indexOf("<", i);
    if (lt < 0) {
      emit(html.slice(i));
      break;
    }
    if (lt > i) emit(html.slice(i, lt));
    i = lt;
    if (html.startsWith("<!--", i)) {
      const end = html.indexOf("-->", i + 4);
      i = end < 0 ? n : end + 3;
      continue;
    }
    if (html[i + 1] === "!" || html[i + 1] === "?") {
      const end = html.indexOf(">", i + 2);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const nameMatch = /<(\/?)([A-Za-z][A-Za-z0-9:-]*)/y;
    nameMatch.lastIndex = i;
    const m = nameMatch.exec(html);
    if (!m || m[2] === undefined) {
      emit("<");
      i += 1;
      continue;
    }
    const closing = m[1] === "/";
    const name = m[2].toLowerCase();
    // Find the end of the tag, skipping `>` inside quoted attribute values.
    let j = i + m[0].length;
    let quote = "";
    while (j < n) {
      const c = html[j];
      if (quote) {
        if (c === quote) quote = "";
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ">") break;
      j++;
    }
    if (j >= n) break; // unclosed tag: the rest is not text
    const attrSource = html.slice(i + m[0].length, j);
    i = j + 1;

    if (!closing && SKIP_CONTENT.has(name) && !attrSource.trimEnd().endsWith("/")) {
      if (unclosed.has(name)) {
        if (name !== "head") i = n;
        continue;
      }
      const closeTag = new RegExp(`</${name}\\s*>`, "gi");
      closeTag.lastIndex = i;
      const close = closeTag.exec(html);
      if (close) i = close.index + close[0].length;
      else {
        unclosed.add(name);
        if (name !== "head") i = n;
      }
      continue;
    }

    if (name === "br") {
      if (cur.trim() === "") {
        lines.push("> ".repeat(lineDepth).trimEnd());
        cur = "";
        lineDepth = depth;
      } else flush();
    } else if (name === "blockquote") {
      // One blank line around a quote, written at the outer level.
      if (closing) lineBreak();
      else paragraphBreak();
      depth = closing ? Math.max(0, depth - 1) : depth + 1;
      lineDepth = depth;
      if (closing) {
        const outer = "> ".repeat(depth).trimEnd();
        if (isBlank(lines[lines.length - 1])) lines[lines.length - 1] = outer;
        else lines.push(outer);
      }
    } else if (name === "hr") {
      lineBreak();
      lines.push(("> ".repeat(depth) + "---").trimEnd());
    } else if (name === "li" && !closing) {
      lineBreak();
      const list = lists[lists.length - 1];
      if (list?.ordered) cur = `${++list.n}. `;
      else cur = "* ";
    } else if ((name === "ul" || name === "ol") && !closing) {
      paragraphBreak();
      lists.push({ ordered: name === "ol", n: 0 });
    } else if ((name === "ul" || name === "ol") && closing) {
      lists.pop();
      paragraphBreak();
    } else if (name === "pre") {
      paragraphBreak();
      pre = closing ? Math.max(0, pre - 1) : pre + 1;
    } else if (PARAGRAPH.has(name)) {
      paragraphBreak();
    } else if (LINE.has(name)) {
      lineBreak();
    } else if (CELL.has(name)) {
      if (!closing && cur !== "" && !cur.endsWith(" ")) cur += " ";
    } else if (name === "a") {
      if (!closing) {
        const { href } = readAttributes(attrSource);
        link = href && /^(https?:|mailto:)/i.test(href) ? { href, text: "" } : undefined;
      } else if (link) {
        const shown = link.text.trim();
        const target = link.href.replace(/^mailto:/i, "");
        if (shown !== link.href && shown !== target && target !== "") cur += shown === "" ? target : ` <${target}>`;
        link = undefined;
      }
    } else if (name === "img" && !closing) {
      const { alt } = readAttributes(attrSource);
      if (alt) emit(`[${alt}]`);
    }
  }
  if (cur.trim() !== "") flush();

  const text = lines
    .join("\n")
    .replace(/\u00a0/g, " ")
    .replace(/[\u200b\u200c\u200d\u2060\ufeff\u00ad]/g, "")
    .replace(/[ \t]+$/gm, "")
    .replace(/\n{3,}/g, "\n\n");
  return text.trim();
}
