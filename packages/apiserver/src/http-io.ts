// Reading request bodies and writing JSON responses.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { decodeKubernetesProtobuf } from './protobuf/decode-object.ts';
import { ApiStatusError, badRequest, failure } from './status.ts';

/** upstream's default request body limit (3 MiB). */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new ApiStatusError(failure(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** A JSON, YAML or (for the kinds kubectl's typed create sends) protobuf body; undefined when empty. */
export function parseBody(body: Buffer, contentType: string | undefined): unknown {
  const mediaType = (contentType ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === PROTOBUF) {
    const decoded = decodeKubernetesProtobuf(body);
    if (typeof decoded === 'string') throw new ApiStatusError(failure(415, 'UnsupportedMediaType', decoded));
    return decoded;
  }
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  if (mediaType !== 'application/json' && mediaType !== 'application/yaml' && mediaType !== '') {
    throw new ApiStatusError(
      failure(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, ${PROTOBUF}`,
      ),
    );
  }
  try {
    return mediaType === 'application/yaml' ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding request body: ${(error as Error).message}`);
  }
}

export function sendJson(response: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  response.end(text);
}
