/**
 * `authority list`, `authority emergency declare|lift|list`, and the
 * registration actions of distribution authorities (signed with an
 * authority's key, e.g. a wallet imported from the node's
 * keys/authority-MEA.json).
 */
import { UsageError } from "../cli_error.ts";
import { type CliContext, flag, intFlag, printSubmitted, submitTx } from "../context.ts";
import { formatTable } from "../format.ts";

export const AUTHORITY_USAGE = `authority list
  authority emergency declare --scope BKK-01 [--kind halt|cap] [--cap-kw N] [--reason TEXT]
  authority emergency lift --scope BKK-01
  authority emergency list
  authority register-participant --address ADDRESS --location REGION-ZONE-SUBSTATION
  authority register-meter --meter-id ID --owner ADDRESS --location L --source SOURCE
  authority deposit --to ADDRESS --amount-satang N
  authority grid-reading --location L --load-kw N --generation-kw N --frequency-millihz N`;

type Args = Record<string, string | number | boolean | null>;

async function act(ctx: CliContext, action: string, args: Args): Promise<void> {
  const r = await submitTx(ctx, "authority_action", {
    action: action as "deposit",
    args,
  });
  printSubmitted(ctx, r, { action });
}

export async function runAuthority(ctx: CliContext, sub: string | undefined): Promise<void> {
  const u = AUTHORITY_USAGE;
  switch (sub) {
    case "list": {
      const data = await ctx.client.get<{ authorities: Record<string, unknown>[] }>(
        "/api/v1/authorities",
      );
      if (ctx.json) return ctx.print(JSON.stringify(data));
      ctx.print(formatTable(
        ["NAME", "STATUS", "ROLES", "SERVICE AREA", "ADDRESS"],
        data.authorities.map((a) => [
          a.name as string,
          a.status as string,
          (a.roles as string[]).join(","),
          (a.service_area as string[]).join(","),
          a.address as string,
        ]),
      ));
      return;
    }
    case "emergency": {
      const op = ctx.args[0];
      ctx.args = ctx.args.slice(1);
      if (op === "list") {
        const data = await ctx.client.get<{ emergencies: Record<string, unknown>[] }>(
          "/api/v1/grid/emergencies",
        );
        if (ctx.json) return ctx.print(JSON.stringify(data));
        if (data.emergencies.length === 0) return ctx.print("No grid emergencies");
        ctx.print(formatTable(
          ["SCOPE", "KIND", "CAP KW", "DECLARED BY", "HEIGHT", "REASON"],
          data.emergencies.map((e) => [
            e.scope as string,
            e.kind as string,
            e.cap_kw as number | null,
            (e.declared_by as string[]).join(","),
            e.height as number,
            e.reason as string,
          ]),
        ));
        return;
      }
      const scope = flag(ctx, "scope", u)!;
      if (op === "declare") {
        const kind = flag(ctx, "kind", u, false) ?? "halt";
        if (kind !== "halt" && kind !== "cap") {
          throw new UsageError("--kind must be halt or cap", u);
        }
        const capKw = intFlag(ctx, "cap-kw", u, kind === "cap") ?? null;
        return await act(ctx, "declare_emergency", {
          scope,
          kind,
          capKw,
          reason: flag(ctx, "reason", u, false) ?? "",
        });
      }
      if (op === "lift") return await act(ctx, "lift_emergency", { scope });
      throw new UsageError(`Unknown emergency command "${op ?? ""}"`, u);
    }
    case "register-participant":
      return await act(ctx, "register_participant", {
        address: flag(ctx, "address", u)!,
        location: flag(ctx, "location", u)!,
      });
    case "register-meter":
      return await act(ctx, "register_meter", {
        meterId: flag(ctx, "meter-id", u)!,
        owner: flag(ctx, "owner", u)!,
        location: flag(ctx, "location", u)!,
        source: flag(ctx, "source", u)!,
      });
    case "deposit":
      return await act(ctx, "deposit", {
        to: flag(ctx, "to", u)!,
        amountSatang: intFlag(ctx, "amount-satang", u)!,
      });
    case "grid-reading":
      return await act(ctx, "grid_reading", {
        location: flag(ctx, "location", u)!,
        loadKw: intFlag(ctx, "load-kw", u)!,
        generationKw: intFlag(ctx, "generation-kw", u)!,
        frequencyMilliHz: intFlag(ctx, "frequency-millihz", u)!,
      });
    default:
      throw new UsageError(`Unknown authority command "${sub ?? ""}"`, u);
  }
}
