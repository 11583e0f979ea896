// The imagebuilder target through the real Image Builder SDK client (serialization, error parsing, abort
// signal), with only the HTTP handler replaced: what aws-sdk-client-mock cannot show, such as an SDK command
// being sent twice on a retry, or an error's name as the SDK parses it from a real error response.
import { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { silentReporter } from "../../../../src/image/runner.js";
import { imageBuilderTarget } from "../../../../src/image/targets/imagebuilder/index.js";
import { ACCOUNT, BUILD_ID, buildInput, REGION } from "./fixtures.js";
import { fakeClock } from "./fake-clock.js";

interface Sent {
  method: string;
  path: string;
  query: Record<string, unknown>;
  body: any;
}

// Answers Image Builder's REST-JSON API: the operation is the path; errors carry their name in x-amzn-errortype.
function fakeImageBuilderHttp(throttleFirst: string[]) {
  const sent: Sent[] = [];
  const throttled = new Set<string>();
  const arn = (rest: string) => `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:${rest}`;
  const version = () => sent.find((s) => s.path === "/CreateComponent")!.body.semanticVersion;
  const requestHandler = {
    async handle(request: { method: string; path: string; query?: Record<string, unknown>; body?: Uint8Array }) {
      const body = request.body ? JSON.parse(new TextDecoder().decode(request.body)) : undefined;
      sent.push({ method: request.method, path: request.path, query: request.query ?? {}, body });
      const op = request.path.slice(1);
      const reply = (statusCode: number, json: object, headers: Record<string, string> = {}) => ({
        response: {
          statusCode,
          headers: { "content-type": "application/json", "x-amzn-requestid": "6f3c8a1e-2b7d-4e39-9a55-0c1d2e3f4a5b", ...headers },
          body: Readable.from([Buffer.from(JSON.stringify(json))]),
        },
      });
      if (throttleFirst.includes(op) && !throttled.has(op)) {
        throttled.add(op);
        return reply(429, { message: "Rate exceeded" }, { "x-amzn-errortype": "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/" });
      }
      const name = `unibox-${BUILD_ID}`;
      const ok = (json: object) => reply(200, { requestId: "6f3c8a1e-2b7d-4e39-9a55-0c1d2e3f4a5b", ...json });
      switch (op) {
        case "CreateComponent":
          return ok({ componentBuildVersionArn: arn(`component/${name}/${body.semanticVersion}/1`) });
        case "CreateImageRecipe":
          return ok({ imageRecipeArn: arn(`image-recipe/${name}/${body.semanticVersion}`) });
        case "CreateInfrastructureConfiguration":
          return ok({ infrastructureConfigurationArn: arn(`infrastructure-configuration/${name}`) });
        case "CreateDistributionConfiguration":
          return ok({ distributionConfigurationArn: arn(`distribution-configuration/${name}`) });
        case "CreateImage":
          return ok({ imageBuildVersionArn: arn(`image/${name}/${version()}/1`) });
        case "GetImage":
          return ok({ image: { arn: request.query?.imageBuildVersionArn, state: { status: "AVAILABLE" }, outputResources: { amis: [{ region: REGION, image: "ami-07d9e8f1a2b3c4d5e" }] } } });
        default:
          return ok({});
      }
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
  return { sent, requestHandler };
}

describe("the imagebuilder target over the real SDK client", () => {
  it("serializes every call, retries a throttled one with a fresh command, and deletes by ARN", async () => {
    const http = fakeImageBuilderHttp(["CreateComponent", "GetImage", "DeleteImageRecipe"]);
    // maxAttempts 1: the SDK's own retries off, so the target's retry is what is tested.
    const imagebuilder = new ImagebuilderClient({ region: REGION, credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "x" }, requestHandler: http.requestHandler, maxAttempts: 1 });
    const ec2Calls: string[] = [];
    const ec2 = { send: async (command: object) => (ec2Calls.push(command.constructor.name), {}) } as never;
    const target = imageBuilderTarget({ imagebuilder, ec2, ami: { name: "debian-12-amd64-*", owners: ["136693071363"], architecture: "x86_64" }, timing: { pollMs: 30_000, buildTimeoutMs: 3_600_000 }, clock: fakeClock() });

    const image = await target.build(buildInput(), { signal: new AbortController().signal, reporter: silentReporter });

    expect(image.id).toBe("ami-07d9e8f1a2b3c4d5e");
    expect(http.sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      "PUT /CreateComponent",
      "PUT /CreateComponent",
      "PUT /CreateImageRecipe",
      "PUT /CreateInfrastructureConfiguration",
      "PUT /CreateDistributionConfiguration",
      "PUT /CreateImage",
      "GET /GetImage",
      "GET /GetImage",
      "DELETE /DeleteImage",
      "DELETE /DeleteDistributionConfiguration",
      "DELETE /DeleteInfrastructureConfiguration",
      "DELETE /DeleteImageRecipe",
      "DELETE /DeleteImageRecipe",
      "DELETE /DeleteComponent",
    ]);
    expect(http.sent[1].body).toEqual(http.sent[0].body);
    expect(http.sent[3].body.instanceMetadataOptions).toEqual({ httpTokens: "required" });
    expect(http.sent[5].body.clientToken).toBe(BUILD_ID);
    const version = http.sent[0].body.semanticVersion;
    expect(http.sent.at(-1)!.query).toEqual({ componentBuildVersionArn: `arn:aws:imagebuilder:${REGION}:${ACCOUNT}:component/unibox-${BUILD_ID}/${version}/1` });
    expect(ec2Calls).toEqual(["CreateTagsCommand"]);
  });
});
