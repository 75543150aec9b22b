/** HTML to text for HTML-only emails: structure kept, markup and active content dropped, linear time. */
import fc from "fast-check";
import { decodeHtmlEntities, htmlToText } from "../../../shared/domain/email";

describe("htmlToText", () => {
  it.each([
    ["paragraphs and breaks", "<p>One</p><p>Two<br>Three</p>", "One\n\nTwo\nThree"],
    ["divs are lines", "<div>a</div><div>b</div>", "a\nb"],
    ["whitespace collapses, inline tags vanish", "<p>  Hello\n   <b>big</b>   <i>world</i> </p>", "Hello big world"],
    ["lists", "<ul><li>one</li><li>two</li></ul><ol><li>first</li><li>second</li></ol>", "* one\n* two\n\n1. first\n2. second"],
    ["links show their target when it differs", '<a href="https://x.example/a">report</a> <a href="https://x.example/b">https://x.example/b</a> <a href="mailto:ops@x.example">ops@x.example</a>', "report <https://x.example/a> https://x.example/b ops@x.example"],
    ["javascript: links are not shown", '<a href="javascript:alert(1)">click</a>', "click"],
    ["image alt text", '<img src="cid:a@b" alt="Cost chart">', "[Cost chart]"],
    ["head, style, script, title, comments dropped", "<html><head><title>T</title><style>p{}</style></head><body><!-- c --><script>x()</script><p>kept</p></body></html>", "kept"],
    ["blockquote becomes > lines", "<p>answer</p><blockquote><p>quoted</p><blockquote>deeper</blockquote></blockquote><p>after</p>", "answer\n\n> quoted\n>\n> > deeper\n\nafter"],
    ["Apple Mail cite", '<div>answer</div><blockquote type="cite"><div>On 5 Mar 2026, at 10:15, Duna wrote:</div><div>quoted</div></blockquote>', "answer\n\n> On 5 Mar 2026, at 10:15, Duna wrote:\n> quoted"],
    ["pre keeps whitespace", "<pre>a  b\n  c</pre>", "a  b\n  c"],
    ["table cells", "<table><tr><td>Total</td><td>1 245 €</td></tr></table>", "Total 1 245 €"],
    ["hr", "a<hr>b", "a\n---\nb"],
    ["entities", "&lt;tag&gt; &amp; &quot;q&quot; &#8222;pl&#x201D; &odblac;&udblac; &ccaron;&rcaron; &nbsp;x &unknown; &amp", "<tag> & \"q\" „pl” őű čř  x &unknown; &"],
    ["named entities of any language (HTML 5 table)", "&lowast; &Euml;lise &hearts; &Scaron;koda &frac12;", "∗ Ëlise ♥ Škoda ½"],
    ["quoted > in attributes does not end the tag", '<p title="a>b">text</p>', "text"],
    ["unclosed tag ends the text", "<p>kept</p><a href=", "kept"],
    ["unclosed head drops only the tag", "<head><p>body text</p>", "body text"],
    ["unclosed script drops the rest", "<p>kept</p><script>var a = '<p>no</p>'", "kept"],
    ["a lone < is text", "1 < 2 and 3 > 2", "1 < 2 and 3 > 2"],
    ["empty", "", ""],
  ])("%s", (_label, html, text) => {
    expect(htmlToText(html)).toBe(text);
  });

  it("decodes numeric references safely", () => {
    expect(decodeHtmlEntities("&#0; &#xD800; &#x110000; &#65;")).toBe("\ufffd \ufffd \ufffd A");
  });

  it("never outputs markup from tags, also on pathological input", () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => expect(htmlToText(`<p>${s.replace(/</g, "")}</p><b>x</b>`)).not.toContain("<b>")));
    for (const evil of ["<a ".repeat(50000), "<!--".repeat(50000), "<p".repeat(50000), "<head>".repeat(30000), "<script>".repeat(30000), "&".repeat(100000)]) {
      // Pathological input still ends (a ReDoS would hit Jest's timeout) and yields no markup.
      expect(htmlToText(evil)).not.toMatch(/<(a|p|head|script)\b/);
    }
  });
});
