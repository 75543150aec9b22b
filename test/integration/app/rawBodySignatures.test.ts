/**
 * Standard Webhooks signatures cover the body bytes as sent, for the JSON webhook and the
 * `message/rfc822` relay, through the real HTTP handlers over Azurite. The `standardwebhooks`
 * package plays the sender (it signs strings, and Buffers after decoding them as UTF-8); bodies it
 * cannot represent (invalid UTF-8) are signed over their exact bytes with node:crypto, as a sender
 * that signs what it sends does.
 */
import { createHmac } from "node:crypto";
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from "@azure/functions";
import { BlobServiceClient } from "@azure/storage-blob";
import { Webhook } from "standardwebhooks";
import { createContainer, type Container } from "../../../shared/container";
import { INBOUND_EMAIL_CONTAINER, type PartnerCredentials } from "../../../shared/contracts";
import { createSubmitSupportRequestHandler } from "../../../functions/http/intakeHandlers";
import { createSubmitInboundEmailHandler } from "../../../functions/http/inboundEmailHandlers";
import type { HttpHandler, HttpHandlerDeps } from "../../../functions/http/common";
import { FakeWorkflow, partnerDefinition, supportRequestBody, testConfig } from "./helpers";

const P = "rawsig";
let container: Container;
let workflow: FakeWorkflow;
let deps: HttpHandlerDeps;
let creds: PartnerCredentials;

beforeAll(async () => {
  container = createContainer(testConfig("rawsig"));
  workflow = new FakeWorkflow();
  deps = { getContainer: () => container, getWorkflow: () => workflow };
  creds = (await container.registerPartner(partnerDefinition(P))).credentials!;
});

let seq = 0;
function headersAt(id: string, signature: string, at: Date): Record<string, string> {
  return { "webhook-id": id, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": signature };
}

/** Signed by the `standardwebhooks` package (a Buffer is decoded as UTF-8 by it before signing). */
function signedByPackage(body: string | Buffer): Record<string, string> {
  const id = `msg_pkg_${++seq}`;
  const at = new Date();
  return headersAt(id, new Webhook(creds.webhookSecret).sign(id, at, body), at);
}

/** Signed over the exact bytes, as the Standard Webhooks spec defines the signed content. */
function signedOverBytes(body: Buffer): Record<string, string> {
  const id = `msg_bytes_${++seq}`;
  const at = new Date();
  const key = Buffer.from(creds.webhookSecret.slice("whsec_".length), "base64");
  const mac = createHmac("sha256", key).update(`${id}.${Math.floor(at.getTime() / 1000)}.`).update(body).digest("base64");
  return headersAt(id, `v1,${mac}`, at);
}

async function post(handler: HttpHandler, path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const request = new HttpRequest({ method: "POST", url: `http://127.0.0.1:7071${path}`, body: { bytes: new Uint8Array(body) }, headers, params: { partnerId: P } });
  const response = new HttpResponse((await handler(request, new InvocationContext({ functionName: "t", invocationId: "inv", logHandler: () => undefined }))) as HttpResponseInit);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const intake = (body: Buffer, headers: Record<string, string>) => post(createSubmitSupportRequestHandler(deps), `/api/partners/${P}/support-requests`, body, { "content-type": "application/json", ...headers });
const relay = (body: Buffer, headers: Record<string, string>) => post(createSubmitInboundEmailHandler(deps), `/api/partners/${P}/inbound-email`, body, { "content-type": "message/rfc822", ...headers });

describe("JSON webhook: verify the bytes, then decode", () => {
  it("a UTF-8 body signed by the standardwebhooks package is accepted (202)", async () => {
    const body = Buffer.from(JSON.stringify(supportRequestBody({ title: "Számla eltérés – október" })), "utf8");
    const res = await intake(body, signedByPackage(body.toString("utf8")));
    expect(res.status).toBe(202);
    expect((await container.cases.getCase(P, res.body.caseId as string))?.title).toBe("Számla eltérés – október");
  });

  it("a body with a UTF-8 BOM, signed over the bytes sent, is accepted; the BOM is not part of the JSON", async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(supportRequestBody({ title: "BOM-prefixed request" })), "utf8")]);
    const res = await intake(body, signedByPackage(body));
    expect(res.status).toBe(202);
    expect((await container.cases.getCase(P, res.body.caseId as string))?.title).toBe("BOM-prefixed request");
  });

  it("invalid UTF-8 signed over the exact bytes passes the signature and is refused with 400 naming the body", async () => {
    const json = JSON.stringify(supportRequestBody({ title: "Invoice XX" }));
    const at = json.indexOf("XX");
    const body = Buffer.from(json, "utf8");
    body[at] = 0xff; // never valid in UTF-8
    const res = await intake(body, signedOverBytes(body));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ pointer: "body", detail: expect.stringContaining(`byte offset ${at}`) }]);
    expect(workflow.started.filter((s) => s.partnerId === P)).toHaveLength(2); // only the two accepted above
  });

  it("a signature over the decoded text (U+FFFD in place of the bytes sent) does not match: 401", async () => {
    const body = Buffer.from(JSON.stringify(supportRequestBody({ title: "Invoice XX" })), "utf8");
    body[body.indexOf("XX")] = 0xc3; // a lead byte without its continuation
    // The package decodes the Buffer to text (U+FFFD) and signs that, not the bytes sent.
    const res = await intake(body, signedByPackage(body));
    expect(res.status).toBe(401);
    expect(res.body.detail).toContain("No webhook-signature matches");
  });
});

describe("message/rfc822 relay: the signature covers the raw bytes, 8-bit charsets included", () => {
  const latin1Mail = Buffer.concat([
    Buffer.from("From: =?iso-8859-2?q?Kov=E1cs?= <kovacs@tisza.example>\r\nTo: support@rawsig.example\r\nSubject: Szamla\r\nMessage-ID: <latin2-1@tisza.example>\r\nContent-Type: text/plain; charset=iso-8859-2\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", "latin1"),
    Buffer.from([0x53, 0x7a, 0xe1, 0x6d, 0x6c, 0x61, 0x20, 0xf5, 0x0d, 0x0a]), // "Számla ő" in ISO-8859-2
  ]);

  it("a legacy-charset message signed over its bytes is accepted and stored byte for byte", async () => {
    const res = await relay(latin1Mail, signedOverBytes(latin1Mail));
    expect(res.status).toBe(202);
    const blobs = BlobServiceClient.fromConnectionString(process.env.AZURE_STORAGE_CONNECTION_STRING as string);
    const stored = await blobs.getContainerClient(INBOUND_EMAIL_CONTAINER).getBlobClient(res.body.blobName as string).downloadToBuffer();
    expect(Buffer.compare(stored, latin1Mail)).toBe(0);
  });

  it("the same message signed by the package (which signs its UTF-8 decoding, not the bytes) is refused: 401", async () => {
    expect((await relay(latin1Mail, signedByPackage(latin1Mail))).status).toBe(401);
  });

  it("an ASCII message signed by the package is accepted (both agree on ASCII)", async () => {
    const ascii = Buffer.from("From: a@tisza.example\r\nTo: support@rawsig.example\r\nSubject: Hello\r\nMessage-ID: <ascii-1@tisza.example>\r\n\r\nHello\r\n", "ascii");
    expect((await relay(ascii, signedByPackage(ascii.toString("ascii")))).status).toBe(202);
  });
});
