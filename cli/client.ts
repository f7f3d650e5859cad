/** HTTP client of a node's REST API with one-line errors. */
import { CliError, EXIT } from "./cli_error.ts";

export class NodeClient {
  constructor(readonly baseUrl: string, readonly timeoutMs = 15_000) {}

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const url = this.baseUrl.replace(/\/+$/, "") + path;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new CliError(
        EXIT.UNREACHABLE,
        `Cannot reach the node at ${this.baseUrl}: ${(e as Error).message}`,
        "UNREACHABLE",
      );
    }
    if (!res.ok) {
      const text = await res.text();
      let code = `HTTP_${res.status}`;
      let message = text.slice(0, 300);
      try {
        const err = JSON.parse(text).error;
        if (err?.code) code = err.code;
        if (err?.message) message = err.message;
      } catch { /* not JSON */ }
      throw new CliError(EXIT.NODE_ERROR, `${code}: ${message}`, code);
    }
    return res;
  }

  async get<T = Record<string, unknown>>(path: string): Promise<T> {
    return await (await this.request("GET", path)).json() as T;
  }

  async getText(path: string): Promise<string> {
    return await (await this.request("GET", path)).text();
  }

  async post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T> {
    return await (await this.request("POST", path, body)).json() as T;
  }
}
