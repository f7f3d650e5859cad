/**
 * gridtokenx-cli: drives a GridTokenX node through its REST API and signs
 * transactions locally with a keystore.
 *
 *   deno task cli [global flags] <command> [args] [flags]
 *
 * Exit codes: 0 ok, 1 the node refused (HTTP error or rejected transaction),
 * 2 bad arguments (usage printed), 3 node unreachable, 4 local problem
 * (wallet, passphrase, file). Every failure prints one line on stderr.
 */
import { parseArgs } from "node:util";
import { CliError, EXIT, UsageError } from "./cli_error.ts";
import { NodeClient } from "./client.ts";
import type { CliContext, Flags } from "./context.ts";
import { AUTHORITY_USAGE, runAuthority } from "./commands/authority.ts";
import { CHAIN_USAGE, runBalance, runStake, runStatus, runTransfer } from "./commands/chain.ts";
import { COMPLIANCE_USAGE, runCompliance } from "./commands/compliance.ts";
import { GOVERNANCE_USAGE, runGovernance } from "./commands/governance.ts";
import { MARKET_USAGE, runMeter, runOrder, runTrades } from "./commands/market.ts";
import { runWallet, WALLET_USAGE } from "./commands/wallet.ts";
import { getDefaultKeystoreDir } from "./wallets.ts";

export const USAGE = `Usage: gridtokenx-cli [global flags] <command> ...

Commands:
  ${WALLET_USAGE}
  ${CHAIN_USAGE}
  ${MARKET_USAGE}
  ${GOVERNANCE_USAGE}
  ${AUTHORITY_USAGE}
  ${COMPLIANCE_USAGE}

Global flags:
  --node URL              node REST API (default $GRIDTOKENX_NODE or http://127.0.0.1:8080)
  --wallet NAME           wallet that signs (default "default")
  --keystore-dir DIR      wallets (default $GRIDTOKENX_KEYSTORE_DIR or ~/.gridtokenx/keystore)
  --passphrase-file PATH  keystore passphrase file (else $GRIDTOKENX_PASSPHRASE, else a prompt)
  --fee-satang N          transaction fee (default: the chain's minimum)
  --nonce N               transaction nonce (default: the account's next nonce)
  --no-wait               do not wait for the transaction to be committed
  --wait-ms N             how long to wait for the commit (default 60000)
  --json                  machine-readable output
  -h, --help              this help
`;

const STRING_FLAGS = [
  "node",
  "wallet",
  "keystore-dir",
  "passphrase-file",
  "fee-satang",
  "nonce",
  "wait-ms",
  "keystore-file",
  "secret-file",
  "to",
  "amount-satang",
  "amount-thb",
  "energy-wh",
  "energy-kwh",
  "side",
  "amount-kwh",
  "price-satang-per-kwh",
  "source",
  "location",
  "expiration-hours",
  "owner",
  "limit",
  "meter-id",
  "total-kwh",
  "total-wh",
  "title",
  "description",
  "type",
  "parameter",
  "new-value",
  "deposit-satang",
  "status",
  "scope",
  "kind",
  "cap-kw",
  "reason",
  "address",
  "load-kw",
  "generation-kw",
  "frequency-millihz",
  "from",
  "format",
  "out",
] as const;

/** Runs the CLI; returns the exit code. `print` receives stdout lines. */
export async function runCli(
  argv: string[],
  io: { print: (line: string) => void; error: (line: string) => void } = {
    print: (l) => console.log(l),
    error: (l) => console.error(l),
  },
): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: "string" as const }])),
          change: { type: "string", multiple: true },
          json: { type: "boolean" },
          "no-wait": { type: "boolean" },
          help: { type: "boolean", short: "h" },
        },
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const flags = parsed.values as Flags;
    const [command, sub, ...rest] = parsed.positionals;
    if (flags.help === true || command === undefined || command === "help") {
      io.print(USAGE);
      return command === undefined && flags.help !== true ? EXIT.USAGE : 0;
    }
    const ctx: CliContext = {
      flags,
      args: rest,
      client: new NodeClient(
        (flags.node as string | undefined) ?? Deno.env.get("GRIDTOKENX_NODE") ??
          "http://127.0.0.1:8080",
      ),
      walletOptions: {
        keystoreDir: (flags["keystore-dir"] as string | undefined) ?? getDefaultKeystoreDir(),
        passphraseFile: flags["passphrase-file"] as string | undefined,
      },
      walletName: (flags.wallet as string | undefined) ?? "default",
      json: flags.json === true,
      print: io.print,
    };
    // Commands without a sub-command take `sub` as their first positional.
    const withSub = (s: string | undefined) => {
      ctx.args = s === undefined ? rest : [s, ...rest];
    };
    switch (command) {
      case "wallet":
        await runWallet(ctx, sub);
        break;
      case "status":
        await runStatus(ctx);
        break;
      case "balance":
        withSub(sub);
        await runBalance(ctx);
        break;
      case "transfer":
        await runTransfer(ctx);
        break;
      case "stake":
      case "unstake":
        await runStake(ctx, command);
        break;
      case "order":
        await runOrder(ctx, sub);
        break;
      case "trades":
        await runTrades(ctx);
        break;
      case "meter":
        await runMeter(ctx, sub);
        break;
      case "governance":
        await runGovernance(ctx, sub);
        break;
      case "authority":
        await runAuthority(ctx, sub);
        break;
      case "compliance":
        await runCompliance(ctx, sub);
        break;
      default:
        throw new UsageError(`Unknown command "${command}"`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.error(`error: ${e.message}`);
      io.error(`usage: gridtokenx-cli ${e.usage ?? "<command> ... (see --help)"}`);
      return e.exitCode;
    }
    if (e instanceof CliError) {
      io.error(`error: ${e.message}`);
      return e.exitCode;
    }
    io.error(`error: ${(e as Error).message ?? String(e)}`);
    return EXIT.LOCAL;
  }
}

if (import.meta.main) {
  Deno.exit(await runCli(Deno.args));
}
