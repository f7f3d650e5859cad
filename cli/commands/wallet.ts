/** `wallet new|import|address|list`. */
import { UsageError } from "../cli_error.ts";
import { type CliContext, flag } from "../context.ts";
import { formatTable } from "../format.ts";
import { createWallet, getWalletAddress, importWallet, listWallets } from "../wallets.ts";

export const WALLET_USAGE =
  `wallet new [NAME]                                   create a key (default name: --wallet or "default")
  wallet import NAME --keystore-file PATH | --secret-file PATH
  wallet address [NAME]
  wallet list`;

export async function runWallet(ctx: CliContext, sub: string | undefined): Promise<void> {
  const name = ctx.args[0] ?? ctx.walletName;
  switch (sub) {
    case "new": {
      const address = await createWallet(ctx.walletOptions, name);
      ctx.print(
        ctx.json ? JSON.stringify({ name, address }) : `Created wallet ${name}: ${address}`,
      );
      return;
    }
    case "import": {
      const keystoreFile = flag(ctx, "keystore-file", WALLET_USAGE, false);
      const secretFile = flag(ctx, "secret-file", WALLET_USAGE, false);
      if ((keystoreFile === undefined) === (secretFile === undefined)) {
        throw new UsageError("Give exactly one of --keystore-file or --secret-file", WALLET_USAGE);
      }
      const address = await importWallet(ctx.walletOptions, name, { keystoreFile, secretFile });
      ctx.print(
        ctx.json ? JSON.stringify({ name, address }) : `Imported wallet ${name}: ${address}`,
      );
      return;
    }
    case "address": {
      const address = await getWalletAddress(ctx.walletOptions, name);
      ctx.print(ctx.json ? JSON.stringify({ name, address }) : address);
      return;
    }
    case "list": {
      const wallets = await listWallets(ctx.walletOptions);
      if (ctx.json) ctx.print(JSON.stringify({ wallets }));
      else if (wallets.length === 0) ctx.print(`No wallets in ${ctx.walletOptions.keystoreDir}`);
      else ctx.print(formatTable(["NAME", "ADDRESS"], wallets.map((w) => [w.name, w.address])));
      return;
    }
    default:
      throw new UsageError(`Unknown wallet command "${sub ?? ""}"`, WALLET_USAGE);
  }
}
