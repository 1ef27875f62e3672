/** How a request body travels in a payload format 2.0 event. */
export interface DeliveredBody {
  readonly body?: string;
  readonly isBase64Encoded: boolean;
}

/**
 * Media types whose bodies HTTP APIs pass to Lambda as a string. AWS documents only that a binary body
 * arrives base64-encoded, not which types are text; these are the ones measured against live HTTP APIs to
 * arrive as text. Everything else arrives base64-encoded: a missing Content-Type, form posts
 * (application/x-www-form-urlencoded), octet streams.
 */
const TEXT_MEDIA_TYPE = /^(text\/[^\s;]+|application\/(json|xml|javascript))$/i;

const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The body as API Gateway puts it into the event: a string for UTF-8 text, base64 for everything else.
 * A text type that declares another charset (`text/plain; charset=iso-8859-1`) was measured to arrive
 * base64-encoded. Bytes that a text type claims but that are not UTF-8 cannot become a string unchanged,
 * and AWS does not say what it does with them; the sandbox never alters a body, so they are delivered
 * base64-encoded as well, and the function, which decodes base64 as strict UTF-8, refuses them.
 */
export function deliveredBody(contentType: string | undefined, bytes: Buffer | undefined): DeliveredBody {
  if (bytes === undefined || bytes.length === 0) return { isBase64Encoded: false };
  if (isUtf8TextType(contentType ?? "")) {
    try {
      return { body: STRICT_UTF8.decode(bytes), isBase64Encoded: false };
    } catch {
      // Not UTF-8 after all: delivered as bytes, below.
    }
  }
  return { body: bytes.toString("base64"), isBase64Encoded: true };
}

function isUtf8TextType(contentType: string): boolean {
  const [mediaType, ...parameters] = contentType.split(";").map((part) => part.trim());
  if (!TEXT_MEDIA_TYPE.test(mediaType)) return false;
  const charset = parameters.map((parameter) => parameter.split("=")).find(([name]) => name.trim().toLowerCase() === "charset")?.[1];
  return (
    charset === undefined ||
    charset
      .trim()
      .replace(/^"(.*)"$/, "$1")
      .toLowerCase() === "utf-8"
  );
}
