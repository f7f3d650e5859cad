/**
 * POST /console/actions/emergency: a signed-in operator or authority declares
 * or lifts an emergency (confirmation checkbox, CSRF token). The work is done
 * by `ConsoleData.declareEmergency`, which the authority module provides;
 * until then the action answers 503 "not available yet".
 */
import type { Context } from "hono";
import type { GridNode } from "../node/runtime/grid_node.ts";
import authoritiesPage, { EMERGENCY_LEVELS } from "../routes/authorities.tsx";
import { ConsoleError, type EmergencyInput } from "./data.ts";
import type { ConsoleHandle } from "./mount.ts";
import { createPageContext, sendPage } from "./mount.ts";
import { isValidCsrf } from "./security.ts";

const AREA_RE = /^[A-Z]{2,4}(-[0-9]{2}(-SUB[0-9]{3})?)?$/;

/** Validates the form; returns the input or a message for the operator. */
export function parseEmergencyForm(form: Record<string, unknown>): EmergencyInput | string {
  const area = typeof form.area === "string" ? form.area.trim() : "";
  const level = typeof form.level === "string" ? form.level : "";
  const reason = typeof form.reason === "string" ? form.reason.trim() : "";
  if (!AREA_RE.test(area)) return `Area must look like BKK, BKK-01 or BKK-01-SUB001`;
  if (!(EMERGENCY_LEVELS as readonly string[]).includes(level)) return `Unknown level`;
  if (reason.length === 0 || reason.length > 200) return "Reason must be 1 to 200 characters";
  if (form.confirm !== "yes") return "Tick the confirmation box to submit";
  return { area, level, reason };
}

export async function handleEmergency(c: Context, node: GridNode, h: ConsoleHandle) {
  const form = await c.req.parseBody();
  const problem = (notice: string, status: number) => {
    const ctx = createPageContext(c, node, h, notice);
    return authoritiesPage.render(ctx).then((page) =>
      page instanceof Response ? page : sendPage(c, h, { ...page, status }, ctx)
    );
  };
  const ctx = createPageContext(c, node, h);
  if (!ctx.session) return c.redirect("/signin?next=/authorities", 303);
  if (!isValidCsrf(c, ctx.session, form.csrf)) return c.text("Invalid CSRF token", 403);
  const input = parseEmergencyForm(form);
  if (typeof input === "string") return await problem(input, 400);
  try {
    const id = await h.data.declareEmergency(input, ctx.session.actor);
    node.log.info("console.emergency", { by: ctx.session.actor.name, area: input.area, id });
    return c.redirect(`/grid?declared=${encodeURIComponent(id)}`, 303);
  } catch (e) {
    if (e instanceof ConsoleError) {
      return await problem(e.message, e.code === "UNAVAILABLE" ? 503 : 400);
    }
    throw e;
  }
}
