import { randomBytes } from "node:crypto";
import * as http from "node:http";
import { listen } from "../../local/listen";

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface StsStandIn {
  /** The endpoint to give the AWS provider (`endpoints { sts = … }`). */
  readonly url: string;
  /** Fake long-term credentials that GetCallerIdentity attributes to this account. */
  credentialsFor(account: string): StaticCredentials;
  /** Every Action received, in order: a test can tell that STS was really asked. */
  actions(): readonly string[];
  close(): Promise<void>;
}

const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
/** SigV4's `Credential=<access key>/<date>/<region>/sts/aws4_request`. */
const SIGNING_ACCESS_KEY = /Credential=([^/,\s]+)\//;

/**
 * Just enough of AWS STS (the Query protocol, XML answers) for the Terraform AWS provider to configure
 * itself without AWS: GetCallerIdentity, which the provider calls to learn the account it checks
 * `allowed_account_ids` against, and AssumeRole, for providers with `assume_role`. Nothing is verified:
 * the caller's account is the one its access key was issued for (by {@link StsStandIn.credentialsFor} or
 * by AssumeRole, which issues keys in the role's account), else `defaultAccount`.
 */
export async function startStsStandIn(defaultAccount = "123456789012"): Promise<StsStandIn> {
  const accountOfAccessKey = new Map<string, string>();
  const received: string[] = [];
  const issue = (account: string, prefix: string): StaticCredentials => {
    const accessKeyId = `${prefix}${randomBytes(8).toString("hex").toUpperCase()}`;
    accountOfAccessKey.set(accessKeyId, account);
    return { accessKeyId, secretAccessKey: randomBytes(20).toString("hex") };
  };

  const answer = (request: http.IncomingMessage, body: string): { status: number; xml: string } => {
    // The SDK sends the Query protocol as a form-encoded POST body; a GET would carry it in the URL.
    const form = new URLSearchParams(body || (request.url ?? "").split("?")[1] || "");
    const action = form.get("Action") ?? "";
    received.push(action);
    const signingKey = SIGNING_ACCESS_KEY.exec(request.headers.authorization ?? "")?.[1] ?? "";
    const callerAccount = accountOfAccessKey.get(signingKey) ?? defaultAccount;
    if (action === "GetCallerIdentity") {
      return {
        status: 200,
        xml: response(
          action,
          `<Arn>arn:aws:iam::${callerAccount}:user/sts-stand-in</Arn><UserId>AIDASTSSTANDIN</UserId><Account>${callerAccount}</Account>`,
        ),
      };
    }
    if (action === "AssumeRole") {
      const roleArn = form.get("RoleArn") ?? "";
      const sessionName = form.get("RoleSessionName") ?? "session";
      const role = ROLE_ARN.exec(roleArn);
      if (!role) return { status: 400, xml: error("ValidationError", `not a role ARN: ${roleArn}`) };
      const [, account, roleName] = role;
      const credentials = issue(account, "ASIA");
      // An hour ahead, as STS's default duration: the provider refreshes nothing within a test.
      const expiration = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      return {
        status: 200,
        xml: response(
          action,
          `<Credentials><AccessKeyId>${credentials.accessKeyId}</AccessKeyId>` +
            `<SecretAccessKey>${credentials.secretAccessKey}</SecretAccessKey>` +
            `<SessionToken>stand-in-session-token</SessionToken><Expiration>${expiration}</Expiration></Credentials>` +
            `<AssumedRoleUser><Arn>arn:aws:sts::${account}:assumed-role/${roleName}/${escapeXml(sessionName)}</Arn>` +
            `<AssumedRoleId>AROASTSSTANDIN:${escapeXml(sessionName)}</AssumedRoleId></AssumedRoleUser>`,
        ),
      };
    }
    return { status: 400, xml: error("InvalidAction", `the STS stand-in does not implement ${action || "(no action)"}`) };
  };

  const server = http.createServer((request, reply) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const { status, xml } = answer(request, Buffer.concat(chunks).toString("utf8"));
      reply.writeHead(status, { "content-type": "text/xml" }).end(xml);
    });
  });
  // The sandbox's own listen: any free port, and a close that drops keep-alive connections at once.
  const { url, close } = await listen(server, 0, "127.0.0.1");
  return {
    url,
    credentialsFor: (account) => issue(account, "AKIA"),
    actions: () => [...received],
    close,
  };
}

function response(action: string, result: string): string {
  return (
    `<${action}Response xmlns="${STS_NAMESPACE}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomBytes(16).toString("hex")}</RequestId></ResponseMetadata></${action}Response>`
  );
}

function error(code: string, message: string): string {
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}"><Error><Type>Sender</Type><Code>${code}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error><RequestId>${randomBytes(16).toString("hex")}</RequestId></ErrorResponse>`
  );
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
