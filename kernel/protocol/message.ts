import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

/** Jupyter messaging protocol 5.3: https://jupyter-client.readthedocs.io/en/stable/messaging.html */
export const PROTOCOL_VERSION = '5.3';
const DELIMITER = '<IDS|MSG>';

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message {
  identities: Buffer[];
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, any>;
  buffers: Buffer[];
}

export interface ConnectionInfo {
  transport: string;
  ip: string;
  shell_port: number;
  control_port: number;
  stdin_port: number;
  iopub_port: number;
  hb_port: number;
  key: string;
  signature_scheme: string;
}

/** Signs and checks messages with the connection's key (HMAC-SHA256; an empty key disables signing). */
export class Signer {
  private algorithm: string;
  constructor(
    private key: string,
    scheme = 'hmac-sha256',
  ) {
    this.algorithm = scheme.replace(/^hmac-/, '');
  }

  sign(parts: Buffer[]): string {
    if (!this.key) return '';
    const h = createHmac(this.algorithm, this.key);
    for (const p of parts) h.update(p);
    return h.digest('hex');
  }

  verify(signature: string, parts: Buffer[]): boolean {
    if (!this.key) return true;
    const expected = Buffer.from(this.sign(parts));
    const got = Buffer.from(signature);
    return expected.length === got.length && timingSafeEqual(expected, got);
  }
}

export class BadSignatureError extends Error {}

/** Parses wire frames; throws BadSignatureError when the HMAC does not match. */
export function parseFrames(frames: Buffer[], signer: Signer): Message {
  const at = frames.findIndex((f) => f.toString() === DELIMITER);
  if (at < 0) throw new Error('message without <IDS|MSG> delimiter');
  const [signature, header, parent, metadata, content, ...buffers] = frames.slice(at + 1);
  if (!signer.verify(signature?.toString() ?? '', [header, parent, metadata, content]))
    throw new BadSignatureError('invalid HMAC signature');
  return {
    identities: frames.slice(0, at),
    header: JSON.parse(header.toString()),
    parent_header: JSON.parse(parent.toString()),
    metadata: JSON.parse(metadata.toString()),
    content: JSON.parse(content.toString()),
    buffers,
  };
}

export function newHeader(msgType: string, session: string): Header {
  return {
    msg_id: randomUUID(),
    msg_type: msgType,
    session,
    username: 'amalgam',
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

/** A message ready to send: header, parent, metadata and content already JSON-encoded. */
export function encodeFrames(
  signer: Signer,
  identities: Buffer[],
  header: Header,
  parent: Partial<Header>,
  content: unknown,
  metadata: Record<string, unknown> = {},
  buffers: Buffer[] = [],
): Buffer[] {
  const parts = [header, parent, metadata, content].map((x) => Buffer.from(JSON.stringify(x)));
  return [...identities, Buffer.from(DELIMITER), Buffer.from(signer.sign(parts)), ...parts, ...buffers];
}
